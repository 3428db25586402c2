package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.MessageHeaders;
import io.laminar.flink.connector.nats.sink.NatsMessage;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Builds the message a record becomes when it cannot be published where it should go and a
 * dead-letter subject is configured: the same payload (or as much as the server accepts), the
 * original headers and message id (those NATS can carry), plus headers that say why and where it
 * was meant to go.
 */
@Internal
public final class DeadLetters {

    /** Why the record was dead-lettered. */
    public static final String ERROR_HEADER = "Nats-Sink-Error";

    /** The subject the record was meant for, when it had one. */
    public static final String ORIGINAL_SUBJECT_HEADER = "Nats-Sink-Original-Subject";

    /** The payload's original size, when it had to be cut to fit the server's limit. */
    public static final String TRUNCATED_FROM_HEADER = "Nats-Sink-Truncated-From";

    /** Room left for the control line (PUB/HPUB, subject, sizes) when a payload is cut. */
    private static final int HEADROOM = 256;

    /** The longest header value the sink writes. */
    private static final int MAX_HEADER_CHARS = 1024;

    private final String subject;
    private final Counter counter;

    DeadLetters(String subject, Counter counter) {
        this.subject = subject;
        this.counter = counter;
    }

    String subject() {
        return subject;
    }

    /** {@code original} redirected to the dead-letter subject. */
    NatsMessage of(NatsMessage original, String reason) {
        return build(original, original.getPayload(), reason, -1, true);
    }

    /** A record that could not even be serialized: its text form is the payload. */
    NatsMessage ofRecord(Object record, String reason) {
        counter.inc();
        return NatsMessage.builder(subject, String.valueOf(record).getBytes(StandardCharsets.UTF_8))
                .header(ERROR_HEADER, headerText(reason))
                .build();
    }

    /** {@code original}, its payload cut to fit {@code maxBytes}, redirected. */
    NatsMessage truncated(NatsMessage original, String reason, long maxBytes) {
        byte[] payload = original.getPayload();
        long headers = build(original, new byte[0], reason, payload.length, false).sizeInBytes();
        int keep = (int) Math.max(0, Math.min(payload.length, maxBytes - headers - HEADROOM));
        return build(original, Arrays.copyOf(payload, keep), reason, payload.length, true);
    }

    private NatsMessage build(
            NatsMessage original, byte[] payload, String reason, long cutFrom, boolean count) {
        if (count) {
            counter.inc();
        }
        NatsMessage.Builder builder = NatsMessage.builder(subject, payload);
        // A header NATS cannot carry (the reason the record is here, perhaps) is left out; the
        // error header names it.
        if (MessageHeaders.valueProblem(original.getMessageId()) == null) {
            builder.messageId(original.getMessageId());
        }
        for (Map.Entry<String, List<String>> header : original.getHeaders().entrySet()) {
            if (MessageHeaders.nameProblem(header.getKey()) != null) {
                continue;
            }
            for (String value : header.getValue()) {
                if (MessageHeaders.valueProblem(value) == null) {
                    builder.header(header.getKey(), value);
                }
            }
        }
        builder.header(ERROR_HEADER, headerText(reason));
        if (original.getSubject() != null) {
            builder.header(ORIGINAL_SUBJECT_HEADER, headerText(original.getSubject()));
        }
        if (cutFrom >= 0) {
            builder.header(TRUNCATED_FROM_HEADER, Long.toString(cutFrom));
        }
        return builder.build();
    }

    /**
     * {@code text} as a header value, at most {@value #MAX_HEADER_CHARS} characters: header values
     * are US-ASCII without line breaks, so control and non-ASCII characters are written as a
     * backslash, 'u' and four hex digits, as in a Java or JSON string.
     */
    static String headerText(String text) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX_HEADER_CHARS));
        for (int i = 0; i < text.length() && sb.length() < MAX_HEADER_CHARS; i++) {
            char c = text.charAt(i);
            if (c < ' ' || c >= 127) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
