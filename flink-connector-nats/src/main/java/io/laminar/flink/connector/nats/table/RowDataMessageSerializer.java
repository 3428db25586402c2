package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsMessageSerializer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.ProjectedRowData;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a table row into a {@link NatsMessage}: the payload columns through the table's format, and
 * subject, reply-to, message id and headers from the routing columns, metadata columns and static
 * options. Per row, a metadata column wins over the {@code *_field} column, which wins over the
 * static option; per-row headers win over static headers with the same key.
 */
@Internal
final class RowDataMessageSerializer implements NatsMessageSerializer<RowData> {

    private static final long serialVersionUID = 1L;

    private final SerializationSchema<RowData> payloadSchema;
    private final RowRouting routing;

    private transient ProjectedRowData payloadRow;
    private transient String subject;
    private transient Map<String, String> headers;

    RowDataMessageSerializer(SerializationSchema<RowData> payloadSchema, RowRouting routing) {
        this.payloadSchema = payloadSchema;
        this.routing = routing;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context) throws Exception {
        payloadSchema.open(context);
        payloadRow = ProjectedRowData.from(routing.payloadFields);
        // Taken as written: planning refused ${NAME} references here and checked every value.
        subject = routing.staticSubject;
        headers = new LinkedHashMap<>(routing.staticHeaders);
    }

    @Override
    public NatsMessage serialize(RowData row) {
        String target = string(row, routing.subjectMeta);
        if (target == null) {
            target = string(row, routing.subjectField);
        }
        if (target == null) {
            target = subject;
        }
        if (target == null) {
            throw new IllegalArgumentException(
                    "A row has no subject: "
                            + (routing.subjectFieldName != null
                                    ? "its column '"
                                            + routing.subjectFieldName
                                            + "' (subject_field) is NULL"
                                    : "its 'subject' metadata column is NULL")
                            + " and the table sets no 'subject' option to fall back to.");
        }
        byte[] payload = payloadSchema.serialize(payloadRow.replaceRow(row));

        String replyTo = string(row, routing.replyToMeta);
        if (replyTo == null) {
            replyTo = string(row, routing.replyToField);
        }
        String msgId = string(row, routing.msgIdMeta);
        if (msgId == null) {
            msgId = string(row, routing.msgIdField);
        }
        Map<String, String> rowHeaders =
                routing.headersMeta < 0 ? null : WritableMetadata.headers(row, routing.headersMeta);
        if (replyTo == null && msgId == null && headers.isEmpty() && rowHeaders == null) {
            return NatsMessage.of(target, payload);
        }
        NatsMessage.Builder message =
                NatsMessage.builder(target, payload).replyTo(replyTo).messageId(msgId);
        if (rowHeaders == null || rowHeaders.isEmpty()) {
            message.headers(headers);
        } else {
            Map<String, String> merged = new LinkedHashMap<>(headers);
            merged.putAll(rowHeaders);
            message.headers(merged);
        }
        return message.build();
    }

    private static String string(RowData row, int pos) {
        if (pos < 0 || row.isNullAt(pos)) {
            return null;
        }
        return row.getString(pos).toString();
    }
}
