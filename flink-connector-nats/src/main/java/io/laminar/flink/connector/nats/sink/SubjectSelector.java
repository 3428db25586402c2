package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/**
 * Picks a subject for a record: the subject to publish to, or the reply-to subject.
 *
 * <pre>{@code
 * SubjectSelector<Order> bySubject = order -> "orders." + order.region();
 * }</pre>
 *
 * @param <IN> the record type
 */
@PublicEvolving
@FunctionalInterface
public interface SubjectSelector<IN> extends Serializable {

    /** The subject for {@code element}. */
    String select(IN element);
}
