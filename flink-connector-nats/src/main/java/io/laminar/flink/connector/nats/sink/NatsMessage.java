package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One message to publish: subject, optional reply-to subject, headers, payload and an optional
 * message id (sent as the {@code Nats-Msg-Id} header, which JetStream uses to drop duplicates).
 *
 * <p>It is also the request entry that the sink buffers and checkpoints. The payload array is not
 * copied: do not change it after handing the message to the sink.
 *
 * <pre>{@code
 * NatsMessage msg =
 *         NatsMessage.builder("orders.created", payload)
 *                 .header("content-type", "application/json")
 *                 .messageId(orderId)
 *                 .build();
 * }</pre>
 */
@PublicEvolving
public final class NatsMessage implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The header JetStream reads for de-duplication. */
    public static final String MSG_ID_HEADER = "Nats-Msg-Id";

    private final String subject;
    private final String replyTo;
    private final Map<String, List<String>> headers;
    private final byte[] payload;
    private final String messageId;

    private NatsMessage(
            String subject,
            String replyTo,
            Map<String, List<String>> headers,
            byte[] payload,
            String messageId) {
        this.subject = subject;
        this.replyTo = replyTo;
        this.headers = headers;
        this.payload = payload;
        this.messageId = messageId;
    }

    /** Starts a message for {@code subject} with {@code payload} (null means empty). */
    public static Builder builder(String subject, byte[] payload) {
        return new Builder(subject, payload);
    }

    /** A message with only a subject and a payload. */
    public static NatsMessage of(String subject, byte[] payload) {
        return new NatsMessage(subject, null, Collections.emptyMap(), nonNull(payload), null);
    }

    public String getSubject() {
        return subject;
    }

    /** The reply-to subject, or null. */
    public String getReplyTo() {
        return replyTo;
    }

    /** Headers in insertion order; empty when there are none. Never null. */
    public Map<String, List<String>> getHeaders() {
        return headers;
    }

    public boolean hasHeaders() {
        return !headers.isEmpty() || messageId != null;
    }

    /** The payload bytes (not a copy). */
    public byte[] getPayload() {
        return payload;
    }

    /** The message id for JetStream de-duplication, or null. */
    public String getMessageId() {
        return messageId;
    }

    /**
     * Roughly the bytes this message puts on the wire; used for batching and the {@code
     * numBytesOut} metric.
     */
    public long sizeInBytes() {
        long size = payload.length + subject.length();
        if (replyTo != null) {
            size += replyTo.length();
        }
        if (!headers.isEmpty()) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                for (String v : e.getValue()) {
                    size += e.getKey().length() + v.length() + 4;
                }
            }
        }
        if (messageId != null) {
            size += MSG_ID_HEADER.length() + messageId.length() + 4;
        }
        return size;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof NatsMessage)) {
            return false;
        }
        NatsMessage that = (NatsMessage) o;
        return subject.equals(that.subject)
                && Objects.equals(replyTo, that.replyTo)
                && headers.equals(that.headers)
                && java.util.Arrays.equals(payload, that.payload)
                && Objects.equals(messageId, that.messageId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(subject, replyTo, headers, messageId) * 31
                + java.util.Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "NatsMessage{subject='"
                + subject
                + "', replyTo="
                + replyTo
                + ", headers="
                + headers.keySet()
                + ", payloadBytes="
                + payload.length
                + ", messageId="
                + messageId
                + '}';
    }

    private static byte[] nonNull(byte[] payload) {
        return payload == null ? new byte[0] : payload;
    }

    /** Builds a {@link NatsMessage}. */
    @PublicEvolving
    public static final class Builder {
        private final String subject;
        private final byte[] payload;
        private String replyTo;
        private Map<String, List<String>> headers;
        private String messageId;

        private Builder(String subject, byte[] payload) {
            this.subject = subject;
            this.payload = nonNull(payload);
        }

        /** The subject a receiver should reply to. */
        public Builder replyTo(String replyTo) {
            this.replyTo = replyTo == null || replyTo.isEmpty() ? null : replyTo;
            return this;
        }

        /** Adds a header value; a key may have several values. */
        public Builder header(String key, String value) {
            if (headers == null) {
                headers = new LinkedHashMap<>();
            }
            headers.computeIfAbsent(key, k -> new ArrayList<>(1)).add(value);
            return this;
        }

        /** Adds every header of {@code map}. */
        public Builder headers(Map<String, String> map) {
            if (map != null) {
                map.forEach(this::header);
            }
            return this;
        }

        /** The message id sent as {@code Nats-Msg-Id}. */
        public Builder messageId(String messageId) {
            this.messageId = messageId == null || messageId.isEmpty() ? null : messageId;
            return this;
        }

        public NatsMessage build() {
            if (headers == null || headers.isEmpty()) {
                return new NatsMessage(
                        subject, replyTo, Collections.emptyMap(), payload, messageId);
            }
            Map<String, List<String>> frozen = new LinkedHashMap<>();
            headers.forEach((k, v) -> frozen.put(k, Collections.unmodifiableList(v)));
            return new NatsMessage(
                    subject, replyTo, Collections.unmodifiableMap(frozen), payload, messageId);
        }
    }
}
