package io.laminar.flink.connector.nats.sink.writer;

import org.apache.flink.connector.base.sink.writer.strategy.BasicRequestInfo;
import org.apache.flink.connector.base.sink.writer.strategy.BasicResultInfo;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class InFlightWindowTest {

    private final AtomicLong buffered = new AtomicLong();
    private final InFlightWindow window = new InFlightWindow(2, 1_000, buffered::get);

    @Test
    void while_nothing_is_in_flight_whatever_is_buffered_is_a_batch_at_once() {
        buffered.set(1);
        assertThat(window.getMaxBatchSize()).isEqualTo(1);
        buffered.set(37);
        assertThat(window.getMaxBatchSize()).isEqualTo(37);
        buffered.set(5_000);
        assertThat(window.getMaxBatchSize()).as("never above the max batch size").isEqualTo(1_000);
        buffered.set(0);
        assertThat(window.getMaxBatchSize()).isEqualTo(1);
    }

    @Test
    void while_batches_are_in_flight_records_gather_into_full_batches_within_the_window() {
        buffered.set(37);
        window.registerInFlightRequest(new BasicRequestInfo(37));
        assertThat(window.getMaxBatchSize()).isEqualTo(1_000);
        assertThat(window.shouldBlock(new BasicRequestInfo(1_000))).isFalse();
        window.registerInFlightRequest(new BasicRequestInfo(1_000));
        assertThat(window.shouldBlock(new BasicRequestInfo(1_000))).as("two of two").isTrue();

        window.registerCompletedRequest(new BasicResultInfo(0, 37));
        assertThat(window.shouldBlock(new BasicRequestInfo(1_000))).isFalse();
        window.registerCompletedRequest(new BasicResultInfo(0, 1_000));
        assertThat(window.getMaxBatchSize()).as("idle again").isEqualTo(37);
    }
}
