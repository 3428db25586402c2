package io.laminar.flink.connector.nats.sink.writer;

import io.nats.client.Connection;

import org.apache.flink.annotation.Internal;

import java.time.Duration;

/** What every publishing mode is given: the connection, what it hears, and the writer's parts. */
@Internal
final class PublisherContext {

    final Connection connection;

    /** Held for a round trip, so another writer's round trip on a shared connection can't count. */
    final Object roundTripLock;

    final ServerErrors serverErrors;

    /** Where records go that can never be published, or null when they fail the job. */
    final DeadLetters deadLetters;

    final NatsSinkSettings settings;

    /** The shortest wait before a failed round trip or a retryable batch is tried again. */
    final Duration retryBackoff;

    final NatsSinkMetrics metrics;

    /** The name of the mode's background thread. */
    final String threadName;

    PublisherContext(
            Connection connection,
            Object roundTripLock,
            ServerErrors serverErrors,
            DeadLetters deadLetters,
            NatsSinkSettings settings,
            Duration retryBackoff,
            NatsSinkMetrics metrics,
            String threadName) {
        this.connection = connection;
        this.roundTripLock = roundTripLock;
        this.serverErrors = serverErrors;
        this.deadLetters = deadLetters;
        this.settings = settings;
        this.retryBackoff = retryBackoff;
        this.metrics = metrics;
        this.threadName = threadName;
    }
}
