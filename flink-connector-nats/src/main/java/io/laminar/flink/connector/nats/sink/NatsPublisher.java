package io.laminar.flink.connector.nats.sink;

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

    /** Stops background work; pending batches are neither completed nor retried. */
    @Override
    void close();
}
