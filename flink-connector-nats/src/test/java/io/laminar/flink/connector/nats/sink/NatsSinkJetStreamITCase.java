package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.FailOnceAfterCheckpoint;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.FlinkMetrics;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.StreamCapture;

import io.nats.client.Connection;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.laminar.flink.connector.nats.testutils.NumberSource.numbers;
import static io.laminar.flink.connector.nats.testutils.NumberSource.untilTheJobEnds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** JetStream publishing against a real nats-server, with faults, counting the stream at the end. */
class NatsSinkJetStreamITCase {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMetrics.miniCluster(METRICS, 2);

    @RegisterExtension static final NatsServerExtension NATS = new NatsServerExtension();

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @RegisterExtension
    final NatsClientExtension client = NatsClientExtension.of(NATS).deletingStreamsAfterEach();

    /**
     * Publishes "<i>" to "<subject>"; with exactly-once also with message id "<i>" (without an id
     * the stream cannot recognise replays, which at-least-once accepts).
     */
    private static NatsSink<String> sink(
            String subject, DeliveryGuarantee guarantee, JetStreamSettings jetStream) {
        return NatsSink.<String>builder()
                .setConnectionSettings(
                        ConnectionSettings.builder()
                                .servers(NATS.url())
                                .reconnectWait(Duration.ofMillis(250))
                                .build())
                .setJetStream(jetStream)
                .setDeliveryGuarantee(guarantee)
                .setMessageSerializer(
                        v ->
                                NatsMessage.builder(subject, v.getBytes(StandardCharsets.UTF_8))
                                        .messageId(
                                                guarantee == DeliveryGuarantee.EXACTLY_ONCE
                                                        ? v
                                                        : null)
                                        .build())
                .build();
    }

    private List<String> payloads(String stream) {
        List<String> payloads = new ArrayList<>();
        for (MessageInfo info : StreamCapture.readAll(client.connection(), stream)) {
            payloads.add(new String(info.getData(), StandardCharsets.UTF_8));
        }
        return payloads;
    }

