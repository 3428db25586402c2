package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.serialization.SerializationSchema;

import java.io.Serializable;

/**
 * Turns a record into what it does to a key of the sink's Key-Value bucket: {@link
 * KeyValueEntry#put}, {@link KeyValueEntry#delete} or {@link KeyValueEntry#purge}. Called on the
 * task thread, one record at a time.
 *
 * @param <IN> the record type
 */
@PublicEvolving
@FunctionalInterface
public interface KeyValueSerializer<IN> extends Serializable {

    /** Called once per writer before the first record. */
    default void open(SerializationSchema.InitializationContext context) throws Exception {}

    /** The entry for {@code element}; never null. */
    KeyValueEntry serialize(IN element);
}
