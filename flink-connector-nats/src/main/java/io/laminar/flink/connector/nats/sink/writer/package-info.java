/**
 * The sink writer's machinery, internal (every class is {@code @Internal}): record conversion and
 * checks, the publishing modes behind {@code NatsPublisher}, error classification, dead letters,
 * buffer counts, metrics and checkpoint state.
 */
package io.laminar.flink.connector.nats.sink.writer;
