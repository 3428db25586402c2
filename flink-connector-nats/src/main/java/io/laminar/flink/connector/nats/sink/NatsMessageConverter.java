package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * Turns each record into a {@link NatsMessage} with the user's serializer and checks the result on
 * the task thread, so a bad record fails the job at the record that caused it.
 */
@Internal
final class NatsMessageConverter<IN> implements ElementConverter<IN, NatsMessage> {

    private static final long serialVersionUID = 1L;

    private final NatsMessageSerializer<IN> serializer;
    private final long maxRecordSizeInBytes;

    NatsMessageConverter(NatsMessageSerializer<IN> serializer, long maxRecordSizeInBytes) {
        this.serializer = serializer;
        this.maxRecordSizeInBytes = maxRecordSizeInBytes;
    }

    @Override
    public void open(WriterInitContext context) {
        try {
            serializer.open(context.asSerializationSchemaInitializationContext());
        } catch (Exception e) {
            throw new FlinkRuntimeException("Could not open the NATS message serializer.", e);
        }
    }

    @Override
    public NatsMessage apply(IN element, SinkWriter.Context context) {
        NatsMessage message = serializer.serialize(element);
        if (message == null) {
            throw new IllegalArgumentException(
                    "The NATS message serializer returned null for a record; return a message or"
                            + " filter the record out before the sink.");
        }
        Subjects.validate(message.getSubject(), "subject", "the sink's serializer");
        if (message.getReplyTo() != null) {
            Subjects.validate(message.getReplyTo(), "reply-to subject", "the sink's serializer");
        }
        long size = message.sizeInBytes();
        if (size > maxRecordSizeInBytes) {
            throw new NatsSinkException(
                    "Cannot publish to subject '"
                            + message.getSubject()
                            + "': the record is "
                            + size
                            + " bytes, over the sink's max record size of "
                            + maxRecordSizeInBytes
                            + " bytes (setMaxRecordSizeInBytes).");
        }
        return message;
    }
}
