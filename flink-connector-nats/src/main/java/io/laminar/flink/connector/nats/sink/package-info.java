/**
 * The DataStream API of the NATS sink: {@code NatsSink} and its builder, the message, the
 * serializer interfaces, JetStream settings and the exceptions a job can fail with.
 */
package io.laminar.flink.connector.nats.sink;
