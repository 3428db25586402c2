package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.sink.KeyValueEntry;
import io.laminar.flink.connector.nats.table.NatsConnectorOptions.KeyValueDeleteMode;

import org.apache.flink.annotation.Internal;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.types.logical.LogicalType;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A table in Key-Value mode ({@code kv.bucket}): the bucket, the primary-key columns whose values
 * form each row's key, the delimiter between them and what a DELETE row does. Made at planning
 * time, where every rule of the mode is checked with an error naming the option or column.
 */
@Internal
final class KeyValueTable implements Serializable {

    private static final long serialVersionUID = 1L;

    final String bucket;
    final int[] keyFields;
    final String[] keyNames;
    final LogicalType[] keyTypes;
    final String delimiter;
    final boolean purge;

    private KeyValueTable(
            String bucket,
            int[] keyFields,
            String[] keyNames,
            LogicalType[] keyTypes,
            String delimiter,
            boolean purge) {
        this.bucket = bucket;
        this.keyFields = keyFields;
        this.keyNames = keyNames;
        this.keyTypes = keyTypes;
        this.delimiter = delimiter;
        this.purge = purge;
    }

    /** The Key-Value table for {@code bucket}, keyed by the schema's primary key. */
    static KeyValueTable of(
            String bucket, String delimiter, KeyValueDeleteMode deleteMode, ResolvedSchema schema) {
        try {
            KeyValueEntry.validateBucket(bucket);
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "Option 'kv.bucket' = '"
                            + bucket
                            + "' is not a valid bucket name: it has only A-Z a-z 0-9 - and _.");
        }
        if (delimiter.isEmpty()) {
            throw new ValidationException("Option 'kv.key.delimiter' must not be empty.");
        }
        try {
            KeyValueEntry.validateKey("a" + delimiter + "a");
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "Option 'kv.key.delimiter' = '"
                            + delimiter
                            + "' cannot be part of a Key-Value key: use characters of A-Z a-z 0-9"
                            + " - _ = / and '.' (the default, which makes keys hierarchical).");
        }
        UniqueConstraint primaryKey =
                schema.getPrimaryKey()
                        .orElseThrow(
                                () ->
                                        new ValidationException(
                                                "Option 'kv.bucket' writes each row to a key of"
                                                        + " the bucket: declare the key columns"
                                                        + " with PRIMARY KEY (...) NOT ENFORCED."));
        List<Column> physical =
                schema.getColumns().stream()
                        .filter(Column::isPhysical)
                        .collect(Collectors.toList());
        List<String> names = primaryKey.getColumns();
        int[] fields = new int[names.size()];
        LogicalType[] types = new LogicalType[names.size()];
        for (int k = 0; k < names.size(); k++) {
            for (int i = 0; i < physical.size(); i++) {
                if (physical.get(i).getName().equals(names.get(k))) {
                    fields[k] = i;
                    types[k] = physical.get(i).getDataType().getLogicalType();
                }
            }
        }
        return new KeyValueTable(
                bucket,
                fields,
                names.toArray(new String[0]),
                types,
                delimiter,
                deleteMode == KeyValueDeleteMode.PURGE);
    }

    /** Whether the physical column at {@code field} is part of the key. */
    boolean isKeyField(int field) {
        return Arrays.stream(keyFields).anyMatch(f -> f == field);
    }

    /** The key columns, for messages: "(user_id, region)". */
    String keyColumns() {
        return "(" + String.join(", ", keyNames) + ")";
    }

    private List<Object> fields() {
        return Arrays.asList(
                bucket,
                Arrays.toString(keyFields),
                Arrays.asList(keyNames),
                Arrays.asList(keyTypes),
                delimiter,
                purge);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValueTable && fields().equals(((KeyValueTable) o).fields());
    }

    @Override
    public int hashCode() {
        return fields().hashCode();
    }

    @Override
    public String toString() {
        return "KeyValueTable{bucket="
                + bucket
                + ", key="
                + keyColumns()
                + ", delimiter='"
                + delimiter
                + "', purge="
                + purge
                + '}';
    }
}
