package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.InvalidHeaderException;
import io.laminar.flink.connector.nats.sink.InvalidSubjectException;
import io.laminar.flink.connector.nats.sink.MessageHeaders;
import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsMessageSerializer;
import io.laminar.flink.connector.nats.sink.NatsSinkException;
import io.laminar.flink.connector.nats.sink.Subjects;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * Turns each record into a {@link NatsMessage} with the user's serializer and checks the result on
 * the task thread, so a bad record fails the job at the record that caused it, or, with a
 * dead-letter subject, goes there with headers that say why.
 */
@Internal
public final class NatsMessageConverter<IN> implements ElementConverter<IN, NatsMessage> {

    private static final long serialVersionUID = 1L;

    private static final String SOURCE = "the sink's serializer";

    private final NatsMessageSerializer<IN> serializer;
    private final long maxRecordSizeInBytes;
    private final String deadLetterSubject;
    private transient DeadLetters deadLetters;

    /**
     * The last subject found valid. A static subject is the same String every time, so checking the
     * reference skips the character scan for it (task thread only).
     */
    private transient String lastValidSubject;

    public NatsMessageConverter(NatsMessageSerializer<IN> serializer, long maxRecordSizeInBytes) {
        this(serializer, maxRecordSizeInBytes, null);
    }

    public NatsMessageConverter(
            NatsMessageSerializer<IN> serializer,
            long maxRecordSizeInBytes,
            String deadLetterSubject) {
        this.serializer = serializer;
        this.maxRecordSizeInBytes = maxRecordSizeInBytes;
        this.deadLetterSubject = deadLetterSubject;
    }

    @Override
    public void open(WriterInitContext context) {
        try {
            serializer.open(context.asSerializationSchemaInitializationContext());
        } catch (Exception e) {
            throw new FlinkRuntimeException("Could not open the NATS message serializer.", e);
        }
        if (deadLetterSubject != null) {
            deadLetters =
                    new DeadLetters(
                            deadLetterSubject,
                            context.metricGroup()
                                    .addGroup(NatsSinkMetrics.GROUP)
                                    .counter("deadLettered", new ThreadSafeSimpleCounter()));
        }
    }

    /** Where records go that cannot be published, or null when they fail the job. */
    DeadLetters deadLetters() {
        return deadLetters;
    }

    @Override
    public NatsMessage apply(IN element, SinkWriter.Context context) {
        NatsMessage message;
        try {
            message = serializer.serialize(element);
        } catch (RuntimeException e) {
            if (deadLetters == null) {
                throw e;
            }
            return deadLetters.ofRecord(element, "serialization failed: " + e);
        }
        if (message == null) {
            throw new IllegalArgumentException(
                    "The NATS message serializer returned null for a record; return a message or"
                            + " filter the record out before the sink.");
        }
        try {
            String subject = message.getSubject();
            if (subject != lastValidSubject) {
                Subjects.validate(subject, "subject", SOURCE);
                lastValidSubject = subject;
            }
            if (message.getReplyTo() != null) {
                Subjects.validate(message.getReplyTo(), "reply-to subject", SOURCE);
                Subjects.validateTogether(message.getSubject(), message.getReplyTo(), SOURCE);
            }
            if (message.hasHeaders()) {
                MessageHeaders.validate(message, SOURCE);
            }
        } catch (InvalidSubjectException | InvalidHeaderException e) {
            if (deadLetters == null) {
                throw e;
            }
            return deadLetters.of(message, e.getMessage());
        }
        long size = message.sizeInBytes();
        if (size > maxRecordSizeInBytes) {
            String reason =
                    "Cannot publish to subject '"
                            + message.getSubject()
                            + "': the record is "
                            + size
                            + " bytes, over the sink's max record size of "
                            + maxRecordSizeInBytes
                            + " bytes (setMaxRecordSizeInBytes).";
            if (deadLetters == null) {
                throw new NatsSinkException(reason);
            }
            return deadLetters.truncated(message, reason, maxRecordSizeInBytes);
        }
        return message;
    }
}
