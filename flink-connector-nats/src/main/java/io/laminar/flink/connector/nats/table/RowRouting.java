package io.laminar.flink.connector.nats.table;

import org.apache.flink.annotation.Internal;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each part of a message comes from in a row consumed by the sink (physical columns first,
 * then the metadata columns): positions of the routing columns, the payload columns, and the static
 * subject and headers. Immutable; -1 means "not used".
 */
@Internal
final class RowRouting implements Serializable {

    private static final long serialVersionUID = 1L;

    final String staticSubject;
    final Map<String, String> staticHeaders;
    final int subjectField;
    final String subjectFieldName;
    final int replyToField;
    final int msgIdField;
    final int subjectMeta;
    final int replyToMeta;
    final int headersMeta;
    final int msgIdMeta;
    final int[] payloadFields;

    private RowRouting(Builder b) {
        this.staticSubject = b.staticSubject;
        this.staticHeaders = Collections.unmodifiableMap(new LinkedHashMap<>(b.staticHeaders));
        this.subjectField = b.subjectField;
        this.subjectFieldName = b.subjectFieldName;
        this.replyToField = b.replyToField;
        this.msgIdField = b.msgIdField;
        this.subjectMeta = b.subjectMeta;
        this.replyToMeta = b.replyToMeta;
        this.headersMeta = b.headersMeta;
        this.msgIdMeta = b.msgIdMeta;
        this.payloadFields = b.payloadFields.clone();
    }

    static Builder builder() {
        return new Builder();
    }

    boolean hasMessageId() {
        return msgIdField >= 0 || msgIdMeta >= 0;
    }

    private List<Object> fields() {
        return Arrays.asList(
                staticSubject,
                staticHeaders,
                subjectField,
                subjectFieldName,
                replyToField,
                msgIdField,
                subjectMeta,
                replyToMeta,
                headersMeta,
                msgIdMeta,
                Arrays.toString(payloadFields));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowRouting && fields().equals(((RowRouting) o).fields());
    }

    @Override
    public int hashCode() {
        return fields().hashCode();
    }

    Builder toBuilder() {
        Builder b = new Builder();
        b.staticSubject = staticSubject;
        b.staticHeaders.putAll(staticHeaders);
        b.subjectField = subjectField;
        b.subjectFieldName = subjectFieldName;
        b.replyToField = replyToField;
        b.msgIdField = msgIdField;
        b.subjectMeta = subjectMeta;
        b.replyToMeta = replyToMeta;
        b.headersMeta = headersMeta;
        b.msgIdMeta = msgIdMeta;
        b.payloadFields = payloadFields;
        return b;
    }

    /** Builds {@link RowRouting}. */
    static final class Builder {
        private String staticSubject;
        private final Map<String, String> staticHeaders = new LinkedHashMap<>();
        private int subjectField = -1;
        private String subjectFieldName;
        private int replyToField = -1;
        private int msgIdField = -1;
        private int subjectMeta = -1;
        private int replyToMeta = -1;
        private int headersMeta = -1;
        private int msgIdMeta = -1;
        private int[] payloadFields = new int[0];

        Builder staticSubject(String subject) {
            this.staticSubject = subject;
            return this;
        }

        Builder staticHeaders(Map<String, String> headers) {
            staticHeaders.clear();
            staticHeaders.putAll(headers);
            return this;
        }

        Builder subjectField(int pos, String name) {
            this.subjectField = pos;
            this.subjectFieldName = name;
            return this;
        }

        Builder replyToField(int pos) {
            this.replyToField = pos;
            return this;
        }

        Builder msgIdField(int pos) {
            this.msgIdField = pos;
            return this;
        }

        Builder metadata(WritableMetadata metadata, int pos) {
            switch (metadata) {
                case SUBJECT:
                    subjectMeta = pos;
                    break;
                case REPLY_TO:
                    replyToMeta = pos;
                    break;
                case HEADERS:
                    headersMeta = pos;
                    break;
                case MSG_ID:
                    msgIdMeta = pos;
                    break;
                default:
                    throw new IllegalArgumentException(metadata.key);
            }
            return this;
        }

        Builder clearMetadata() {
            subjectMeta = replyToMeta = headersMeta = msgIdMeta = -1;
            return this;
        }

        Builder payloadFields(int[] fields) {
            this.payloadFields = fields.clone();
            return this;
        }

        RowRouting build() {
            return new RowRouting(this);
        }
    }
}
