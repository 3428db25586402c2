package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.sink.writer.KeyValueMessages;
import io.laminar.flink.connector.nats.sink.writer.NatsMessageConverter;
import io.laminar.flink.connector.nats.sink.writer.NatsSinkSettings;
import io.laminar.flink.connector.nats.sink.writer.SchemaMessageSerializer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.base.sink.AsyncSinkBaseBuilder;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.apache.flink.util.Preconditions.checkArgument;

/**
 * Builds a {@link NatsSink}. Set the servers, then either a {@link SerializationSchema} with a
 * subject (static or per record), or a {@link NatsMessageSerializer} that returns whole messages.
 * {@link #build()} checks the combination and says what is missing or conflicting.
 *
 * <p>Batching and back-pressure use Flink's async-sink settings ({@code setMaxBatchSize}, {@code
 * setMaxInFlightRequests}, {@code setMaxBufferedRequests}, {@code setMaxBatchSizeInBytes}, {@code
 * setMaxTimeInBufferMS}, {@code setMaxRecordSizeInBytes}).
 *
 * @param <IN> the record type
 */
@PublicEvolving
public class NatsSinkBuilder<IN>
        extends AsyncSinkBaseBuilder<IN, NatsMessage, NatsSinkBuilder<IN>> {

    /** Records per batch handed to the publisher. */
    public static final int DEFAULT_MAX_BATCH_SIZE = 1000;

    /** Batches published and not yet confirmed. */
    public static final int DEFAULT_MAX_IN_FLIGHT_REQUESTS = 16;

    /** Records buffered in the writer before {@code write} blocks (back-pressure). */
    public static final int DEFAULT_MAX_BUFFERED_REQUESTS = 20_000;

    /** Bytes per batch. */
    public static final long DEFAULT_MAX_BATCH_SIZE_IN_BYTES = 8L * 1024 * 1024;

    /** How long a record may wait in the buffer before a partial batch is sent. */
    public static final long DEFAULT_MAX_TIME_IN_BUFFER_MS = 50;

    /** Largest record accepted (NATS servers default to a 1 MiB {@code max_payload}). */
    public static final long DEFAULT_MAX_RECORD_SIZE_IN_BYTES = 8L * 1024 * 1024;

    /** How long one confirmation round trip (including waiting for a reconnect) may take. */
    public static final Duration DEFAULT_CONFIRM_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Connections per TaskManager shared by a job's sink writers with equal connection settings.
     */
    public static final int DEFAULT_CONNECTION_POOL_SIZE = 1;

    private ConnectionSettings connectionSettings;
    private SerializationSchema<IN> serializationSchema;
    private String subject;
    private SubjectSelector<IN> subjectSelector;
    private SubjectSelector<IN> replyToSelector;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private NatsMessageSerializer<IN> messageSerializer;
    private DeliveryGuarantee deliveryGuarantee = DeliveryGuarantee.AT_LEAST_ONCE;
    private Duration confirmTimeout = DEFAULT_CONFIRM_TIMEOUT;
    private JetStreamSettings jetStream;
    private String deadLetterSubject;
    private int connectionPoolSize = DEFAULT_CONNECTION_POOL_SIZE;
    private boolean orderPerSubject;
    private String keyValueBucket;
    private KeyValueSerializer<IN> keyValueSerializer;
    private SettingNames settingNames = SettingNames.BUILDER;

    NatsSinkBuilder() {}

    /**
     * Where and how to connect: servers, credentials, TLS, timeouts, reconnects (required).
     *
     * <pre>{@code
     * builder.setConnectionSettings(
     *         ConnectionSettings.builder()
     *                 .servers("tls://nats.example.com:4222")
     *                 .userInfo("publisher", System.getenv("NATS_PASSWORD"))
     *                 .tls(TlsSettings.builder().caCertFile("/etc/nats/ca.pem").build())
     *                 .build());
     * }</pre>
     */
    public NatsSinkBuilder<IN> setConnectionSettings(ConnectionSettings settings) {
        this.connectionSettings = settings;
        return this;
    }

    /** How records become payload bytes. Use with a subject or a subject selector. */
    public NatsSinkBuilder<IN> setSerializationSchema(SerializationSchema<IN> schema) {
        this.serializationSchema = schema;
        return this;
    }

    /** The subject every record is published to. */
    public NatsSinkBuilder<IN> setSubject(String subject) {
        this.subject = subject;
        return this;
    }

    /** Picks the subject per record. */
    public NatsSinkBuilder<IN> setSubjectSelector(SubjectSelector<IN> selector) {
        this.subjectSelector = selector;
        return this;
    }

    /** Picks the reply-to subject per record (request-reply); null results mean none. */
    public NatsSinkBuilder<IN> setReplyToSelector(SubjectSelector<IN> selector) {
        this.replyToSelector = selector;
        return this;
    }

    /**
     * A header sent with every record. Names are printable US-ASCII without {@code ':'}; values are
     * US-ASCII without CR or LF (NATS headers carry no other characters).
     */
    public NatsSinkBuilder<IN> setHeader(String key, String value) {
        String problem = MessageHeaders.nameProblem(key);
        if (problem != null) {
            throw new IllegalArgumentException(
                    "setHeader: the header key "
                            + (key == null ? "null" : "'" + key + "'")
                            + " cannot be sent: "
                            + problem
                            + ".");
        }
        problem = MessageHeaders.valueProblem(value);
        if (problem != null) {
            throw new IllegalArgumentException(
                    "setHeader: the value of header '"
                            + key
                            + "' cannot be sent: "
                            + problem
                            + ".");
        }
        headers.put(key, value);
        return this;
    }

    /** Headers sent with every record. */
    public NatsSinkBuilder<IN> setHeaders(Map<String, String> headers) {
        headers.forEach(this::setHeader);
        return this;
    }

    /** Builds the whole message per record; replaces the schema, subject and header settings. */
    public NatsSinkBuilder<IN> setMessageSerializer(NatsMessageSerializer<IN> serializer) {
        this.messageSerializer = serializer;
        return this;
    }

    /**
     * {@code AT_LEAST_ONCE} (default): checkpoints and the end of input wait until the server
     * confirmed every record. {@code NONE}: records are handed to the connection and not confirmed.
     * {@code EXACTLY_ONCE} needs JetStream and is not available for core NATS.
     */
    public NatsSinkBuilder<IN> setDeliveryGuarantee(DeliveryGuarantee guarantee) {
        this.deliveryGuarantee = guarantee;
        return this;
    }

    /**
     * How long one confirmation round trip may take, waiting for a reconnect included (default 30
     * s); after it the unconfirmed records are published again.
     */
    public NatsSinkBuilder<IN> setConfirmTimeout(Duration timeout) {
        this.confirmTimeout = timeout;
        return this;
    }

    /**
     * How many NATS connections the job's sink writers in one TaskManager share (default 1): the
     * writers with equal connection settings take connection {@code subtask index % size}, and the
     * last writer on a connection closes it. {@code 0} gives every writer a connection of its own.
     * Writers of different jobs never share.
     */
    public NatsSinkBuilder<IN> setConnectionPoolSize(int size) {
        this.connectionPoolSize = size;
        return this;
    }

    /**
     * Writes to the NATS Key-Value bucket {@code bucket} (which must exist) instead of to subjects:
     * each record is a put, delete or purge of one key, made by {@link #setKeyValueSerializer}.
     * Writes are JetStream publishes whose acknowledgement is awaited, and each key's writes keep
     * their order through retries, reconnects and restores (one batch in flight, at most one write
     * per key in a batch), so the bucket ends with the last write per key. {@link #setJetStream}
     * may set the ack timeout and pending acks, not a stream.
     */
    public NatsSinkBuilder<IN> setKeyValueBucket(String bucket) {
        this.keyValueBucket = bucket;
        return this;
    }

    /** What each record does to a key of the {@link #setKeyValueBucket Key-Value bucket}. */
    public NatsSinkBuilder<IN> setKeyValueSerializer(KeyValueSerializer<IN> serializer) {
        this.keyValueSerializer = serializer;
        return this;
    }

    /**
     * Keeps the order of each subject's records through retries, reconnects and server restarts
     * (default false): a record is published only once every earlier record for its subject is
     * confirmed (core) or acknowledged (JetStream), so a retried record is never overtaken by a
     * newer one for its subject. One batch is in flight at a time ({@code maxInFlightRequests} must
     * be 1, its default then), and a batch holds at most one record per subject: a single subject
     * gets one record per round trip to the server.
     */
    public NatsSinkBuilder<IN> setOrderPerSubject(boolean orderPerSubject) {
        this.orderPerSubject = orderPerSubject;
        return this;
    }

    /**
     * Publishes to JetStream: each record counts as delivered when the stream acknowledged it.
     * Required for {@code EXACTLY_ONCE}; null switches back to core NATS.
     */
    public NatsSinkBuilder<IN> setJetStream(JetStreamSettings settings) {
        this.jetStream = settings;
        return this;
    }

    /**
     * Records that can never be published where they should go (invalid or too long subject, a
     * header NATS cannot carry, serialization error, larger than the server's {@code max_payload}
     * or the max record size) are published here instead, with headers {@code Nats-Sink-Error}
     * (why) and {@code Nats-Sink-Original-Subject}; a payload that is too large is cut to fit and
     * {@code Nats-Sink-Truncated-From} gives its size. The record's own headers come along, except
     * those NATS cannot carry. Counted by the {@code nats.deadLettered} metric. Without it (the
     * default) such a record fails the job.
     */
    public NatsSinkBuilder<IN> setDeadLetterSubject(String subject) {
        this.deadLetterSubject = subject == null || subject.isEmpty() ? null : subject;
        return this;
    }

    /**
     * How error messages name the settings; the SQL connector passes its option names. Internal:
     * not for DataStream jobs.
     */
    @Internal
    public NatsSinkBuilder<IN> setSettingNames(SettingNames names) {
        this.settingNames = names;
        return this;
    }

    @Override
    public NatsSink<IN> build() {
        checkArgument(
                connectionSettings != null,
                "Set the connection settings (setConnectionSettings) with at least one NATS"
                        + " server, e.g."
                        + " ConnectionSettings.builder().servers(\"nats://localhost:4222\").build().");
        NatsMessageSerializer<IN> serializer =
                keyValueBucket == null && keyValueSerializer == null
                        ? serializer()
                        : keyValueSerializer();
        JetStreamSettings jetStream = this.jetStream;
        boolean orderPerSubject = this.orderPerSubject;
        if (keyValueBucket != null) {
            checkArgument(
                    jetStream == null || jetStream.getExpectedStream() == null,
                    "'keyValueBucket' writes to the bucket's own stream: do not also set"
                            + " 'expectedStream' (was '%s'); create the bucket with nats kv add.",
                    jetStream == null ? null : jetStream.getExpectedStream());
            checkArgument(
                    deliveryGuarantee != DeliveryGuarantee.EXACTLY_ONCE,
                    "'deliveryGuarantee' EXACTLY_ONCE does not apply to 'keyValueBucket': with"
                            + " AT_LEAST_ONCE the bucket already ends with the last write per"
                            + " key, replays included.");
            jetStream = jetStream == null ? JetStreamSettings.defaults() : jetStream;
            orderPerSubject = true;
        }
        checkArgument(
                deliveryGuarantee != null,
                "'deliveryGuarantee' must be set: NONE or AT_LEAST_ONCE.");
        jetStream = withStreamSubjects(jetStream);
        checkArgument(
                deliveryGuarantee != DeliveryGuarantee.EXACTLY_ONCE || jetStream != null,
                "'deliveryGuarantee' EXACTLY_ONCE needs JetStream ('jetStream') and a message id"
                        + " per record, so that the stream drops replayed records as duplicates;"
                        + " core NATS offers AT_LEAST_ONCE (the default) or NONE.");
        if (deadLetterSubject != null) {
            Subjects.validate(deadLetterSubject, "dead-letter subject", "'deadLetterSubject'");
        }
        checkArgument(
                confirmTimeout != null && !confirmTimeout.isZero() && !confirmTimeout.isNegative(),
                "'confirmTimeout': the confirm timeout must be positive, was %s",
                confirmTimeout);
        checkArgument(
                connectionPoolSize >= 0,
                "'connectionPoolSize': the connection pool size must be 0 (one connection per"
                        + " writer) or more, was %s",
                connectionPoolSize);
        int maxInFlight =
                orDefault(
                        getMaxInFlightRequests(),
                        orderPerSubject ? 1 : DEFAULT_MAX_IN_FLIGHT_REQUESTS);
        checkArgument(
                !orderPerSubject || maxInFlight == 1,
                "'%s' keeps one batch in flight: set 'maxInFlightRequests' to 1 or leave it"
                        + " unset, was %s",
                keyValueBucket != null ? "keyValueBucket" : "orderPerSubject",
                maxInFlight);
        Long batchBytes = getMaxBatchSizeInBytes();
        long maxRecordSize =
                orDefault(
                        getMaxRecordSizeInBytes(),
                        batchBytes == null
                                ? DEFAULT_MAX_RECORD_SIZE_IN_BYTES
                                : Math.min(DEFAULT_MAX_RECORD_SIZE_IN_BYTES, batchBytes));
        long maxBatchBytes =
                orDefault(batchBytes, Math.max(DEFAULT_MAX_BATCH_SIZE_IN_BYTES, maxRecordSize));
        checkArgument(
                maxBatchBytes >= maxRecordSize,
                "The max batch size in bytes (%s) must be at least the max record size in bytes"
                        + " (%s).",
                maxBatchBytes,
                maxRecordSize);
        return new NatsSink<>(
                new NatsMessageConverter<>(serializer, maxRecordSize, deadLetterSubject),
                new NatsSinkSettings(
                        connectionSettings,
                        deliveryGuarantee,
                        confirmTimeout,
                        jetStream,
                        connectionPoolSize,
                        orderPerSubject,
                        keyValueBucket,
                        settingNames),
                orDefault(getMaxBatchSize(), DEFAULT_MAX_BATCH_SIZE),
                maxInFlight,
                orDefault(getMaxBufferedRequests(), DEFAULT_MAX_BUFFERED_REQUESTS),
                maxBatchBytes,
                orDefault(getMaxTimeInBufferMS(), DEFAULT_MAX_TIME_IN_BUFFER_MS),
                maxRecordSize);
    }

    /**
     * {@code jetStream} with the sink's static subject as the subjects of a stream to create that
     * names none.
     */
    private JetStreamSettings withStreamSubjects(JetStreamSettings jetStream) {
        JetStreamSettings.StreamCreation creation =
                jetStream == null ? null : jetStream.getStreamCreation();
        if (creation == null || !creation.getSubjects().isEmpty()) {
            return jetStream;
        }
        checkArgument(
                subject != null,
                "'streamSubjects': the stream to create takes the sink's subject by default, but"
                        + " the subject is chosen per record: name the stream's subjects.");
        return jetStream.withStreamCreation(creation.withSubjects(subject));
    }

    private NatsMessageSerializer<IN> keyValueSerializer() {
        checkArgument(
                keyValueBucket != null,
                "A Key-Value serializer needs a bucket: set 'keyValueBucket'"
                        + " (setKeyValueBucket).");
        KeyValueEntry.validateBucket(keyValueBucket);
        checkArgument(
                keyValueSerializer != null,
                "'keyValueBucket' needs a Key-Value serializer (setKeyValueSerializer).");
        checkArgument(
                messageSerializer == null
                        && serializationSchema == null
                        && subject == null
                        && subjectSelector == null
                        && replyToSelector == null
                        && headers.isEmpty(),
                "'keyValueBucket' writes keys, not subjects: do not also set a message"
                        + " serializer, serialization schema, subject, subject selector, reply-to"
                        + " selector or headers.");
        // As jnats: through another domain or API prefix, writes go to <prefix>$KV.<bucket>.<key>.
        String keys = KeyValueMessages.subjectPrefix(keyValueBucket);
        return new KeyValueMessages<>(
                jetStream == null || jetStream.usesDefaultApi()
                        ? keys
                        : jetStream.getApiPrefix() + keys,
                keyValueSerializer);
    }

    private NatsMessageSerializer<IN> serializer() {
        if (messageSerializer != null) {
            if (serializationSchema != null
                    || subject != null
                    || subjectSelector != null
                    || replyToSelector != null
                    || !headers.isEmpty()) {
                throw new IllegalArgumentException(
                        "A message serializer builds the whole message: do not also set a"
                                + " serialization schema, subject, subject selector, reply-to"
                                + " selector or headers.");
            }
            return messageSerializer;
        }
        if (serializationSchema == null) {
            throw new IllegalArgumentException(
                    "Set a serialization schema (setSerializationSchema) or a message serializer"
                            + " (setMessageSerializer).");
        }
        if (subject == null && subjectSelector == null) {
            throw new IllegalArgumentException(
                    "Set a subject (setSubject) or a subject selector (setSubjectSelector).");
        }
        if (subject != null && subjectSelector != null) {
            throw new IllegalArgumentException(
                    "Set either a subject or a subject selector, not both.");
        }
        if (subject != null) {
            Subjects.validate(subject, "subject", "setSubject");
        }
        return new SchemaMessageSerializer<>(
                serializationSchema, subject, subjectSelector, replyToSelector, headers);
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    private static long orDefault(Long value, long fallback) {
        return value == null ? fallback : value;
    }
}
