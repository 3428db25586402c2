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
import org.apache.flink.connector.base.table.sink.AsyncDynamicTableSinkBuilder;
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
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

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
    private final boolean orderPerSubject;
    private final KeyValueTable keyValue;
    private List<String> metadataKeys = Collections.emptyList();

    /** The async-sink options come apart: Flink's builder keeps their getters protected. */
    private NatsDynamicTableSink(
            Builder b,
            Integer maxBatchSize,
            Integer maxInFlightRequests,
            Integer maxBufferedRequests,
            Long maxBufferSizeInBytes,
            Long maxTimeInBufferMS) {
        super(
                maxBatchSize,
                maxInFlightRequests,
                maxBufferedRequests,
                maxBufferSizeInBytes,
                maxTimeInBufferMS);
        this.format = b.format;
        this.physicalDataType = b.physicalDataType;
        this.routing = b.routing;
        this.connection = b.connection;
        this.deliveryGuarantee = b.deliveryGuarantee;
        this.confirmTimeout = b.confirmTimeout;
        this.jetStream = b.jetStream;
        this.deadLetterSubject = b.deadLetterSubject;
        this.connectionPoolSize = b.connectionPoolSize;
        this.orderPerSubject = b.orderPerSubject;
        this.keyValue = b.keyValue;
    }

    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
        // Messages cannot be retracted or updated: the planner rejects updating queries. A
        // Key-Value table takes an upsert changelog: the last write per key is the row's state.
        return keyValue == null ? ChangelogMode.insertOnly() : ChangelogMode.upsert();
    }

    /**
     * The DataStream sink writing rows with {@code payloadSchema}. The factory builds one at
     * planning time (with no schema: the serializer is never called) so that the builder checks its
     * rules once, for both APIs.
     */
    NatsSink<RowData> createSink(SerializationSchema<RowData> payloadSchema) {
        NatsSinkBuilder<RowData> builder =
                NatsSink.<RowData>builder()
                        .setConnectionSettings(connection)
                        .setDeliveryGuarantee(deliveryGuarantee)
                        .setConfirmTimeout(confirmTimeout)
                        .setJetStream(jetStream)
                        .setDeadLetterSubject(deadLetterSubject)
                        .setConnectionPoolSize(connectionPoolSize)
                        .setOrderPerSubject(orderPerSubject)
                        .setSettingNames(NatsConnectorOptions.SETTING_NAMES);
        if (keyValue == null) {
            int physicalFields = DataType.getFieldCount(physicalDataType);
            RowRouting.Builder rowRouting = routing.toBuilder().clearMetadata();
            for (int i = 0; i < metadataKeys.size(); i++) {
                rowRouting.metadata(
                        WritableMetadata.ofKey(metadataKeys.get(i)), physicalFields + i);
            }
            builder.setMessageSerializer(
                    new RowDataMessageSerializer(payloadSchema, rowRouting.build()));
        } else {
            builder.setKeyValueBucket(keyValue.bucket)
                    .setKeyValueSerializer(
                            new RowDataKeyValueSerializer(
                                    payloadSchema, keyValue, routing.payloadFields));
        }
        addAsyncOptionsToSinkBuilder(builder);
        return builder.build();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(DynamicTableSink.Context context) {
        DataType payloadType = Projection.of(routing.payloadFields).project(physicalDataType);
        return SinkV2Provider.of(createSink(format.createRuntimeEncoder(context, payloadType)));
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
                        new Builder()
                                .format(format, physicalDataType)
                                .routing(routing)
                                .connection(connection)
                                .deliveryGuarantee(deliveryGuarantee)
                                .confirmTimeout(confirmTimeout)
                                .jetStream(jetStream)
                                .deadLetterSubject(deadLetterSubject)
                                .connectionPoolSize(connectionPoolSize)
                                .orderPerSubject(orderPerSubject)
                                .keyValue(keyValue),
                        maxBatchSize,
                        maxInFlightRequests,
                        maxBufferedRequests,
                        maxBufferSizeInBytes,
                        maxTimeInBufferMS);
        copy.metadataKeys = new ArrayList<>(metadataKeys);
        return copy;
    }

    @Override
    public String asSummaryString() {
        return "NATS";
    }

    private List<Object> fields() {
        return Arrays.asList(
                format,
                physicalDataType,
                routing,
                connection,
                deliveryGuarantee,
                confirmTimeout,
                jetStream,
                deadLetterSubject,
                connectionPoolSize,
                orderPerSubject,
                keyValue,
                metadataKeys);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NatsDynamicTableSink
                && super.equals(o)
                && fields().equals(((NatsDynamicTableSink) o).fields());
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + fields().hashCode();
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

    /** Builds the table sink; Flink's async-sink options ({@code sink.batch.max-size}, ...) too. */
    static final class Builder extends AsyncDynamicTableSinkBuilder<NatsMessage, Builder> {
        private EncodingFormat<SerializationSchema<RowData>> format;
        private DataType physicalDataType;
        private RowRouting routing;
        private ConnectionSettings connection;
        private DeliveryGuarantee deliveryGuarantee;
        private Duration confirmTimeout;
        private JetStreamSettings jetStream;
        private String deadLetterSubject;
        private int connectionPoolSize;
        private boolean orderPerSubject;
        private KeyValueTable keyValue;

        Builder format(EncodingFormat<SerializationSchema<RowData>> format, DataType physical) {
            this.format = format;
            this.physicalDataType = physical;
            return this;
        }

        Builder routing(RowRouting routing) {
            this.routing = routing;
            return this;
        }

        Builder connection(ConnectionSettings connection) {
            this.connection = connection;
            return this;
        }

        Builder deliveryGuarantee(DeliveryGuarantee guarantee) {
            this.deliveryGuarantee = guarantee;
            return this;
        }

        Builder confirmTimeout(Duration timeout) {
            this.confirmTimeout = timeout;
            return this;
        }

        Builder jetStream(JetStreamSettings jetStream) {
            this.jetStream = jetStream;
            return this;
        }

        Builder deadLetterSubject(String subject) {
            this.deadLetterSubject = subject;
            return this;
        }

        Builder connectionPoolSize(int size) {
            this.connectionPoolSize = size;
            return this;
        }

        Builder orderPerSubject(boolean orderPerSubject) {
            this.orderPerSubject = orderPerSubject;
            return this;
        }

        Builder keyValue(KeyValueTable keyValue) {
            this.keyValue = keyValue;
            return this;
        }

        @Override
        public NatsDynamicTableSink build() {
            return new NatsDynamicTableSink(
                    this,
                    getMaxBatchSize(),
                    getMaxInFlightRequests(),
                    getMaxBufferedRequests(),
                    getMaxBufferSizeInBytes(),
                    getMaxTimeInBufferMS());
        }
    }
}
