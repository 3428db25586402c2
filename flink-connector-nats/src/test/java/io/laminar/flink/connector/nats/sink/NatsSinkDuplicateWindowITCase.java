package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.LogCapture;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;

import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly-once into a stream whose duplicate window is shorter than the job's checkpoint interval:
 * the sink warns at start-up, whether the interval was set on the environment (DataStream) or with
 * {@code SET} (SQL), without being told it through the builder.
 */
class NatsSinkDuplicateWindowITCase {

    private static final String WARNING =
            "Stream 'JS_DUPWIN' keeps message ids for PT2M, less than the checkpoint interval of"
                    + " PT5M";

    @RegisterExtension static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension static final NatsServerExtension NATS = new NatsServerExtension();

    @RegisterExtension
    final NatsClientExtension client = NatsClientExtension.of(NATS).deletingStreamsAfterEach();

    @BeforeEach
    void createStreamWithATwoMinuteWindow() throws Exception {
        client.connection()
                .jetStreamManagement()
                .addStream(
                        StreamConfiguration.builder()
                                .name("JS_DUPWIN")
                                .subjects("js.dupwin")
                                .storageType(StorageType.Memory)
                                .duplicateWindow(Duration.ofMinutes(2))
                                .build());
    }

    @Test
    void the_checkpoint_interval_of_the_environment_reaches_the_warning() throws Exception {
        StreamExecutionEnvironment env =
                FlinkEnvironment.builder()
                        .checkpointing(Duration.ofMinutes(5).toMillis())
                        .noRestarts()
                        .build();
        env.fromData("1", "2")
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder().servers(NATS.url()).build())
                                .setJetStream(
                                        JetStreamSettings.builder()
                                                .expectedStream("JS_DUPWIN")
                                                .build())
                                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                                .setMessageSerializer(
                                        v ->
                                                NatsMessage.builder(
                                                                "js.dupwin",
                                                                v.getBytes(StandardCharsets.UTF_8))
                                                        .messageId(v)
                                                        .build())
                                .build());
        try (LogCapture logs = LogCapture.start("io.laminar.flink.connector.nats", Level.WARN)) {
            env.execute("short duplicate window");
            assertThat(logs.text()).contains(WARNING);
        }
    }

    @Test
    void the_checkpoint_interval_set_in_sql_reaches_the_warning() throws Exception {
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(FlinkEnvironment.create());
        tEnv.getConfig().set("execution.checkpointing.interval", "5 min");
        insertIntoTheStreamAndExpectTheWarning(tEnv);
    }

    @Test
    void the_checkpoint_interval_of_the_environment_under_sql_reaches_the_warning()
            throws Exception {
        StreamTableEnvironment tEnv =
                StreamTableEnvironment.create(
                        FlinkEnvironment.builder()
                                .checkpointing(Duration.ofMinutes(5).toMillis())
                                .build());
        insertIntoTheStreamAndExpectTheWarning(tEnv);
    }

    private static void insertIntoTheStreamAndExpectTheWarning(StreamTableEnvironment tEnv)
            throws Exception {
        tEnv.executeSql(
                "CREATE TABLE dupwin (id STRING) WITH ('connector' = 'nats_sink', 'servers' = '"
                        + NATS.url()
                        + "', 'subject' = 'js.dupwin', 'msg_id_field' = 'id',"
                        + " 'jetstream.enabled' = 'true', 'jetstream.stream' = 'JS_DUPWIN',"
                        + " 'sink.delivery-guarantee' = 'exactly-once', 'format' = 'json')");
        try (LogCapture logs = LogCapture.start("io.laminar.flink.connector.nats", Level.WARN)) {
            tEnv.executeSql("INSERT INTO dupwin VALUES ('1'), ('2')").await();
            assertThat(logs.text()).contains(WARNING);
        }
    }
}
