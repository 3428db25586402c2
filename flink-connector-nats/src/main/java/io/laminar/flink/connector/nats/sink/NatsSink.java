package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.sink.writer.NatsMessageStateSerializer;
import io.laminar.flink.connector.nats.sink.writer.NatsSinkSettings;
import io.laminar.flink.connector.nats.sink.writer.NatsSinkWriter;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.AsyncSinkBase;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreWriteTopology;
import org.apache.flink.streaming.api.datastream.DataStream;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;

/**
 * A Flink sink that publishes records to NATS subjects.
 *
 * <p>With the default {@code at-least-once} delivery guarantee, a checkpoint completes only after
 * the server has confirmed every record published before it (a PING/PONG round trip on the same
 * connection); records whose confirmation spans a reconnect are published again, so duplicates are
 * possible and losses are not. At every checkpoint the writer publishes and confirms its whole
 * buffer, so a completed checkpoint holds no record that has not reached the server.
 *
 * <pre>{@code
 * NatsSink<String> sink =
 *         NatsSink.<String>builder()
 *                 .setConnectionSettings(
 *                         ConnectionSettings.builder().servers("nats://localhost:4222").build())
 *                 .setSerializationSchema(new SimpleStringSchema())
 *                 .setSubject("orders.processed")
 *                 .build();
 * stream.sinkTo(sink);
 * }</pre>
 *
 * @param <IN> the record type
 */
@PublicEvolving
public class NatsSink<IN> extends AsyncSinkBase<IN, NatsMessage>
        implements SupportsPreWriteTopology<IN> {

    private static final long serialVersionUID = 1L;

    /** Completed with the job's checkpoint interval when the job graph is made. */
    private NatsSinkSettings settings;

    NatsSink(
            ElementConverter<IN, NatsMessage> converter,
            NatsSinkSettings settings,
            int maxBatchSize,
            int maxInFlightRequests,
            int maxBufferedRequests,
            long maxBatchSizeInBytes,
            long maxTimeInBufferMS,
            long maxRecordSizeInBytes) {
        super(
                converter,
                maxBatchSize,
                maxInFlightRequests,
                maxBufferedRequests,
                maxBatchSizeInBytes,
                maxTimeInBufferMS,
                maxRecordSizeInBytes);
        this.settings = settings;
    }

    /** Starts a builder for a sink of {@code IN} records. */
    public static <IN> NatsSinkBuilder<IN> builder() {
        return new NatsSinkBuilder<>();
    }

    /**
     * Adds nothing to the job; it is where a sink learns the job's checkpoint interval, whether set
     * on the environment or with SQL's {@code SET}: exactly-once warns at start-up when a stream's
     * duplicate window is shorter.
     */
    @Internal
    @Override
    public DataStream<IN> addPreWriteTopology(DataStream<IN> input) {
        long interval =
                input.getExecutionEnvironment().getCheckpointConfig().getCheckpointInterval();
        if (interval > 0) {
            settings = settings.withCheckpointInterval(Duration.ofMillis(interval));
        }
        return input;
    }

    @Override
    public StatefulSinkWriter<IN, BufferedRequestState<NatsMessage>> createWriter(
            WriterInitContext context) {
        return restoreWriter(context, Collections.emptyList());
    }

    @Override
    public StatefulSinkWriter<IN, BufferedRequestState<NatsMessage>> restoreWriter(
            WriterInitContext context, Collection<BufferedRequestState<NatsMessage>> recovered) {
        AsyncSinkWriterConfiguration configuration =
                AsyncSinkWriterConfiguration.builder()
                        .setMaxBatchSize(getMaxBatchSize())
                        .setMaxBatchSizeInBytes(getMaxBatchSizeInBytes())
                        .setMaxInFlightRequests(getMaxInFlightRequests())
                        .setMaxBufferedRequests(getMaxBufferedRequests())
                        .setMaxTimeInBufferMS(getMaxTimeInBufferMS())
                        .setMaxRecordSizeInBytes(getMaxRecordSizeInBytes())
                        .setRequestTimeoutMS(getRequestTimeoutMS())
                        .setFailOnTimeout(getFailOnTimeout())
                        .build();
        return new NatsSinkWriter<>(
                getElementConverter(), context, configuration, recovered, settings);
    }

    @Override
    public SimpleVersionedSerializer<BufferedRequestState<NatsMessage>> getWriterStateSerializer() {
        return new NatsMessageStateSerializer();
    }

    @Override
    public String toString() {
        return "NatsSink{" + settings + '}';
    }
}
