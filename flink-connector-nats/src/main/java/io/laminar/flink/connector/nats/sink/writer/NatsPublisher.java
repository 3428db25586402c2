package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.NatsMessage;

import io.nats.client.impl.Headers;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.sink.writer.ResultHandler;

import java.util.List;

/**
 * Publishes one batch and reports, through the {@link ResultHandler}, when every entry has reached
 * the server (complete), which entries must be published again (retry), or that the batch can never
 * be delivered (fail). The writer is the same for every publishing mode; each mode is one
 * implementation of this interface.
 */
@Internal
interface NatsPublisher extends AutoCloseable {

    /** Called on the task thread, in the order batches are formed. */
    void publish(List<NatsMessage> batch, ResultHandler<NatsMessage> result);

    /** The user headers of {@code message} as jnats headers, or null when there are none. */
    static Headers jnatsHeaders(NatsMessage message) {
        if (message.getHeaders().isEmpty()) {
            return null;
        }
        Headers jnats = new Headers();
        message.getHeaders().forEach(jnats::add);
        return jnats;
    }

    /** Stops background work; pending batches are neither completed nor retried. */
    @Override
    void close();
}
