/** Connection settings and how they become a jnats connection. Knows nothing of Flink records. */
package io.laminar.flink.connector.nats.connection;
