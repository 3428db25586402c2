package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.FlinkMetrics;
import io.laminar.flink.connector.nats.testutils.MessageCollector;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.StreamCapture;

import io.nats.client.Connection;
import io.nats.client.Message;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;

import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.laminar.flink.connector.nats.testutils.NumberSource.numbers;
import static io.laminar.flink.connector.nats.testutils.NumberSource.untilTheJobEnds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The DataStream sink against a real nats-server and a Flink MiniCluster. */
class NatsSinkITCase {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMetrics.miniCluster(METRICS, 2);

    /** Lame duck mode closes clients after 1 s and exits; 30 s is the shortest duration allowed. */
    @RegisterExtension
    static final NatsServerExtension NATS =
            NatsServerExtension.builder()
                    .config("lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"1s\"\n")
                    .build();

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @RegisterExtension final NatsClientExtension client = NatsClientExtension.of(NATS);

    private static NatsSinkBuilder<String> sinkTo(String subject) {
        return NatsSink.<String>builder()
                .setConnectionSettings(ConnectionSettings.builder().servers(NATS.url()).build())
                .setSerializationSchema(new SimpleStringSchema())
                .setSubject(subject);
    }

    @Test
    void publishes_every_record_to_a_static_subject() throws Exception {
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "it.static")) {
            StreamExecutionEnvironment env = FlinkEnvironment.create();
            env.fromData("alpha", "beta", "gamma").sinkTo(sinkTo("it.static").build());
            JobID job = env.execute("static subject").getJobID();

            List<Message> messages = collector.awaitCount(3, DEADLINE);
            assertThat(messages).extracting(Message::getSubject).containsOnly("it.static");
            assertThat(collector.payloadsAsStrings()).containsExactly("alpha", "beta", "gamma");
            assertThat(messages.get(0).hasHeaders()).isFalse();
            assertThat(counter(job, "numRecordsOut")).isEqualTo(3);
            assertThat(counter(job, "numBytesOut"))
                    .isEqualTo(3 * "it.static".length() + "alphabetagamma".length());
            assertThat(counter(job, "numRecordsOutErrors")).isZero();
            assertThat(METRICS.findMetrics(job, "currentSendTime").keySet())
                    .anySatisfy(key -> assertThat(key).contains(".Sink: Writer."));
        }
    }

    @Test
    void delivery_guarantee_none_publishes_without_confirming() throws Exception {
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "it.none")) {
            StreamExecutionEnvironment env = FlinkEnvironment.create();
            env.fromSequence(1, 500)
                    .map(String::valueOf)
                    .sinkTo(sinkTo("it.none").setDeliveryGuarantee(DeliveryGuarantee.NONE).build());
            env.execute("none");

            collector.awaitCount(500, DEADLINE);
            assertThat(collector.payloadsAsStrings())
                    .hasSize(500)
                    .startsWith("1", "2", "3")
                    .endsWith("499", "500");
        }
    }

    @Test
    void routes_each_record_to_the_subject_its_selector_picks() throws Exception {
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "it.routed.>")) {
            StreamExecutionEnvironment env = FlinkEnvironment.create();
            env.fromData("eu:1", "us:2", "eu:3", "apac:4")
                    .sinkTo(
                            NatsSink.<String>builder()
                                    .setConnectionSettings(
                                            ConnectionSettings.builder()
                                                    .servers(NATS.url())
                                                    .build())
                                    .setSerializationSchema(new SimpleStringSchema())
                                    .setSubjectSelector(
                                            v -> "it.routed." + v.substring(0, v.indexOf(':')))
                                    .build());
            env.execute("routed");

            List<Message> messages = collector.awaitCount(4, DEADLINE);
            Map<String, String> subjectByPayload = new HashMap<>();
            for (Message m : messages) {
                subjectByPayload.put(
                        new String(m.getData(), StandardCharsets.UTF_8), m.getSubject());
            }
            assertThat(subjectByPayload)
                    .containsOnly(
                            Map.entry("eu:1", "it.routed.eu"),
                            Map.entry("us:2", "it.routed.us"),
                            Map.entry("eu:3", "it.routed.eu"),
                            Map.entry("apac:4", "it.routed.apac"));
        }
    }

    @Test
    void headers_and_reply_to_arrive_exactly() throws Exception {
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "it.hdr")) {
            StreamExecutionEnvironment env = FlinkEnvironment.create();
            env.fromData("r1", "r2")
                    .sinkTo(
                            sinkTo("it.hdr")
                                    .setHeader("content-type", "text/plain")
                                    .setHeader("x-source", "flink")
                                    .setReplyToSelector(v -> "it.reply." + v)
                                    .build());
            env.execute("headers");

            List<Message> messages = collector.awaitCount(2, DEADLINE);
            assertThat(messages).hasSize(2);
            for (Message m : messages) {
                String payload = new String(m.getData(), StandardCharsets.UTF_8);
                assertThat(m.getReplyTo()).isEqualTo("it.reply." + payload);
                assertThat(m.getHeaders().get("content-type")).containsExactly("text/plain");
                assertThat(m.getHeaders().get("x-source")).containsExactly("flink");
                assertThat(m.getHeaders().keySet())
                        .containsExactlyInAnyOrder("content-type", "x-source");
            }
        }
    }

    @Test
    void a_message_serializer_controls_the_whole_message() throws Exception {
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "it.full.>")) {
            StreamExecutionEnvironment env = FlinkEnvironment.create();
            env.fromData("a", "b")
                    .sinkTo(
                            NatsSink.<String>builder()
                                    .setConnectionSettings(
                                            ConnectionSettings.builder()
                                                    .servers(NATS.url())
                                                    .build())
                                    .setMessageSerializer(
                                            v ->
                                                    NatsMessage.builder(
                                                                    "it.full." + v,
                                                                    ("payload-" + v)
                                                                            .getBytes(
                                                                                    StandardCharsets
                                                                                            .UTF_8))
                                                            .replyTo("it.back")
                                                            .header("x-key", v)
                                                            .header("x-key", v + v)
                                                            .messageId("id-" + v)
                                                            .build())
                                    .build());
            env.execute("serializer");

            List<Message> messages = collector.awaitCount(2, DEADLINE);
            assertThat(messages)
                    .extracting(Message::getSubject)
                    .containsExactly("it.full.a", "it.full.b");
            Message a = messages.get(0);
            assertThat(new String(a.getData(), StandardCharsets.UTF_8)).isEqualTo("payload-a");
            assertThat(a.getReplyTo()).isEqualTo("it.back");
            assertThat(a.getHeaders().get("x-key")).containsExactly("a", "aa");
            assertThat(a.getHeaders().get(NatsMessage.MSG_ID_HEADER)).containsExactly("id-a");
        }
    }

    @Test
    void a_hundred_thousand_records_arrive_exactly_once_and_in_order() throws Exception {
        int n = 100_000;
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "it.bulk")) {
            StreamExecutionEnvironment env = FlinkEnvironment.create();
            env.fromSequence(0, n - 1).map(String::valueOf).sinkTo(sinkTo("it.bulk").build());
            env.execute("bulk");

            collector.awaitCount(n, DEADLINE);
            List<String> payloads = collector.payloadsAsStrings();
            assertThat(payloads).hasSize(n);
            for (int i = 0; i < n; i++) {
                if (!payloads.get(i).equals(String.valueOf(i))) {
                    throw new AssertionError(
                            "Record " + i + " out of order or missing: got " + payloads.get(i));
                }
            }
        }
    }

    @Test
    void at_parallelism_two_each_subtask_keeps_its_order() throws Exception {
        int n = 40_000;
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "it.par")) {
            StreamExecutionEnvironment env = FlinkEnvironment.builder().parallelism(2).build();
            env.fromSequence(0, n - 1)
                    .map(new TagWithSubtaskAndSequence())
                    .sinkTo(sinkTo("it.par").build());
            env.execute("parallel");

            collector.awaitCount(n, DEADLINE);
            Map<String, List<Long>> bySubtask = new HashMap<>();
            for (String payload : collector.payloadsAsStrings()) {
                String[] parts = payload.split(":");
                bySubtask
                        .computeIfAbsent(parts[0], k -> new ArrayList<>())
                        .add(Long.parseLong(parts[1]));
            }
            assertThat(bySubtask).hasSize(2);
            long total = 0;
            for (List<Long> sequence : bySubtask.values()) {
                for (int i = 0; i < sequence.size(); i++) {
                    if (sequence.get(i) != i) {
                        throw new AssertionError(
                                "Subtask order broken at " + i + ": got " + sequence.get(i));
                    }
                }
                total += sequence.size();
            }
            assertThat(total).isEqualTo(n);
        }
    }

    @Test
    void an_invalid_subject_fails_the_job_naming_it() {
        StreamExecutionEnvironment env = FlinkEnvironment.create();
        env.fromData("ok", "bad subject")
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder().servers(NATS.url()).build())
                                .setSerializationSchema(new SimpleStringSchema())
                                .setSubjectSelector(v -> "it.inv." + v)
                                .build());
        assertThatThrownBy(() -> env.execute("invalid subject"))
                .satisfies(
                        e ->
                                assertCauseMessage(e, InvalidSubjectException.class)
                                        .contains("'it.inv.bad subject'")
                                        .contains("whitespace"));
    }

    @Test
    void a_record_over_max_payload_fails_the_job_naming_subject_and_reason() throws Exception {
        NatsServerExtension small = NatsServerExtension.builder().maxPayload(1024).build();
        small.start();
        try {
            StreamExecutionEnvironment env = FlinkEnvironment.builder().noRestarts().build();
            String big = "x".repeat(1025);
            untilTheJobEnds(env)
                    .map(v -> v.equals("0") ? "small" : big)
                    .returns(Types.STRING)
                    .sinkTo(
                            NatsSink.<String>builder()
                                    .setConnectionSettings(
                                            ConnectionSettings.builder()
                                                    .servers(small.url())
                                                    .build())
                                    .setSerializationSchema(new SimpleStringSchema())
                                    .setSubject("it.big")
                                    .build());
            assertThatThrownBy(() -> env.execute("too large"))
                    .satisfies(
                            e ->
                                    assertCauseMessage(e, NatsSinkException.class)
                                            .contains("'it.big'")
                                            .contains("max_payload"));
        } finally {
            small.close();
        }
    }

    @Test
    void a_record_exactly_at_max_payload_is_delivered_whole() throws Exception {
        NatsServerExtension small = NatsServerExtension.builder().maxPayload(1024).build();
        small.start();
        try (Connection smallClient = small.connect();
                MessageCollector collector = MessageCollector.subscribe(smallClient, "it.edge")) {
            StreamExecutionEnvironment env = FlinkEnvironment.create();
            String exact = "e".repeat(1024);
            env.fromData(exact)
                    .sinkTo(
                            NatsSink.<String>builder()
                                    .setConnectionSettings(
                                            ConnectionSettings.builder()
                                                    .servers(small.url())
                                                    .build())
                                    .setSerializationSchema(new SimpleStringSchema())
                                    .setSubject("it.edge")
                                    .build());
            env.execute("exactly max_payload");

            assertThat(collector.awaitCount(1, DEADLINE))
                    .extracting(m -> new String(m.getData(), StandardCharsets.UTF_8))
                    .containsExactly(exact);
        } finally {
            small.close();
        }
    }

    @Test
    void a_publish_the_user_may_not_make_fails_the_job_naming_the_subject() throws Exception {
        NatsServerExtension guarded =
                NatsServerExtension.builder()
                        .config(
                                "authorization {\n"
                                        + "  users = [\n"
                                        + "    { user: \"orders\", password: \"orders-pw\","
                                        + " permissions: { publish: \"orders.>\" } }\n"
                                        + "  ]\n"
                                        + "}\n")
                        .build();
        guarded.start();
        try {
            StreamExecutionEnvironment env = FlinkEnvironment.builder().noRestarts().build();
            untilTheJobEnds(env)
                    .sinkTo(
                            NatsSink.<String>builder()
                                    .setConnectionSettings(
                                            ConnectionSettings.builder()
                                                    .servers(guarded.url())
                                                    .userInfo("orders", "orders-pw")
                                                    .build())
                                    .setSerializationSchema(new SimpleStringSchema())
                                    .setSubject("other.x")
                                    .build());
            assertThatThrownBy(() -> env.execute("forbidden"))
                    .satisfies(
                            e ->
                                    assertCauseMessage(e, NatsSinkException.class)
                                            .containsIgnoringCase("permissions violation")
                                            .contains("other.x")
                                            .doesNotContain("orders-pw"));
        } finally {
            guarded.close();
        }
    }

    @Test
    void a_subject_too_long_for_the_servers_control_line_fails_the_job_naming_it() {
        String longSubject = "it.long." + "x".repeat(5_000);
        StreamExecutionEnvironment env = FlinkEnvironment.create();
        env.fromData("a")
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder().servers(NATS.url()).build())
                                .setSerializationSchema(new SimpleStringSchema())
                                .setSubjectSelector(v -> longSubject)
                                .build());
        assertThatThrownBy(() -> env.execute("long subject"))
                .satisfies(
                        e ->
                                assertCauseMessage(e, InvalidSubjectException.class)
                                        .startsWith(
                                                "Invalid NATS subject '"
                                                        + longSubject.substring(0, 256)
                                                        + "...' from the sink's serializer: it is"
                                                        + " 5008 bytes long (UTF-8), over the"
                                                        + " sink's limit of 4000 bytes")
                                        .contains("max_control_line (4096 bytes by default)")
                                        .doesNotContain(longSubject.substring(0, 300)));
    }

    /**
     * A server configured with a shorter max_control_line than the sink's limit closes the
     * connection on the long subject; publishing it again after the reconnect would close it again,
     * forever. The job fails instead, naming the subject.
     */
    @Test
    void a_server_with_a_shorter_max_control_line_fails_the_job_instead_of_reconnecting_forever()
            throws Exception {
        NatsServerExtension strict =
                NatsServerExtension.builder().config("max_control_line: 1024").build();
        strict.start();
        String longSubject = "it.mcl." + "y".repeat(2_000);
        try {
            StreamExecutionEnvironment env = FlinkEnvironment.builder().noRestarts().build();
            untilTheJobEnds(env)
                    .sinkTo(
                            NatsSink.<String>builder()
                                    .setConnectionSettings(
                                            ConnectionSettings.builder()
                                                    .servers(strict.url())
                                                    .reconnectWait(Duration.ofMillis(100))
                                                    .build())
                                    .setSerializationSchema(new SimpleStringSchema())
                                    .setSubject(longSubject)
                                    .build());
            JobClient job = env.executeAsync("server max_control_line");
            Throwable failure =
                    catchThrowable(
                            () ->
                                    job.getJobExecutionResult()
                                            .get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
            assertThat(failure).as("the job failed").isInstanceOf(ExecutionException.class);
            assertCauseMessage(failure, NatsSinkException.class)
                    .contains("maximum control line exceeded")
                    .contains(
                            "the longest subject published on the connection is '"
                                    + longSubject.substring(0, 256)
                                    + "...' (2007 bytes)")
                    .contains("raise max_control_line on the server");
            assertThat(counter(job.getJobID(), "reconnects"))
                    .as("the job failed at the first republish, not after a loop of them")
                    .isBetween(1L, 2L);
        } finally {
            strict.close();
        }
    }

    @Test
    void a_header_value_nats_cannot_carry_fails_the_job_naming_header_and_subject() {
        StreamExecutionEnvironment env = FlinkEnvironment.create();
        env.fromData("a")
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder().servers(NATS.url()).build())
                                .setMessageSerializer(
                                        v ->
                                                NatsMessage.builder(
                                                                "it.hdr.utf8",
                                                                v.getBytes(StandardCharsets.UTF_8))
                                                        .header("x-note", "héllo 日本")
                                                        .build())
                                .build());
        assertThatThrownBy(() -> env.execute("non-ASCII header"))
                .satisfies(
                        e ->
                                assertCauseMessage(e, InvalidHeaderException.class)
                                        .startsWith(
                                                "Invalid value for NATS header 'x-note' in a"
                                                        + " message for subject 'it.hdr.utf8' from"
                                                        + " the sink's serializer: it contains the"
                                                        + " non-ASCII character 'é' (U+00E9)"
                                                        + " at position 1; NATS header values are"
                                                        + " US-ASCII without CR or LF")
                                        .doesNotContain("llo"));
    }

    @Test
    void a_server_that_is_not_there_fails_the_job_with_the_servers_named() {
        StreamExecutionEnvironment env = FlinkEnvironment.create();
        String nowhere = "nats://user:pw-not-logged@127.0.0.1:1";
        env.fromData("a")
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder()
                                                .servers(nowhere)
                                                .connectionTimeout(Duration.ofSeconds(1))
                                                .build())
                                .setSerializationSchema(new SimpleStringSchema())
                                .setSubject("it.none")
                                .build());
        assertThatThrownBy(() -> env.execute("no server"))
                .satisfies(
                        e ->
                                assertCauseMessage(e, NatsSinkException.class)
                                        .contains("Could not connect")
                                        .contains("the connection was refused")
                                        .contains("Check 'servers'")
                                        .contains("nats://******@127.0.0.1:1")
                                        .doesNotContain("pw-not-logged"));
    }

    /**
     * A server restarted mid-job (lame duck mode, then started again on the same port): every
     * record reaches the capturing stream. With jnats' reconnect buffer (the default) publishes
     * made during the outage wait in it; with no buffer every publish during the outage is refused
     * and the sink must hand the entries back and publish them after the reconnect.
     */
    @ParameterizedTest(name = "reconnect buffer {0} bytes")
    @ValueSource(longs = {ConnectionSettings.DEFAULT_RECONNECT_BUFFER_SIZE, 0})
    void a_server_restart_mid_job_loses_no_record(long reconnectBufferBytes) throws Exception {
        int n = 30_000;
        String stream = "CAPTURE_RESTART_" + reconnectBufferBytes;
        StreamCapture.createFileStream(client.connection(), stream, "it.restart");
        try {
            StreamExecutionEnvironment env = FlinkEnvironment.builder().checkpointing(200).build();
            numbers(env, n, 3_000)
                    .sinkTo(
                            sinkTo("it.restart")
                                    .setConnectionSettings(
                                            ConnectionSettings.builder()
                                                    .servers(NATS.url())
                                                    .reconnectWait(Duration.ofMillis(250))
                                                    .reconnectBufferSize(reconnectBufferBytes)
                                                    .build())
                                    .build());
            JobClient job = env.executeAsync("restart");

            Await.until(
                    "the stream holds the first 5000 records",
                    DEADLINE,
                    () -> StreamCapture.messageCount(client.connection(), stream) >= 5_000);
            // The way operators restart a server: JetStream stores everything the server
            // received before it exits. (After a SIGTERM the capturing stream can miss core
            // publishes the server had received and confirmed; core NATS does not promise them.)
            NATS.restartInLameDuckModeAfter(Duration.ofSeconds(3));
            job.getJobExecutionResult().get(2, TimeUnit.MINUTES);

            Await.until(
                    "the client has reconnected",
                    DEADLINE,
                    () -> client.connection().getStatus() == Connection.Status.CONNECTED);
            List<String> payloads =
                    StreamCapture.readAllPayloadsAsStrings(client.connection(), stream);
            assertThat(payloads.size()).isGreaterThanOrEqualTo(n);
            Set<String> distinct = new HashSet<>(payloads);
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (!distinct.contains(String.valueOf(i))) {
                    missing.add(String.valueOf(i));
                }
            }
            assertThat(missing).as("records missing after the restart").isEmpty();
            assertThat(distinct).hasSize(n);
            assertThat(counter(job.getJobID(), "reconnects")).isGreaterThanOrEqualTo(1);
            if (reconnectBufferBytes == 0) {
                assertThat(counter(job.getJobID(), "retries")).isGreaterThanOrEqualTo(1);
                assertThat(counter(job.getJobID(), "publishErrors")).isGreaterThanOrEqualTo(1);
            }
        } finally {
            if (NATS.isRunning()) {
                StreamCapture.deleteStream(client.connection(), stream);
            }
        }
    }

    /** Asserts on the message of the first {@code type} in {@code failure}'s cause chain. */
    private static AbstractStringAssert<?> assertCauseMessage(
            Throwable failure, Class<? extends Throwable> type) {
        return assertThat(ExceptionUtils.findThrowable(failure, type))
                .as("a %s in the cause chain", type.getSimpleName())
                .get()
                .extracting(Throwable::getMessage)
                .asString();
    }

    private static long counter(JobID job, String name) {
        return FlinkMetrics.sinkCounter(METRICS, job, name);
    }

    /** Tags each record with the subtask that handled it and its sequence in that subtask. */
    private static final class TagWithSubtaskAndSequence extends RichMapFunction<Long, String> {
        private long next;

        @Override
        public String map(Long value) {
            return getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() + ":" + next++;
        }
    }
}
