package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/**
 * The connector's own metrics, in the group {@code nats} under the sink writer's metric group.
 * Flink's standard {@code numRecordsOut}, {@code numBytesOut} and {@code currentSendTime} are kept
 * by {@code AsyncSinkWriter}; {@code numRecordsOutErrors} is counted here.
 */
@Internal
final class NatsSinkMetrics {

    static final String GROUP = "nats";

    private final Counter numRecordsOutErrors;
    private final Counter publishErrors;
    private final Counter retries;
    private final Counter reconnects;
    private final Counter disconnects;

    NatsSinkMetrics(SinkWriterMetricGroup writerGroup) {
        MetricGroup group = writerGroup.addGroup(GROUP);
        this.numRecordsOutErrors = writerGroup.getNumRecordsOutErrorsCounter();
        this.publishErrors = group.counter("publishErrors", new ThreadSafeSimpleCounter());
        this.retries = group.counter("retries", new ThreadSafeSimpleCounter());
        this.reconnects = group.counter("reconnects", new ThreadSafeSimpleCounter());
        this.disconnects = group.counter("disconnects", new ThreadSafeSimpleCounter());
    }

    /** Records that failed the job. */
    void recordsFailed(int count) {
        numRecordsOutErrors.inc(count);
    }

    /** A publish or confirmation failed (retryable or not). */
    void publishError() {
        publishErrors.inc();
    }

    /** Entries handed back to the writer's buffer to be published again. */
    void retried(int entries) {
        retries.inc(entries);
    }

    void reconnected() {
        reconnects.inc();
    }

    void disconnected() {
        disconnects.inc();
    }
}
