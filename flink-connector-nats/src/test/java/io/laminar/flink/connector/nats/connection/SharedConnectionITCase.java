package io.laminar.flink.connector.nats.connection;

import io.laminar.flink.connector.nats.testutils.NatsServerExtension;

import io.nats.client.Options;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** What a shared connection is made with, against a real nats-server. */
class SharedConnectionITCase {

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.builder().jetStream(false).build();

    private static Duration cleanupInterval(ConnectionSettings settings, Duration lifetime) {
        ConnectionEvents events = new ConnectionEvents(settings, e -> false, () -> {}, () -> {});
        SharedConnection shared = SharedConnection.acquire(settings, lifetime, "job", -1, events);
        try {
            return shared.connection().getOptions().getRequestCleanupInterval();
        } finally {
            shared.release(events, Duration.ofSeconds(1));
        }
    }

    @Test
    void a_request_lifetime_raises_the_request_cleanup_interval_and_never_lowers_it() {
        ConnectionSettings plain = ConnectionSettings.builder().servers(NATS.url()).build();
        ConnectionSettings oneMinute =
                ConnectionSettings.builder()
                        .servers(NATS.url())
                        .property("cleanupinterval", "60000")
                        .build();

        assertThat(cleanupInterval(plain, null))
                .isEqualTo(Options.DEFAULT_REQUEST_CLEANUP_INTERVAL);
        assertThat(cleanupInterval(plain, Duration.ofSeconds(30)))
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(cleanupInterval(plain, Duration.ofSeconds(2)))
                .isEqualTo(Options.DEFAULT_REQUEST_CLEANUP_INTERVAL);
        assertThat(cleanupInterval(oneMinute, Duration.ofSeconds(30)))
                .isEqualTo(Duration.ofMinutes(1));
    }
}
