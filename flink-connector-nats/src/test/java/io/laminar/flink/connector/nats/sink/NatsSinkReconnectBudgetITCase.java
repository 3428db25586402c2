package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.FlinkMetrics;
import io.laminar.flink.connector.nats.testutils.JobExceptionHistory;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.StreamCapture;

import io.nats.client.Connection;

import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.laminar.flink.connector.nats.testutils.NumberSource.numbers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The server is gone for longer than the sink's reconnect budget: jnats gives the connection up,
 * and the job fails saying so (servers with user info masked, the attempts exhausted, the option to
 * raise). With a restart strategy, restarts while the server is still down fail at start-up, and
 * once it is back the job resumes from its last checkpoint and every record arrives.
 */
class NatsSinkReconnectBudgetITCase {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMetrics.miniCluster(METRICS, 1);

    @RegisterExtension static final NatsServerExtension NATS = new NatsServerExtension();

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    /** A budget that a second or so of outage uses up. */
    private static final int MAX_RECONNECTS = 2;

    private static final Duration RECONNECT_WAIT = Duration.ofMillis(200);

    /** The server requires no authentication and ignores these; no error may show them. */
    private static final String SECRET = "budget-s3cret";

    @RegisterExtension
    final NatsClientExtension client = NatsClientExtension.of(NATS).deletingStreamsAfterEach();

    /** Brings a stopped server back, for the client to delete the streams on it. */
    @AfterEach
    void restoreServer() {
        NATS.start();
    }

    @ParameterizedTest(name = "jetstream={0}")
    @ValueSource(booleans = {false, true})
    void a_server_gone_longer_than_the_reconnect_budget_fails_the_job_naming_servers_and_option(
            boolean jetStream) throws Exception {
        String subject = "budget.fail." + (jetStream ? "js" : "core");
        String stream = "BUDGET_FAIL_" + (jetStream ? "JS" : "CORE");
        StreamCapture.createFileStream(client.connection(), stream, subject);
        StreamExecutionEnvironment env =
                FlinkEnvironment.builder().noRestarts().checkpointing(200).build();
        // Far more records than the test waits for: the job can only end by failing.
        numbers(env, 10_000_000, 2_000).sinkTo(sink(subject, jetStream ? stream : null));
        JobClient job = env.executeAsync("reconnect budget exhausted");
        Throwable failure;
        try {
            Await.until(
                    "the stream holds 1000 records",
                    DEADLINE,
                    () -> StreamCapture.messageCount(client.connection(), stream) >= 1_000);
            NATS.stop();
            failure =
                    catchThrowable(
                            () ->
                                    job.getJobExecutionResult()
                                            .get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        } finally {
            cancelIfRunning(job);
        }

        assertThat(failure).as("the job failed").isInstanceOf(ExecutionException.class);
        assertThat(ExceptionUtils.findThrowable(failure, NatsSinkException.class))
                .get()
                .extracting(Throwable::getMessage)
                .asString()
                .startsWith("The NATS connection to servers " + maskedServers() + " is closed:")
                .contains("reconnect attempts exhausted")
                .contains("'maxReconnects' = 2 per server, 'reconnectWait' = 200 ms")
                .contains("restarts the job from its last checkpoint")
                .contains("raise 'maxReconnects' (-1 retries forever)");
        assertThat(ExceptionUtils.stringifyException(failure)).doesNotContain(SECRET);
    }

    @Test
    void after_the_outage_a_restart_resumes_from_the_last_checkpoint_and_delivers_every_record(
            @InjectClusterClient RestClusterClient<?> rest) throws Exception {
        int n = 50_000;
        String subject = "budget.restart";
        String stream = "BUDGET_RESTART";
        StreamCapture.createFileStream(client.connection(), stream, subject);
        StreamExecutionEnvironment env =
                FlinkEnvironment.builder()
                        .fixedDelayRestarts(100, Duration.ofMillis(500))
                        .checkpointing(200)
                        .build();
        numbers(env, n, 5_000).sinkTo(sink(subject, null));
        JobClient job = env.executeAsync("reconnect budget restart");
        long beforeOutage;
        try {
            Await.until(
                    "the stream holds 5000 records",
                    DEADLINE,
                    () -> StreamCapture.messageCount(client.connection(), stream) >= 5_000);
            beforeOutage = StreamCapture.messageCount(client.connection(), stream);
            NATS.stop();
            Await.value(
                    "a failure when jnats gave the connection up, then one restarting while the"
                            + " server is down (last value: the failures so far)",
                    DEADLINE,
                    () -> JobExceptionHistory.rootFailures(rest, job.getJobID()),
                    failures -> failures.stream().anyMatch(f -> f.contains("Could not connect")));
            NATS.start();
            job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
        } finally {
            cancelIfRunning(job);
        }

        List<String> failures = JobExceptionHistory.rootFailures(rest, job.getJobID());
        assertThat(failures).hasSizeGreaterThanOrEqualTo(2);
        assertThat(failures.get(0))
                .contains("The NATS connection to servers " + maskedServers() + " is closed:")
                .contains("reconnect attempts exhausted");
        assertThat(failures.subList(1, failures.size()))
                .allSatisfy(
                        f ->
                                assertThat(f)
                                        .contains(
                                                "Could not connect to NATS servers "
                                                        + maskedServers()));
        assertThat(failures).noneSatisfy(f -> assertThat(f).contains(SECRET));

        Await.until(
                "the test client has reconnected",
                DEADLINE,
                () -> client.connection().getStatus() == Connection.Status.CONNECTED);
        List<String> payloads = StreamCapture.readAllPayloadsAsStrings(client.connection(), stream);
        Set<String> distinct = new HashSet<>(payloads);
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!distinct.contains(String.valueOf(i))) {
                missing.add(String.valueOf(i));
            }
        }
        assertThat(missing).as("records missing after the restart").isEmpty();
        assertThat(distinct).hasSize(n);
        // Replayed from a checkpoint, not from the start: that would repeat every record the
        // stream held before the outage.
        assertThat((long) payloads.size()).isLessThan(n + beforeOutage);
    }

    private static String maskedServers() {
        return "[nats://******@127.0.0.1:" + NATS.port() + "]";
    }

    /** A sink with a small reconnect budget; JetStream into {@code stream} when it is not null. */
    private static NatsSink<String> sink(String subject, String stream) {
        NatsSinkBuilder<String> builder =
                NatsSink.<String>builder()
                        .setConnectionSettings(
                                ConnectionSettings.builder()
                                        .servers(
                                                NATS.url()
                                                        .replace(
                                                                "nats://",
                                                                "nats://flink:" + SECRET + "@"))
                                        .maxReconnects(MAX_RECONNECTS)
                                        .reconnectWait(RECONNECT_WAIT)
                                        .connectionTimeout(Duration.ofSeconds(2))
                                        .build())
                        .setSerializationSchema(new SimpleStringSchema())
                        .setSubject(subject);
        if (stream != null) {
            builder.setJetStream(
                    JetStreamSettings.builder()
                            .expectedStream(stream)
                            .ackTimeout(Duration.ofSeconds(2))
                            .build());
        }
        return builder.build();
    }

    private static void cancelIfRunning(JobClient job) throws Exception {
        if (!job.getJobStatus().get(30, TimeUnit.SECONDS).isGloballyTerminalState()) {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }
}
