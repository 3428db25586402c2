/** The DataStream sink that publishes to NATS. */
package io.laminar.flink.connector.nats.sink;
