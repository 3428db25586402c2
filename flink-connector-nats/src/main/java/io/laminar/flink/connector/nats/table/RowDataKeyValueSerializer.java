package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.sink.InvalidKeyException;
import io.laminar.flink.connector.nats.sink.KeyValueEntry;
import io.laminar.flink.connector.nats.sink.KeyValueSerializer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.ProjectedRowData;

/**
 * Turns a row of an upsert changelog into a Key-Value entry: the key from the primary-key columns
 * joined by the delimiter; INSERT and UPDATE_AFTER put the payload columns through the table's
 * format; DELETE deletes (or purges) the key; UPDATE_BEFORE deletes it (a delete marker).
 */
@Internal
final class RowDataKeyValueSerializer implements KeyValueSerializer<RowData> {

    private static final long serialVersionUID = 1L;

    private final SerializationSchema<RowData> payloadSchema;
    private final KeyValueTable table;
    private final int[] payloadFields;

    private transient RowData.FieldGetter[] keyGetters;
    private transient ProjectedRowData payloadRow;
    private transient StringBuilder key;

    RowDataKeyValueSerializer(
            SerializationSchema<RowData> payloadSchema, KeyValueTable table, int[] payloadFields) {
        this.payloadSchema = payloadSchema;
        this.table = table;
        this.payloadFields = payloadFields;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context) throws Exception {
        payloadSchema.open(context);
        payloadRow = ProjectedRowData.from(payloadFields);
        keyGetters = new RowData.FieldGetter[table.keyFields.length];
        for (int k = 0; k < keyGetters.length; k++) {
            keyGetters[k] = RowData.createFieldGetter(table.keyTypes[k], table.keyFields[k]);
        }
        key = new StringBuilder();
    }

    @Override
    public KeyValueEntry serialize(RowData row) {
        String k = key(row);
        try {
            switch (row.getRowKind()) {
                case INSERT:
                case UPDATE_AFTER:
                    return KeyValueEntry.put(
                            k, payloadSchema.serialize(payloadRow.replaceRow(row)));
                case DELETE:
                    return table.purge ? KeyValueEntry.purge(k) : KeyValueEntry.delete(k);
                default:
                    // The planner sends UPDATE_BEFORE rows when the query's unique key is not the
                    // table's primary key: the old row is gone, as in upsert-kafka, and the
                    // UPDATE_AFTER that follows puts the key back (a delete marker, never a purge).
                    return KeyValueEntry.delete(k);
            }
        } catch (InvalidKeyException e) {
            throw new InvalidKeyException(
                    "The primary key "
                            + table.keyColumns()
                            + " of a row gives no valid key for bucket '"
                            + table.bucket
                            + "': "
                            + e.getMessage());
        }
    }

    private String key(RowData row) {
        key.setLength(0);
        for (int k = 0; k < keyGetters.length; k++) {
            Object value = keyGetters[k].getFieldOrNull(row);
            if (value == null) {
                throw new InvalidKeyException(
                        "The primary key "
                                + table.keyColumns()
                                + " of a row gives no valid key for bucket '"
                                + table.bucket
                                + "': column '"
                                + table.keyNames[k]
                                + "' is NULL.");
            }
            if (k > 0) {
                key.append(table.delimiter);
            }
            key.append(value);
        }
        return key.toString();
    }
}
