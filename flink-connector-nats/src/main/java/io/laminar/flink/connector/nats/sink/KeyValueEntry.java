package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a record does to a key of a NATS Key-Value bucket: {@link #put} a value, {@link #delete} the
 * key (a delete marker; the history stays up to the bucket's limit) or {@link #purge} it (a purge
 * marker that removes the key's history). Made by a {@link KeyValueSerializer}.
 *
 * <p>A key is one or more tokens separated by {@code .}, of the characters {@code A-Z a-z 0-9 - _ =
 * /}; it does not start or end with {@code .}. The factories refuse any other key with an {@link
 * InvalidKeyException} that quotes it.
 */
@PublicEvolving
public final class KeyValueEntry {

    /** What the entry does to its key. */
    public enum Operation {
        PUT,
        DELETE,
        PURGE
    }

    private final Operation operation;
    private final String key;
    private final byte[] value;

    private KeyValueEntry(Operation operation, String key, byte[] value) {
        validateKey(key);
        this.operation = operation;
        this.key = key;
        this.value = value;
    }

    /** Sets {@code key} to {@code value} (not null; may be empty). */
    public static KeyValueEntry put(String key, byte[] value) {
        return new KeyValueEntry(Operation.PUT, key, Objects.requireNonNull(value, "value"));
    }

    /** Deletes {@code key}: readers no longer find it; its history stays. */
    public static KeyValueEntry delete(String key) {
        return new KeyValueEntry(Operation.DELETE, key, new byte[0]);
    }

    /** Deletes {@code key} and its history. */
    public static KeyValueEntry purge(String key) {
        return new KeyValueEntry(Operation.PURGE, key, new byte[0]);
    }

    public Operation getOperation() {
        return operation;
    }

    public String getKey() {
        return key;
    }

    /** The value of a put; empty for a delete or purge. */
    public byte[] getValue() {
        return value;
    }

    /**
     * Checks {@code key} against the rules of NATS Key-Value keys.
     *
     * @throws InvalidKeyException naming the key and the rule it breaks
     */
    public static void validateKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new InvalidKeyException("A Key-Value key must not be empty or null.");
        }
        if (key.charAt(0) == '.' || key.charAt(key.length() - 1) == '.' || key.contains("..")) {
            throw new InvalidKeyException(
                    "Invalid Key-Value key '"
                            + Subjects.printable(key)
                            + "': its tokens, separated by '.', must not be empty.");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean valid =
                    (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || c == '-'
                            || c == '_'
                            || c == '='
                            || c == '/'
                            || c == '.';
            if (!valid) {
                throw new InvalidKeyException(
                        String.format(
                                "Invalid Key-Value key '%s': character '%s' at index %d; a key"
                                        + " has only A-Z a-z 0-9 - _ = / and '.' between tokens.",
                                Subjects.printable(key), Subjects.printable(String.valueOf(c)), i));
            }
        }
    }

    /**
     * Checks {@code bucket} against the rules of NATS Key-Value bucket names.
     *
     * @throws IllegalArgumentException naming the bucket
     */
    public static void validateBucket(String bucket) {
        boolean valid = bucket != null && !bucket.isEmpty();
        for (int i = 0; valid && i < bucket.length(); i++) {
            char c = bucket.charAt(i);
            valid =
                    (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || c == '-'
                            || c == '_';
        }
        if (!valid) {
            throw new IllegalArgumentException(
                    "'keyValueBucket': a Key-Value bucket name has only A-Z a-z 0-9 - and _, was '"
                            + bucket
                            + "'");
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof KeyValueEntry)) {
            return false;
        }
        KeyValueEntry that = (KeyValueEntry) o;
        return operation == that.operation
                && key.equals(that.key)
                && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(operation, key) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "KeyValueEntry{" + operation + " '" + key + "', " + value.length + " bytes}";
    }
}
