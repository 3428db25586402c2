/** Flink SQL / Table API: the {@code nats_sink} table connector. */
package io.laminar.flink.connector.nats.table;
