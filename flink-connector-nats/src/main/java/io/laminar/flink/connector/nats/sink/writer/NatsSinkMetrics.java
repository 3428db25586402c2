package io.laminar.flink.connector.nats.sink.writer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The connector's own metrics, in the group {@code nats} under the sink writer's metric group.
 * Flink's standard {@code numRecordsOut}, {@code numBytesOut} and {@code currentSendTime} are kept
 * by {@code AsyncSinkWriter}; {@code numRecordsOutErrors} is counted here. The gauges show what the
 * writer holds ({@link HeldRecords}).
 */
@Internal
final class NatsSinkMetrics {

    static final String GROUP = "nats";

    private final Counter numRecordsOutErrors;
    private final Counter publishErrors;
    private final Counter retries;
    private final Counter reconnects;
    private final Counter disconnects;
    private final Counter acks;
    private final Counter duplicates;
    private final Histogram ackLatency;

    NatsSinkMetrics(SinkWriterMetricGroup writerGroup, HeldRecords held) {
        MetricGroup group = writerGroup.addGroup(GROUP);
        group.gauge("bufferedRecords", (Gauge<Long>) held::bufferedRecords);
        group.gauge("bufferedBytes", (Gauge<Long>) held::bufferedBytes);
        group.gauge("inFlightRecords", (Gauge<Long>) held::inFlightRecords);
        group.gauge("inFlightBytes", (Gauge<Long>) held::inFlightBytes);
        this.numRecordsOutErrors = writerGroup.getNumRecordsOutErrorsCounter();
        this.publishErrors = group.counter("publishErrors", new ThreadSafeSimpleCounter());
        this.retries = group.counter("retries", new ThreadSafeSimpleCounter());
        this.reconnects = group.counter("reconnects", new ThreadSafeSimpleCounter());
        this.disconnects = group.counter("disconnects", new ThreadSafeSimpleCounter());
        this.acks = group.counter("acks", new ThreadSafeSimpleCounter());
        this.duplicates = group.counter("duplicates", new ThreadSafeSimpleCounter());
        this.ackLatency = group.histogram("ackLatencyMs", new DescriptiveStatisticsHistogram(1024));
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

    /** A JetStream publish was acknowledged after {@code latencyMs}. */
    void acked(long latencyMs, boolean duplicate) {
        acks.inc();
        ackLatency.update(latencyMs);
        if (duplicate) {
            duplicates.inc();
        }
    }
}
