package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.connection.RoundTrips;

import io.nats.client.Connection;

import org.apache.flink.annotation.Internal;

import java.time.Duration;

/** What every publishing mode is given: the connection, what it hears, and the writer's parts. */
@Internal
final class PublisherContext {

    final Connection connection;

    /** Confirmation round trips on the connection, in turns with the writers sharing it. */
    final RoundTrips roundTrips;

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
            RoundTrips roundTrips,
            ServerErrors serverErrors,
            DeadLetters deadLetters,
            NatsSinkSettings settings,
            Duration retryBackoff,
            NatsSinkMetrics metrics,
            String threadName) {
        this.connection = connection;
        this.roundTrips = roundTrips;
        this.serverErrors = serverErrors;
        this.deadLetters = deadLetters;
        this.settings = settings;
        this.retryBackoff = retryBackoff;
        this.metrics = metrics;
        this.threadName = threadName;
    }
}
