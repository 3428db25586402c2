package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.serialization.SerializationSchema;

import java.io.Serializable;

/**
 * Turns a record into the whole {@link NatsMessage}: subject, reply-to, headers, payload and
 * message id. Use it when the simple builder settings (a {@link SerializationSchema} with a
 * subject) are not enough.
 *
 * <pre>{@code
 * NatsMessageSerializer<Order> serializer =
 *         order -> NatsMessage.builder("orders." + order.region(), order.toJson())
 *                 .messageId(order.id())
 *                 .build();
 * }</pre>
 *
 * @param <IN> the record type
 */
@PublicEvolving
@FunctionalInterface
public interface NatsMessageSerializer<IN> extends Serializable {

    /** Called once per writer before the first record. */
    default void open(SerializationSchema.InitializationContext context) throws Exception {}

    /** The message for {@code element}; never null. */
    NatsMessage serialize(IN element);
}
