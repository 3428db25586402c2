package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.sink.JetStreamSettings;
import io.laminar.flink.connector.nats.sink.SettingNames;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.DeliveryGuarantee;

import java.io.Serializable;
import java.time.Duration;

/** What the writer needs besides Flink's batching settings; immutable, checked by the builder. */
@Internal
public final class NatsSinkSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    private final ConnectionSettings connection;
    private final DeliveryGuarantee deliveryGuarantee;
    private final Duration confirmTimeout;
    private final JetStreamSettings jetStream;
    private final int connectionPoolSize;
    private final boolean orderPerSubject;
    private final String keyValueBucket;
    private final SettingNames settingNames;

    public NatsSinkSettings(
            ConnectionSettings connection,
            DeliveryGuarantee deliveryGuarantee,
            Duration confirmTimeout,
            JetStreamSettings jetStream,
            int connectionPoolSize,
            boolean orderPerSubject,
            String keyValueBucket,
            SettingNames settingNames) {
        this.connection = connection;
        this.deliveryGuarantee = deliveryGuarantee;
        this.confirmTimeout = confirmTimeout;
        this.jetStream = jetStream;
        this.connectionPoolSize = connectionPoolSize;
        this.orderPerSubject = orderPerSubject;
        this.keyValueBucket = keyValueBucket;
        this.settingNames = settingNames;
    }

    /**
     * These settings with the job's checkpoint interval for JetStream's duplicate-window check,
     * unless the JetStream settings name one.
     */
    public NatsSinkSettings withCheckpointInterval(Duration interval) {
        if (jetStream == null || jetStream.getCheckpointInterval() != null) {
            return this;
        }
        return new NatsSinkSettings(
                connection,
                deliveryGuarantee,
                confirmTimeout,
                jetStream.withCheckpointInterval(interval),
                connectionPoolSize,
                orderPerSubject,
                keyValueBucket,
                settingNames);
    }

    /** Connections the job's writers in one TaskManager share; 0: one per writer. */
    int getConnectionPoolSize() {
        return connectionPoolSize;
    }

    /** True when a batch holds at most one record per subject (and one batch is in flight). */
    boolean isOrderPerSubject() {
        return orderPerSubject;
    }

    /** The Key-Value bucket written to, or null when writing to subjects. */
    String getKeyValueBucket() {
        return keyValueBucket;
    }

    /** JetStream settings, or null to publish with core NATS. */
    JetStreamSettings getJetStream() {
        return jetStream;
    }

    ConnectionSettings getConnection() {
        return connection;
    }

    DeliveryGuarantee getDeliveryGuarantee() {
        return deliveryGuarantee;
    }

    Duration getConfirmTimeout() {
        return confirmTimeout;
    }

    SettingNames getSettingNames() {
        return settingNames;
    }

    @Override
    public String toString() {
        return "NatsSinkSettings{connection="
                + connection
                + ", deliveryGuarantee="
                + deliveryGuarantee
                + ", confirmTimeout="
                + confirmTimeout
                + ", jetStream="
                + jetStream
                + ", connectionPoolSize="
                + connectionPoolSize
                + ", orderPerSubject="
                + orderPerSubject
                + (keyValueBucket == null ? "" : ", keyValueBucket=" + keyValueBucket)
                + '}';
    }
}
