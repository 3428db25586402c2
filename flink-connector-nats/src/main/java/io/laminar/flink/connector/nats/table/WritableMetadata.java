package io.laminar.flink.connector.nats.table;

import org.apache.flink.annotation.Internal;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.MapData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metadata columns a {@code nats_sink} table can write, e.g. {@code hdrs MAP<STRING, STRING>
 * METADATA FROM 'headers'}. Each constant carries its key and its type.
 */
@Internal
enum WritableMetadata {
    SUBJECT("subject", DataTypes.STRING().nullable()),
    REPLY_TO("reply_to", DataTypes.STRING().nullable()),
    HEADERS(
            "headers",
            DataTypes.MAP(DataTypes.STRING().nullable(), DataTypes.STRING().nullable()).nullable()),
    MSG_ID("msg_id", DataTypes.STRING().nullable());

    final String key;
    final DataType dataType;

    WritableMetadata(String key, DataType dataType) {
        this.key = key;
        this.dataType = dataType;
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

    /** The headers in a row's {@code headers} column (entries with a NULL left out), or null. */
    static Map<String, String> headers(RowData row, int pos) {
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