    private static List<String> missing(List<String> payloads, int n) {
        Set<String> present = new HashSet<>(payloads);
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!present.contains(String.valueOf(i))) {
                missing.add(String.valueOf(i));
            }
        }
        return missing;
    }

    @Test
    void every_record_is_acknowledged_in_order_with_headers_and_ids() throws Exception {
        int n = 5_000;
        StreamCapture.createFileStream(client.connection(), "JS_BASIC", "js.basic.>");
        StreamExecutionEnvironment env = FlinkEnvironment.builder().noRestarts().build();
        env.fromSequence(0, n - 1)
                .map(String::valueOf)
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder().servers(NATS.url()).build())
                                .setJetStream(
                                        JetStreamSettings.builder()
                                                .expectedStream("JS_BASIC")
                                                .build())
                                .setMessageSerializer(
                                        v ->
                                                NatsMessage.builder(
                                                                "js.basic."
                                                                        + (Long.parseLong(v) % 2),
                                                                v.getBytes(StandardCharsets.UTF_8))
                                                        .header("x-n", v)
                                                        .messageId("id-" + v)
                                                        .build())
                                .build());
        JobID job = env.execute("jetstream basic").getJobID();

        List<MessageInfo> stored = StreamCapture.readAll(client.connection(), "JS_BASIC");
        assertThat(stored).hasSize(n);
        for (int i = 0; i < n; i++) {
            MessageInfo m = stored.get(i);
            assertThat(new String(m.getData(), StandardCharsets.UTF_8))
                    .isEqualTo(String.valueOf(i));
            assertThat(m.getSubject()).isEqualTo("js.basic." + (i % 2));
            assertThat(m.getHeaders().getFirst("x-n")).isEqualTo(String.valueOf(i));
            assertThat(m.getHeaders().getFirst("Nats-Msg-Id")).isEqualTo("id-" + i);
        }
        assertThat(counter(job, "acks")).isEqualTo(n);
        assertThat(counter(job, "duplicates")).isZero();
        assertThat(METRICS.findMetrics(job, "ackLatencyMs")).isNotEmpty();
    }

    @ParameterizedTest
    @EnumSource(
            value = DeliveryGuarantee.class,
            names = {"AT_LEAST_ONCE", "EXACTLY_ONCE"})
    void a_server_restart_mid_job_loses_nothing(DeliveryGuarantee guarantee) throws Exception {
        int n = 20_000;
        String stream = "JS_RESTART_" + guarantee.name();
        StreamCapture.createFileStream(
                client.connection(), stream, "js.restart." + guarantee.name());
        StreamExecutionEnvironment env =
                FlinkEnvironment.builder().noRestarts().checkpointing(300).build();
        numbers(env, n, 4_000)
                .sinkTo(
                        sink(
                                "js.restart." + guarantee.name(),
                                guarantee,
                                JetStreamSettings.builder()
                                        .expectedStream(stream)
                                        .ackTimeout(Duration.ofSeconds(2))
                                        .build()));
        JobClient job = env.executeAsync("jetstream restart " + guarantee);

        Await.until(
                "the stream holds 4000 records",
                DEADLINE,
                () -> StreamCapture.messageCount(client.connection(), stream) >= 4_000);
        NATS.restartAfter(Duration.ofSeconds(3));
        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
        Await.until(
                "the client has reconnected",
                DEADLINE,
                () -> client.connection().getStatus() == Connection.Status.CONNECTED);

        List<String> payloads = payloads(stream);
        assertThat(missing(payloads, n)).as("records missing after the restart").isEmpty();
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            assertThat(payloads).hasSize(n);
        } else {
            assertThat(payloads.size()).isGreaterThanOrEqualTo(n);
        }
        assertThat(counter(job.getJobID(), "reconnects")).isGreaterThanOrEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(
            value = DeliveryGuarantee.class,
            names = {"AT_LEAST_ONCE", "EXACTLY_ONCE"})
    void a_task_failure_after_a_checkpoint_replays_without_loss(DeliveryGuarantee guarantee)
            throws Exception {
        int n = 25_000;
        String stream = "JS_FAIL_" + guarantee.name();
        String subject = "js.fail." + guarantee.name();
        StreamCapture.createFileStream(client.connection(), stream, subject);
        FailOnceAfterCheckpoint.reset();
        StreamExecutionEnvironment env =
                FlinkEnvironment.builder()
                        .fixedDelayRestarts(3, Duration.ofMillis(200))
                        .checkpointing(1_500)
                        .build();
        numbers(env, n, 5_000)
                .map(new FailOnceAfterCheckpoint())
                .sinkTo(sink(subject, guarantee, JetStreamSettings.defaults()));
        JobID job = env.execute("jetstream failover " + guarantee).getJobID();

        assertThat(FailOnceAfterCheckpoint.FAILED.get()).as("the failure was injected").isTrue();
        List<String> payloads = payloads(stream);
        assertThat(missing(payloads, n)).as("records missing after the replay").isEmpty();
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            assertThat(payloads).hasSize(n);
            assertThat(counter(job, "duplicates"))
                    .as("replays the server reported as duplicates")
                    .isGreaterThan(0);
        } else {
            assertThat(payloads.size()).isGreaterThanOrEqualTo(n);
        }
    }

    @Test
    void a_subject_without_a_stream_fails_the_job_naming_it() {
        StreamExecutionEnvironment env = FlinkEnvironment.builder().noRestarts().build();
        untilTheJobEnds(env)
                .sinkTo(
                        sink(
                                "js.nostream",
                                DeliveryGuarantee.AT_LEAST_ONCE,
                                JetStreamSettings.defaults()));
        assertThatThrownBy(() -> env.execute("no stream"))
                .satisfies(
                        e ->
                                assertThat(rootMessage(e))
                                        .contains("'js.nostream'")
                                        .contains("no JetStream stream captures it"));
    }

    @Test
    void a_wrong_expected_stream_fails_the_job_with_the_server_error() {
        StreamCapture.createMemoryStream(client.connection(), "JS_ACTUAL", "js.actual");
        StreamCapture.createMemoryStream(client.connection(), "JS_OTHER", "js.other");
        StreamExecutionEnvironment env = FlinkEnvironment.builder().noRestarts().build();
        untilTheJobEnds(env)
                .sinkTo(
                        sink(
                                "js.actual",
                                DeliveryGuarantee.AT_LEAST_ONCE,
                                JetStreamSettings.builder().expectedStream("JS_OTHER").build()));
        assertThatThrownBy(() -> env.execute("wrong stream"))
                .satisfies(
                        e ->
                                assertThat(rootMessage(e))
                                        .contains("'js.actual'")
                                        .contains("'JS_OTHER'")
                                        .contains("10060"));
    }

    @Test
    void a_missing_expected_stream_fails_at_start_up() {
        StreamExecutionEnvironment env = FlinkEnvironment.builder().noRestarts().build();
        env.fromData("a")
                .sinkTo(
                        sink(
                                "js.any",
                                DeliveryGuarantee.AT_LEAST_ONCE,
                                JetStreamSettings.builder().expectedStream("JS_NOPE").build()));
        assertThatThrownBy(() -> env.execute("missing stream"))
                .satisfies(
                        e ->
                                assertThat(rootMessage(e))
                                        .contains("'JS_NOPE' is not available")
                                        .contains("10059"));
    }

    @Test
    void a_message_over_the_stream_limit_fails_the_job() throws Exception {
        client.connection()
                .jetStreamManagement()
                .addStream(
                        StreamConfiguration.builder()
                                .name("JS_SMALL")
                                .subjects("js.small")
                                .storageType(StorageType.Memory)
                                .maximumMessageSize(100)
                                .build());
        StreamExecutionEnvironment env = FlinkEnvironment.builder().noRestarts().build();
        untilTheJobEnds(env)
                .map(v -> "x".repeat(500))
                .returns(Types.STRING)
                .sinkTo(
                        sink(
                                "js.small",
                                DeliveryGuarantee.AT_LEAST_ONCE,
                                JetStreamSettings.defaults()));
        assertThatThrownBy(() -> env.execute("too large"))
                .satisfies(
                        e -> assertThat(rootMessage(e)).contains("'js.small'").contains("10054"));
    }

    @Test
    void exactly_once_without_a_message_id_fails_naming_the_subject() {
        StreamCapture.createMemoryStream(client.connection(), "JS_NOID", "js.noid");
        StreamExecutionEnvironment env = FlinkEnvironment.builder().noRestarts().build();
        untilTheJobEnds(env)
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder().servers(NATS.url()).build())
                                .setJetStream(JetStreamSettings.defaults())
                                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                                .setSerializationSchema(
                                        new org.apache.flink.api.common.serialization
                                                .SimpleStringSchema())
                                .setSubject("js.noid")
                                .build());
        assertThatThrownBy(() -> env.execute("no id"))
                .satisfies(
                        e ->
                                assertThat(rootMessage(e))
                                        .contains("'js.noid'")
                                        .contains("message id"));
    }

    private static String rootMessage(Throwable e) {
        return ExceptionUtils.findThrowable(e, NatsSinkException.class)
                .map(Throwable::getMessage)
                .orElseGet(() -> ExceptionUtils.stringifyException(e));
    }

    private static long counter(JobID job, String name) {
        return FlinkMetrics.sinkCounter(METRICS, job, name);
    }
}
