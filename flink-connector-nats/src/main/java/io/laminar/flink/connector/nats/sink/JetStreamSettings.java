package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.apache.flink.util.Preconditions.checkArgument;

/**
 * JetStream publishing: each record is published with {@code publishAsync} and counts as delivered
 * when the stream's {@code PublishAck} arrives. The JetStream API (the stream check at start-up,
 * stream creation, Key-Value writes) is reached in the account's own domain unless {@link
 * Builder#domain} or {@link Builder#apiPrefix} says otherwise (leaf nodes, imported JetStream).
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

    /** The JetStream API prefix when none is set. */
    public static final String DEFAULT_API_PREFIX = "$JS.API.";

    /** Storage of a stream the sink creates. */
    @PublicEvolving
    public enum Storage {
        FILE,
        MEMORY
    }

    private final String expectedStream;
    private final Duration ackTimeout;
    private final int maxPendingAcks;
    private final Duration checkpointInterval;
    private final String domain;
    private final String apiPrefix;
    private final StreamCreation streamCreation;

    private JetStreamSettings(Builder b) {
        this.expectedStream =
                b.expectedStream == null || b.expectedStream.isEmpty() ? null : b.expectedStream;
        this.ackTimeout = b.ackTimeout;
        this.maxPendingAcks = b.maxPendingAcks;
        this.checkpointInterval = b.checkpointInterval;
        this.domain = emptyToNull(b.domain);
        this.apiPrefix = emptyToNull(b.apiPrefix);
        this.streamCreation = b.streamCreation;
        checkArgument(
                domain == null || apiPrefix == null,
                "'domain' and 'apiPrefix' both say where the JetStream API is: set one (a domain"
                        + " is the prefix $JS.<domain>.API).");
        checkArgument(
                domain == null || domain.matches("[^.\\s*>]+"),
                "'domain': a JetStream domain is a name without '.', spaces, '*' or '>', was '%s'",
                domain);
        checkArgument(
                apiPrefix == null || apiPrefix.matches("[^.\\s*>]+(\\.[^.\\s*>]+)*\\.?"),
                "'apiPrefix': a JetStream API prefix is a subject without wildcards, e.g."
                        + " $JS.hub.API, was '%s'",
                apiPrefix);
        checkArgument(
                streamCreation == null || expectedStream != null,
                "'createStreamIfMissing' creates the expected stream: set 'expectedStream' too.");
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

    /** The JetStream domain, or null. */
    public String getDomain() {
        return domain;
    }

    /**
     * The prefix of the JetStream API subjects, ending with a dot: {@code $JS.<domain>.API.} for a
     * domain, the API prefix as set, or {@link #DEFAULT_API_PREFIX}.
     */
    public String getApiPrefix() {
        if (domain != null) {
            return "$JS." + domain + ".API.";
        }
        if (apiPrefix != null) {
            return apiPrefix.endsWith(".") ? apiPrefix : apiPrefix + ".";
        }
        return DEFAULT_API_PREFIX;
    }

    /** Whether the JetStream API is the account's own ({@link #DEFAULT_API_PREFIX}). */
    public boolean usesDefaultApi() {
        return DEFAULT_API_PREFIX.equals(getApiPrefix());
    }

    /** How to create the expected stream when it is missing, or null (a start-up error). */
    public StreamCreation getStreamCreation() {
        return streamCreation;
    }

    /** The job's checkpoint interval, if known: only used to warn about a short dedup window. */
    public Duration getCheckpointInterval() {
        return checkpointInterval;
    }

    /** These settings with {@code interval} as the job's checkpoint interval. */
    public JetStreamSettings withCheckpointInterval(Duration interval) {
        return toBuilder().checkpointInterval(interval).build();
    }

    /** These settings with {@code creation} as the way to create a missing stream. */
    public JetStreamSettings withStreamCreation(StreamCreation creation) {
        return toBuilder().createStreamIfMissing(creation).build();
    }

    private Builder toBuilder() {
        return builder()
                .expectedStream(expectedStream)
                .ackTimeout(ackTimeout)
                .maxPendingAcks(maxPendingAcks)
                .checkpointInterval(checkpointInterval)
                .domain(domain)
                .apiPrefix(apiPrefix)
                .createStreamIfMissing(streamCreation);
    }

    private List<Object> fields() {
        return Arrays.asList(
                expectedStream,
                ackTimeout,
                maxPendingAcks,
                checkpointInterval,
                domain,
                apiPrefix,
                streamCreation);
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
                        + " checkpointInterval=%s, domain=%s, apiPrefix=%s, streamCreation=%s}",
                fields().toArray());
    }

    /** Builds {@link JetStreamSettings}. */
    @PublicEvolving
    public static final class Builder {
        private String expectedStream;
        private Duration ackTimeout = DEFAULT_ACK_TIMEOUT;
        private int maxPendingAcks = DEFAULT_MAX_PENDING_ACKS;
        private Duration checkpointInterval;
        private String domain;
        private String apiPrefix;
        private StreamCreation streamCreation;

        private Builder() {}

        /**
         * The JetStream domain to reach (e.g. the hub's domain from a leaf node): the API subjects
         * become {@code $JS.<domain>.API.>}, and Key-Value writes go through them.
         */
        public Builder domain(String domain) {
            this.domain = domain;
            return this;
        }

        /**
         * The prefix of the JetStream API subjects, for JetStream imported from another account
         * (default {@code $JS.API}); the same role as {@link #domain}, set one or the other.
         */
        public Builder apiPrefix(String prefix) {
            this.apiPrefix = prefix;
            return this;
        }

        /**
         * Creates the {@link #expectedStream} at start-up when it does not exist, as {@code
         * creation} describes (default: none, a missing stream fails the job at start-up). An
         * existing stream is never changed: where it differs from {@code creation}, start-up logs a
         * WARN naming the setting.
         */
        public Builder createStreamIfMissing(StreamCreation creation) {
            this.streamCreation = creation;
            return this;
        }

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

    private static String emptyToNull(String s) {
        return s == null || s.trim().isEmpty() ? null : s.trim();
    }

    /**
     * The stream the sink creates when {@link #getExpectedStream()} is missing: its subjects,
     * storage, replicas and duplicate window (the server's defaults for the rest).
     *
     * <pre>{@code
     * StreamCreation.subjects("orders.>").storage(Storage.FILE).replicas(3)
     * }</pre>
     */
    @PublicEvolving
    public static final class StreamCreation implements Serializable {

        private static final long serialVersionUID = 1L;

        /** The server's default duplicate window, the least the sink creates a stream with. */
        public static final Duration MIN_DUPLICATE_WINDOW = Duration.ofMinutes(2);

        private final List<String> subjects;
        private final Storage storage;
        private final int replicas;
        private final Duration duplicateWindow;

        private StreamCreation(
                List<String> subjects, Storage storage, int replicas, Duration duplicateWindow) {
            checkArgument(
                    subjects != null
                            && subjects.stream().allMatch(s -> s != null && !s.trim().isEmpty()),
                    "'streamSubjects': a stream's subjects must not be empty, was %s",
                    subjects);
            checkArgument(storage != null, "'streamStorage' must be FILE or MEMORY.");
            checkArgument(
                    replicas >= 1 && replicas <= 5,
                    "'streamReplicas': a stream has 1 to 5 replicas, was %s",
                    replicas);
            checkArgument(
                    duplicateWindow == null
                            || (!duplicateWindow.isNegative() && !duplicateWindow.isZero()),
                    "'streamDuplicateWindow' must be positive, was %s",
                    duplicateWindow);
            this.subjects = List.copyOf(subjects);
            this.storage = storage;
            this.replicas = replicas;
            this.duplicateWindow = duplicateWindow;
        }

        /**
         * A stream of the sink's (static) subject, file storage, one replica, the default duplicate
         * window.
         */
        public static StreamCreation ofSinkSubject() {
            return subjects(List.of());
        }

        /** A stream of these subjects, file storage, one replica, the default duplicate window. */
        public static StreamCreation subjects(String... subjects) {
            return subjects(Arrays.asList(subjects));
        }

        /** A stream of these subjects, file storage, one replica, the default duplicate window. */
        public static StreamCreation subjects(List<String> subjects) {
            return new StreamCreation(subjects, Storage.FILE, 1, null);
        }

        /** This with {@code subjects} instead. */
        public StreamCreation withSubjects(String... subjects) {
            return new StreamCreation(Arrays.asList(subjects), storage, replicas, duplicateWindow);
        }

        /** This with {@code storage}. */
        public StreamCreation storage(Storage storage) {
            return new StreamCreation(subjects, storage, replicas, duplicateWindow);
        }

        /** This with {@code replicas} (1 to 5; more than 1 needs a JetStream cluster). */
        public StreamCreation replicas(int replicas) {
            return new StreamCreation(subjects, storage, replicas, duplicateWindow);
        }

        /**
         * This with {@code window} as the duplicate window. Default: twice the job's checkpoint
         * interval, at least {@link #MIN_DUPLICATE_WINDOW}, so that exactly-once recognises the
         * records a recovery replays.
         */
        public StreamCreation duplicateWindow(Duration window) {
            return new StreamCreation(subjects, storage, replicas, window);
        }

        /** The subjects; empty for the sink's subject. */
        public List<String> getSubjects() {
            return subjects;
        }

        public Storage getStorage() {
            return storage;
        }

        public int getReplicas() {
            return replicas;
        }

        /** The duplicate window as set, or null for the default. */
        public Duration getDuplicateWindow() {
            return duplicateWindow;
        }

        /**
         * The duplicate window to create the stream with, for a job checkpointing every {@code
         * checkpointInterval} (null when unknown).
         */
        public Duration duplicateWindowFor(Duration checkpointInterval) {
            if (duplicateWindow != null) {
                return duplicateWindow;
            }
            if (checkpointInterval == null
                    || checkpointInterval.multipliedBy(2).compareTo(MIN_DUPLICATE_WINDOW) < 0) {
                return MIN_DUPLICATE_WINDOW;
            }
            return checkpointInterval.multipliedBy(2);
        }

        private List<Object> fields() {
            return Arrays.asList(subjects, storage, replicas, duplicateWindow);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof StreamCreation && fields().equals(((StreamCreation) o).fields());
        }

        @Override
        public int hashCode() {
            return fields().hashCode();
        }

        @Override
        public String toString() {
            return String.format(
                    "StreamCreation{subjects=%s, storage=%s, replicas=%s, duplicateWindow=%s}",
                    fields().toArray());
        }
    }
}
