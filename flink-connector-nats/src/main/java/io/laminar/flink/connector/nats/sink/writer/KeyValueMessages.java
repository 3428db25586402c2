package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.KeyValueEntry;
import io.laminar.flink.connector.nats.sink.KeyValueSerializer;
import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsMessageSerializer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializationSchema;

/**
 * Key-Value entries as the JetStream messages a NATS KV bucket stores, so they take the JetStream
 * publishing path: a put is a message on {@code $KV.<bucket>.<key>}, a delete the same subject with
 * header {@code KV-Operation: DEL}, a purge with {@code KV-Operation: PURGE} and {@code
 * Nats-Rollup: sub} (the server then drops the key's history).
 */
@Internal
public final class KeyValueMessages<IN> implements NatsMessageSerializer<IN> {

    private static final long serialVersionUID = 1L;

    private final String subjectPrefix;
    private final KeyValueSerializer<IN> serializer;

    /**
     * @param subjectPrefix what each key's subject starts with: {@link #subjectPrefix} of the
     *     bucket, behind the JetStream API prefix when the bucket is in another domain
     */
    public KeyValueMessages(String subjectPrefix, KeyValueSerializer<IN> serializer) {
        this.subjectPrefix = subjectPrefix;
        this.serializer = serializer;
    }

    /** The subjects of {@code bucket}'s keys start with this. */
    public static String subjectPrefix(String bucket) {
        return "$KV." + bucket + ".";
    }

    /** The JetStream stream behind {@code bucket}. */
    public static String stream(String bucket) {
        return "KV_" + bucket;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context) throws Exception {
        serializer.open(context);
    }

    @Override
    public NatsMessage serialize(IN element) {
        KeyValueEntry entry = serializer.serialize(element);
        if (entry == null) {
            throw new IllegalArgumentException(
                    "The Key-Value serializer returned null for a record; return an entry or"
                            + " filter the record out before the sink.");
        }
        String subject = subjectPrefix + entry.getKey();
        switch (entry.getOperation()) {
            case PUT:
                return NatsMessage.of(subject, entry.getValue());
            case DELETE:
                return NatsMessage.builder(subject, entry.getValue())
                        .header("KV-Operation", "DEL")
                        .build();
            default:
                return NatsMessage.builder(subject, entry.getValue())
                        .header("KV-Operation", "PURGE")
                        .header("Nats-Rollup", "sub")
                        .build();
        }
    }
}
