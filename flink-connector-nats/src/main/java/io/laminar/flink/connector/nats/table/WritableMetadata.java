package io.laminar.flink.connector.nats.table;

import org.apache.flink.annotation.Internal;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.MapData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metadata columns a {@code nats_sink} table can write, e.g. {@code hdrs MAP<STRING, STRING>
 * METADATA FROM 'headers'}. Each constant carries its key, its type and how to read it from a row.
 */
@Internal
enum WritableMetadata {
    SUBJECT("subject", DataTypes.STRING().nullable(), WritableMetadata::readString),
    REPLY_TO("reply_to", DataTypes.STRING().nullable(), WritableMetadata::readString),
    HEADERS(
            "headers",
            DataTypes.MAP(DataTypes.STRING().nullable(), DataTypes.STRING().nullable()).nullable(),
            WritableMetadata::readHeaders),
    MSG_ID("msg_id", DataTypes.STRING().nullable(), WritableMetadata::readString);

    /** Reads a metadata value from a row; null when the column is NULL. */
    interface Reader extends Serializable {
        Object read(RowData row, int pos);
    }

    final String key;
    final DataType dataType;
    final Reader reader;

    WritableMetadata(String key, DataType dataType, Reader reader) {
        this.key = key;
        this.dataType = dataType;
        this.reader = reader;
    }

    static WritableMetadata ofKey(String key) {
        for (WritableMetadata m : values()) {
            if (m.key.equals(key)) {
                return m;
            }
        }
        throw new IllegalArgumentException("Unknown metadata key: " + key);
    }

    static Map<String, DataType> asMap() {
        Map<String, DataType> map = new LinkedHashMap<>();
        for (WritableMetadata m : values()) {
            map.put(m.key, m.dataType);
        }
        return map;
    }

    private static Object readString(RowData row, int pos) {
        return row.isNullAt(pos) ? null : row.getString(pos).toString();
    }

    private static Object readHeaders(RowData row, int pos) {
        if (row.isNullAt(pos)) {
            return null;
        }
        MapData map = row.getMap(pos);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i < map.size(); i++) {
            if (map.keyArray().isNullAt(i) || map.valueArray().isNullAt(i)) {
                continue;
            }
            headers.put(
                    map.keyArray().getString(i).toString(),
                    map.valueArray().getString(i).toString());
        }
        return headers;
    }
}
