/**
 * Connections to NATS: settings (servers, credentials, TLS, timeouts), TLS material, {@code
 * ${NAME}} references, connecting, sharing a connection in a TaskManager, and explaining failures.
 * Knows nothing of Flink records, SQL options or the sink's builder.
 */
package io.laminar.flink.connector.nats.connection;
