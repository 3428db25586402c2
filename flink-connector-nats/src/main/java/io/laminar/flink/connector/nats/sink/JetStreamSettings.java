package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.apache.flink.util.Preconditions.checkArgument;

/**
 * JetStream publishing: each record is published with {@code publishAsync} and counts as delivered
 * when the stream's {@code PublishAck} arrives.
 *
 * <pre>{@code
 * JetStreamSettings.builder().expectedStream("ORDERS").ackTimeout(Duration.ofSeconds(10)).build()
 * }</pre>
 */
@PublicEvolving
public final class JetStreamSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Default time to wait for one publish acknowledgement before retrying the record. */
    public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(30);

    /** Default cap on acknowledgements outstanding per writer. */
    public static final int DEFAULT_MAX_PENDING_ACKS = 8192;

    private final String expectedStream;
    private final Duration ackTimeout;
    private final int maxPendingAcks;
    private final Duration checkpointInterval;

    private JetStreamSettings(Builder b) {
        this.expectedStream =
                b.expectedStream == null || b.expectedStream.isEmpty() ? null : b.expectedStream;
        this.ackTimeout = b.ackTimeout;
        this.maxPendingAcks = b.maxPendingAcks;
        this.checkpointInterval = b.checkpointInterval;
        checkArgument(
                ackTimeout != null && !ackTimeout.isZero() && !ackTimeout.isNegative(),
                "'ackTimeout': the JetStream ack timeout must be positive, was %s",
                ackTimeout);
        checkArgument(
                maxPendingAcks >= 1,
                "'maxPendingAcks': JetStream max pending acks must be at least 1, was %s",
                maxPendingAcks);
        checkArgument(
                expectedStream == null || !expectedStream.matches(".*[. *>].*"),
                "'expectedStream': JetStream stream name '%s' is not a valid stream name (no '.',"
                        + " ' ', '*' or '>').",
                expectedStream);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** JetStream with every default: no expected stream, 30 s ack timeout. */
    public static JetStreamSettings defaults() {
        return builder().build();
    }

    /** The stream every publish must land in (sent as {@code Nats-Expected-Stream}), or null. */
    public String getExpectedStream() {
        return expectedStream;
    }

    public Duration getAckTimeout() {
        return ackTimeout;
    }

    public int getMaxPendingAcks() {
        return maxPendingAcks;
    }

    /** The job's checkpoint interval, if known: only used to warn about a short dedup window. */
    public Duration getCheckpointInterval() {
        return checkpointInterval;
    }

    /** These settings with {@code interval} as the job's checkpoint interval. */
    public JetStreamSettings withCheckpointInterval(Duration interval) {
        return builder()
                .expectedStream(expectedStream)
                .ackTimeout(ackTimeout)
                .maxPendingAcks(maxPendingAcks)
                .checkpointInterval(interval)
                .build();
    }

    private List<Object> fields() {
        return Arrays.asList(expectedStream, ackTimeout, maxPendingAcks, checkpointInterval);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JetStreamSettings && fields().equals(((JetStreamSettings) o).fields());
    }

    @Override
    public int hashCode() {
        return fields().hashCode();
    }

    @Override
    public String toString() {
        return String.format(
                "JetStreamSettings{expectedStream=%s, ackTimeout=%s, maxPendingAcks=%s,"
                        + " checkpointInterval=%s}",
                fields().toArray());
    }

    /** Builds {@link JetStreamSettings}. */
    @PublicEvolving
    public static final class Builder {
        private String expectedStream;
        private Duration ackTimeout = DEFAULT_ACK_TIMEOUT;
        private int maxPendingAcks = DEFAULT_MAX_PENDING_ACKS;
        private Duration checkpointInterval;

        private Builder() {}

        /**
         * The job's checkpoint interval (default: the interval the job runs with). With
         * exactly-once, start-up warns when the expected stream's duplicate window is shorter
         * (replays older than the window are not recognised as duplicates).
         */
        public Builder checkpointInterval(Duration interval) {
            this.checkpointInterval = interval;
            return this;
        }

        /** Every publish must be stored by this stream, or the job fails. */
        public Builder expectedStream(String stream) {
            this.expectedStream = stream;
            return this;
        }

        /**
         * How long to wait for one acknowledgement before the record is published again. The
         * writer's connection keeps a publish waiting at least this long, also above jnats' request
         * cleanup interval (5 s by default), after which jnats alone would give it up.
         */
        public Builder ackTimeout(Duration timeout) {
            this.ackTimeout = timeout;
            return this;
        }

        /** Acknowledgements outstanding per writer before publishing waits (back-pressure). */
        public Builder maxPendingAcks(int max) {
            this.maxPendingAcks = max;
            return this;
        }

        public JetStreamSettings build() {
            return new JetStreamSettings(this);
        }
    }
}
