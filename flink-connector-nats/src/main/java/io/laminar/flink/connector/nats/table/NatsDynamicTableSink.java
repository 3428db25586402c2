package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.sink.JetStreamSettings;
import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsSink;
import io.laminar.flink.connector.nats.sink.NatsSinkBuilder;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.base.table.sink.AsyncDynamicTableSink;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.Projection;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.connector.sink.abilities.SupportsWritingMetadata;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The {@code nats_sink} table sink: append-only rows to NATS messages. */
@Internal
public class NatsDynamicTableSink extends AsyncDynamicTableSink<NatsMessage>
        implements SupportsWritingMetadata {

    private final EncodingFormat<SerializationSchema<RowData>> format;
    private final DataType physicalDataType;
    private final RowRouting routing;
    private final ConnectionSettings connection;
    private final DeliveryGuarantee deliveryGuarantee;
    private final Duration confirmTimeout;
    private final JetStreamSettings jetStream;
    private final String deadLetterSubject;
    private final int connectionPoolSize;
    private List<String> metadataKeys = Collections.emptyList();

    NatsDynamicTableSink(
            AsyncSinkOptions async,
            EncodingFormat<SerializationSchema<RowData>> format,
            DataType physicalDataType,
            RowRouting routing,
            ConnectionSettings connection,
            DeliveryGuarantee deliveryGuarantee,
            Duration confirmTimeout,
            JetStreamSettings jetStream,
            String deadLetterSubject,
            int connectionPoolSize) {
        super(
                async.maxBatchSize,
                async.maxInFlightRequests,
                async.maxBufferedRequests,
                async.maxBufferSizeInBytes,
                async.maxTimeInBufferMS);
        this.format = format;
        this.physicalDataType = physicalDataType;
        this.routing = routing;
        this.connection = connection;
        this.deliveryGuarantee = deliveryGuarantee;
        this.confirmTimeout = confirmTimeout;
        this.jetStream = jetStream;
        this.deadLetterSubject = deadLetterSubject;
        this.connectionPoolSize = connectionPoolSize;
    }

    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
        // Messages cannot be retracted or updated: the planner rejects updating queries.
        return ChangelogMode.insertOnly();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(DynamicTableSink.Context context) {
        DataType payloadType = Projection.of(routing.payloadFields).project(physicalDataType);
        SerializationSchema<RowData> payloadSchema =
                format.createRuntimeEncoder(context, payloadType);
        int physicalFields = DataType.getFieldCount(physicalDataType);
        RowRouting.Builder rowRouting = routing.toBuilder().clearMetadata();
        for (int i = 0; i < metadataKeys.size(); i++) {
            rowRouting.metadata(WritableMetadata.ofKey(metadataKeys.get(i)), physicalFields + i);
        }
        NatsSinkBuilder<RowData> builder =
                NatsSink.<RowData>builder()
                        .setConnectionSettings(connection)
                        .setMessageSerializer(
                                new RowDataMessageSerializer(payloadSchema, rowRouting.build()))
                        .setDeliveryGuarantee(deliveryGuarantee)
                        .setConfirmTimeout(confirmTimeout)
                        .setJetStream(jetStream)
                        .setDeadLetterSubject(deadLetterSubject)
                        .setConnectionPoolSize(connectionPoolSize);
        addAsyncOptionsToSinkBuilder(builder);
        return SinkV2Provider.of(builder.build());
    }

    @Override
    public Map<String, DataType> listWritableMetadata() {
        return WritableMetadata.asMap();
    }

    @Override
    public void applyWritableMetadata(List<String> keys, DataType consumedDataType) {
        this.metadataKeys = new ArrayList<>(keys);
    }

    @Override
    public DynamicTableSink copy() {
        NatsDynamicTableSink copy =
                new NatsDynamicTableSink(
                        new AsyncSinkOptions(
                                maxBatchSize,
                                maxInFlightRequests,
                                maxBufferedRequests,
                                maxBufferSizeInBytes,
                                maxTimeInBufferMS),
                        format,
                        physicalDataType,
                        routing,
                        connection,
                        deliveryGuarantee,
                        confirmTimeout,
                        jetStream,
                        deadLetterSubject,
                        connectionPoolSize);
        copy.metadataKeys = new ArrayList<>(metadataKeys);
        return copy;
    }

    @Override
    public String asSummaryString() {
        return "NATS";
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof NatsDynamicTableSink) || !super.equals(o)) {
            return false;
        }
        NatsDynamicTableSink that = (NatsDynamicTableSink) o;
        return format.equals(that.format)
                && physicalDataType.equals(that.physicalDataType)
                && connection.equals(that.connection)
                && deliveryGuarantee == that.deliveryGuarantee
                && confirmTimeout.equals(that.confirmTimeout)
                && java.util.Objects.equals(jetStream, that.jetStream)
                && java.util.Objects.equals(deadLetterSubject, that.deadLetterSubject)
                && connectionPoolSize == that.connectionPoolSize
                && metadataKeys.equals(that.metadataKeys);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), physicalDataType, connection, metadataKeys);
    }

    ConnectionSettings connectionSettings() {
        return connection;
    }

    RowRouting routing() {
        return routing;
    }

    DeliveryGuarantee deliveryGuarantee() {
        return deliveryGuarantee;
    }

    JetStreamSettings jetStream() {
        return jetStream;
    }

    /** Flink's async-sink table options ({@code sink.batch.max-size}, ...); null = default. */
    static final class AsyncSinkOptions {
        final Integer maxBatchSize;
        final Integer maxInFlightRequests;
        final Integer maxBufferedRequests;
        final Long maxBufferSizeInBytes;
        final Long maxTimeInBufferMS;

        AsyncSinkOptions(
                Integer maxBatchSize,
                Integer maxInFlightRequests,
                Integer maxBufferedRequests,
                Long maxBufferSizeInBytes,
                Long maxTimeInBufferMS) {
            this.maxBatchSize = maxBatchSize;
            this.maxInFlightRequests = maxInFlightRequests;
            this.maxBufferedRequests = maxBufferedRequests;
            this.maxBufferSizeInBytes = maxBufferSizeInBytes;
            this.maxTimeInBufferMS = maxTimeInBufferMS;
        }
    }
}
