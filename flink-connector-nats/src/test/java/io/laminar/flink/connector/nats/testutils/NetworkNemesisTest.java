package io.laminar.flink.connector.nats.testutils;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The nemesis between a jnats client and a real nats-server: bytes pass, a dark link holds them
 * (the connection stays open) until it heals, a cut resets the connection (the client reconnects
 * through the nemesis), and delay and bandwidth limits slow round trips and transfers down.
 */
class NetworkNemesisTest {

    @RegisterExtension static final NatsServerExtension NATS = new NatsServerExtension();

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private static Connection client(NetworkNemesis nemesis, List<ConnectionListener.Events> events)
            throws Exception {
        return Nats.connect(
                new Options.Builder()
                        .server(nemesis.url())
                        .reconnectWait(Duration.ofMillis(100))
                        .maxReconnects(-1)
                        .connectionListener((conn, type) -> events.add(type))
                        .build());
    }

    @Test
    void bytes_pass_until_the_link_goes_dark_and_arrive_when_it_heals() throws Exception {
        List<ConnectionListener.Events> events = new CopyOnWriteArrayList<>();
        try (NetworkNemesis nemesis = NetworkNemesis.to(NATS.port());
                Connection subscriber = NATS.connect();
                MessageCollector collector =
                        MessageCollector.subscribe(subscriber, "nemesis.dark");
                Connection client = client(nemesis, events)) {
            client.publish("nemesis.dark", "before".getBytes(StandardCharsets.UTF_8));
            client.flush(Duration.ofSeconds(5));
            collector.awaitCount(1, DEADLINE);

            nemesis.blackhole(Duration.ofMinutes(1));
            client.publish("nemesis.dark", "during".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> client.flush(Duration.ofMillis(500)))
                    .isInstanceOf(TimeoutException.class);
            assertThat(collector.payloadsAsStrings()).containsExactly("before");
            assertThat(client.getStatus()).isEqualTo(Connection.Status.CONNECTED);
            assertThat(nemesis.openConnections()).isEqualTo(1);

            nemesis.heal();
            client.flush(Duration.ofSeconds(5));
            collector.awaitCount(2, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("before", "during");
            assertThat(events).doesNotContain(ConnectionListener.Events.DISCONNECTED);
        }
    }

    @Test
    void a_dark_link_heals_by_itself_after_its_duration() throws Exception {
        try (NetworkNemesis nemesis = NetworkNemesis.to(NATS.port());
                Connection client = client(nemesis, new CopyOnWriteArrayList<>())) {
            nemesis.blackhole(Duration.ofSeconds(1));
            // A round trip started in the dark completes once the link is back.
            client.flush(Duration.ofSeconds(20));
            assertThat(client.getStatus()).isEqualTo(Connection.Status.CONNECTED);
        }
    }

    @Test
    void a_cut_resets_the_connection_and_the_client_reconnects_through_the_nemesis()
            throws Exception {
        List<ConnectionListener.Events> events = new CopyOnWriteArrayList<>();
        try (NetworkNemesis nemesis = NetworkNemesis.to(NATS.port());
                Connection subscriber = NATS.connect();
                MessageCollector collector = MessageCollector.subscribe(subscriber, "nemesis.cut");
                Connection client = client(nemesis, events)) {
            client.flush(Duration.ofSeconds(5));
            nemesis.cut();
            Await.until(
                    "the client saw the reset and reconnected",
                    DEADLINE,
                    () ->
                            events.contains(ConnectionListener.Events.DISCONNECTED)
                                    && events.contains(ConnectionListener.Events.RECONNECTED));
            client.publish("nemesis.cut", "after".getBytes(StandardCharsets.UTF_8));
            client.flush(Duration.ofSeconds(5));
            collector.awaitCount(1, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("after");
            assertThat(nemesis.openConnections()).isEqualTo(1);
        }
    }

    @Test
    void a_delay_holds_every_round_trip_back_at_least_that_long() throws Exception {
        try (NetworkNemesis nemesis = NetworkNemesis.to(NATS.port());
                Connection client = client(nemesis, new CopyOnWriteArrayList<>())) {
            nemesis.delay(Duration.ofMillis(200), Duration.ofMinutes(1));
            long started = System.nanoTime();
            client.flush(Duration.ofSeconds(20));
            // PING waits 200 ms on the way in and PONG 200 ms on the way out.
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(400));
            nemesis.heal();
        }
    }

    @Test
    void a_bandwidth_limit_slows_a_transfer_to_that_rate() throws Exception {
        try (NetworkNemesis nemesis = NetworkNemesis.to(NATS.port());
                Connection client = client(nemesis, new CopyOnWriteArrayList<>())) {
            nemesis.limit(100_000, Duration.ofMinutes(1));
            byte[] payload = new byte[50_000];
            long started = System.nanoTime();
            for (int i = 0; i < 4; i++) {
                client.publish("nemesis.slow", payload);
            }
            client.flush(Duration.ofSeconds(30));
            // 200,000 bytes at 100,000 bytes a second.
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(1_900));
        }
    }
}
