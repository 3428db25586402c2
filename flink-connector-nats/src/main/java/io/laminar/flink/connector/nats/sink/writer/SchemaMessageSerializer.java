package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsMessageSerializer;
import io.laminar.flink.connector.nats.sink.SubjectSelector;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializationSchema;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The serializer the builder makes from a {@link SerializationSchema}, a static subject or a
 * subject selector, static headers and an optional reply-to selector.
 */
@Internal
public final class SchemaMessageSerializer<IN> implements NatsMessageSerializer<IN> {

    private static final long serialVersionUID = 1L;

    private final SerializationSchema<IN> schema;
    private final String subject;
    private final SubjectSelector<IN> subjectSelector;
    private final SubjectSelector<IN> replyToSelector;
    private final Map<String, String> headers;

    public SchemaMessageSerializer(
            SerializationSchema<IN> schema,
            String subject,
            SubjectSelector<IN> subjectSelector,
            SubjectSelector<IN> replyToSelector,
            Map<String, String> headers) {
        this.schema = schema;
        this.subject = subject;
        this.subjectSelector = subjectSelector;
        this.replyToSelector = replyToSelector;
        this.headers =
                headers == null || headers.isEmpty()
                        ? Collections.emptyMap()
                        : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    @Override
    public void open(SerializationSchema.InitializationContext context) throws Exception {
        schema.open(context);
    }

    @Override
    public NatsMessage serialize(IN element) {
        String target = subjectSelector == null ? subject : subjectSelector.select(element);
        byte[] payload = schema.serialize(element);
        if (replyToSelector == null && headers.isEmpty()) {
            return NatsMessage.of(target, payload);
        }
        NatsMessage.Builder builder = NatsMessage.builder(target, payload);
        if (replyToSelector != null) {
            builder.replyTo(replyToSelector.select(element));
        }
        return builder.headers(headers).build();
    }
}
