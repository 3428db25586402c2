package io.laminar.flink.connector.nats.sink.writer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class StreamLookupTest {

    private final FakeConnection fake = new FakeConnection();
    private final AtomicLong nanos = new AtomicLong();

    private StreamLookup lookup() throws IOException {
        return new StreamLookup(fake.connection().jetStreamManagement(), nanos::get);
    }

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    @Test
    void an_answer_stands_for_its_lifetime_per_subject() throws IOException {
        StreamLookup lookup = lookup();

        assertThat(lookup.noStreamCaptures("orders.1")).isFalse();
        assertThat(lookup.noStreamCaptures("orders.1")).isFalse();
        assertThat(fake.streamLookups()).isEqualTo(1);

        fake.setStreamNames(Collections.emptyList());
        assertThat(lookup.noStreamCaptures("orders.2")).as("another subject").isTrue();
        assertThat(fake.streamLookups()).isEqualTo(2);

        advance(StreamLookup.ANSWER_LIFETIME.minusMillis(1));
        assertThat(lookup.noStreamCaptures("orders.1")).as("still the old answer").isFalse();
        assertThat(fake.streamLookups()).isEqualTo(2);

        advance(Duration.ofMillis(1));
        assertThat(lookup.noStreamCaptures("orders.1")).as("asked again").isTrue();
        assertThat(fake.streamLookups()).isEqualTo(3);
    }

    @Test
    void after_a_failed_lookup_nothing_is_asked_for_the_lifetime() throws IOException {
        StreamLookup lookup = lookup();
        fake.failStreamLookups(
                new IOException("Timeout or no response waiting for NATS JetStream"));

        assertThat(lookup.noStreamCaptures("orders.1")).as("not known: retry").isFalse();
        assertThat(lookup.noStreamCaptures("orders.2")).isFalse();
        assertThat(fake.streamLookups()).isEqualTo(1);

        fake.failStreamLookups(null);
        fake.setStreamNames(Collections.emptyList());
        advance(StreamLookup.ANSWER_LIFETIME);
        assertThat(lookup.noStreamCaptures("orders.2")).isTrue();
        assertThat(fake.streamLookups()).isEqualTo(2);
    }
}
