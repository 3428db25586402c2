package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.FlinkMetrics;
import io.laminar.flink.connector.nats.testutils.LogCapture;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.NumberedRecordTally;
import io.laminar.flink.connector.nats.testutils.RecordGate;
import io.laminar.flink.connector.nats.testutils.Threads;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.CommonTestUtils;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.laminar.flink.connector.nats.testutils.NumberSource.numbers;

/**
 * A job's checkpoints keep completing promptly, and every record arrives, after the two things that
 * used to leave jnats waiting for a PONG to a PING that never left (and from then on answering
 * every confirmation one PONG late, so that each timed out): a writer closed in a region failover
 * while its confirmer waited for its turn on the shared connection, and a PING refused by jnats'
 * full outgoing queue while the server was frozen. The test triggers the checkpoints itself and
 * times each one.
 */
class NatsSinkConfirmationStallITCase {

    private static final Logger LOG =
            LoggerFactory.getLogger(NatsSinkConfirmationStallITCase.class);

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMetrics.miniCluster(METRICS, 2);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.builder().jetStream(false).build();

    @RegisterExtension final NatsClientExtension client = NatsClientExtension.of(NATS);

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    /** What a checkpoint of a sink whose confirmations work takes at most here, with margin. */
    private static final Duration PROMPT_CHECKPOINT = Duration.ofSeconds(10);

    /** Opened by the test once the server is frozen; the records wait for it. */
    private RecordGate gate;

    @AfterEach
    void resume() {
        NATS.resume();
        if (gate != null) {
            gate.close();
        }
    }

    /**
     * Two writers share one connection (the default pool size 1). While the server is frozen, one
     * writer's round trip holds the turn and the other's confirmer waits for it; the waiting
     * writer's subtask fails, so Flink closes it and restarts its region.
     */
    @Test
    void a_writer_closed_in_a_region_failover_while_waiting_for_its_turn_does_not_stall_checkpoints(
            @InjectMiniCluster MiniCluster miniCluster) throws Exception {
        int n = 16_000;
        String subject = "stall.job.turn";
        StreamExecutionEnvironment env =
                FlinkEnvironment.builder()
                        .parallelism(2)
                        .fixedDelayRestarts(5, Duration.ofMillis(200))
                        .build();
        // No periodic checkpoints: while one waits for the frozen server, the writers' task
        // threads take no records, and the test needs one to fail on its signal.
        numbers(env, n, 400)
                .map(new FailOnSignal(subject))
                .name("fail on signal")
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder()
                                                .servers(NATS.url())
                                                .connectionName(subject)
                                                .build())
                                .setSerializationSchema(new SimpleStringSchema())
                                .setSubject(subject)
                                // Longer than the server stays frozen: the round trip holding
                                // the turn must not time out.
                                .setConfirmTimeout(Duration.ofSeconds(20))
                                .setMaxTimeInBufferMS(500)
                                .build());

        try (NumberedRecordTally tally =
                NumberedRecordTally.subscribe(client.connection(), subject, n)) {
            JobClient job = env.executeAsync(subject);
            try {
                CommonTestUtils.waitForAllTaskRunning(miniCluster, job.getJobID(), false);
                Await.until("records to flow", DEADLINE, () -> tally.distinct() >= 500);
                int subtask;
                NATS.pause();
                try {
                    List<Thread> confirmers =
                            Await.value(
                                    "one writer's round trip waiting for the frozen server, the"
                                            + " other writer's confirmer waiting for its turn",
                                    DEADLINE,
                                    () -> Threads.named("nats-sink-", "#0"),
                                    threads ->
                                            threads.size() == 2
                                                    && threads.stream()
                                                            .anyMatch(
                                                                    NatsSinkConfirmationStallITCase
                                                                            ::inRoundTrip)
                                                    && threads.stream()
                                                            .anyMatch(
                                                                    NatsSinkConfirmationStallITCase
                                                                            ::waitingForTurn));
                    Thread waiting =
                            confirmers.stream()
                                    .filter(NatsSinkConfirmationStallITCase::waitingForTurn)
                                    .findFirst()
                                    .orElseThrow(IllegalStateException::new);
                    subtask = subtaskOf(waiting);
                    LOG.info("Failing subtask {}, whose confirmer {} waits", subtask, waiting);
                    FailOnSignal.fail(subject, subtask);
                    Await.until(
                            "the failed writer to be closed (its confirmer interrupted) or"
                                    + " restarted",
                            DEADLINE,
                            () -> waiting.isInterrupted() || restarted(subtask));
                } finally {
                    NATS.resume();
                }
                Await.until("the failed subtask to run again", DEADLINE, () -> restarted(subtask));
                CommonTestUtils.waitForAllTaskRunning(miniCluster, job.getJobID(), false);
                List<Long> millis = timeCheckpoints(miniCluster, job.getJobID(), 3);
                LOG.info("Checkpoints after the failover took {} ms", millis);
                job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
            } finally {
                cancelIfRunning(job);
            }
            tally.awaitAll(DEADLINE);
        }
    }

    /**
     * The in-flight window (here one batch of 10,000 2-KB records) is larger than the socket
     * buffers and jnats' 5000-message outgoing queue hold. The server freezes while no round trip
     * is outstanding; the first batch fills the queue, and the round trip for it cannot queue its
     * PING. The test lets the server run again as soon as that happened.
     */
    @Test
    void a_ping_refused_by_a_full_outgoing_queue_does_not_stall_checkpoints(
            @InjectMiniCluster MiniCluster miniCluster) throws Exception {
        int n = 60_000;
        String subject = "stall.job.refused";
        StreamExecutionEnvironment env = FlinkEnvironment.create();
        numbers(env, n, 3_000, gate = RecordGate.closed(subject))
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder()
                                                .servers(NATS.url())
                                                .connectionName(subject)
                                                // Also the writer's back-off between failed
                                                // round trips: the retry of the refused one
                                                // comes after the server runs again.
                                                .reconnectWait(Duration.ofSeconds(3))
                                                .build())
                                .setSerializationSchema(padded(2048))
                                .setSubject(subject)
                                .setConfirmTimeout(Duration.ofSeconds(5))
                                .setMaxBatchSize(10_000)
                                .setMaxBatchSizeInBytes(32L * 1024 * 1024)
                                .setMaxTimeInBufferMS(10_000)
                                .build());

        try (LogCapture log = LogCapture.start("io.laminar.flink.connector.nats", Level.DEBUG);
                NumberedRecordTally tally =
                        NumberedRecordTally.subscribe(client.connection(), subject, n)) {
            JobClient job = env.executeAsync(subject);
            try {
                CommonTestUtils.waitForAllTaskRunning(miniCluster, job.getJobID(), false);
                NATS.pause();
                try {
                    gate.open();
                    Await.until(
                            "a confirmation round trip refused by the full outgoing queue",
                            DEADLINE,
                            () -> refusedRoundTrip(log.text()));
                } finally {
                    NATS.resume();
                }
                List<Long> millis = timeCheckpoints(miniCluster, job.getJobID(), 3);
                LOG.info("Checkpoints after the refused PING took {} ms", millis);
                job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
            } finally {
                cancelIfRunning(job);
            }
            tally.awaitAll(DEADLINE);
        }
    }

    /**
     * Triggers {@code count} checkpoints one after the other and returns how long each took; each
     * must complete within {@link #PROMPT_CHECKPOINT} (the first, which waits for what was held
     * while the server was frozen, within twice that).
     */
    private static List<Long> timeCheckpoints(MiniCluster miniCluster, JobID job, int count)
            throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Duration bound = i == 0 ? PROMPT_CHECKPOINT.multipliedBy(2) : PROMPT_CHECKPOINT;
            long started = System.nanoTime();
            try {
                miniCluster.triggerCheckpoint(job).get(bound.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError(
                        "Checkpoint "
                                + (i + 1)
                                + " after the server ran again did not complete within "
                                + bound.toSeconds()
                                + " s (earlier ones took "
                                + millis
                                + " ms)",
                        e);
            }
            millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        }
        return millis;
    }

    private static boolean refusedRoundTrip(String log) {
        for (String line : log.split("\n")) {
            if (line.contains("round trip") && line.contains("Output queue is")) {
                return true;
            }
        }
        return false;
    }

    /** Whether the second attempt of {@code subtask} of the two has its writer. */
    private static boolean restarted(int subtask) {
        return !Threads.named("nats-sink-", "(" + (subtask + 1) + "/2)#1").isEmpty();
    }

    /** A sink writer's confirmer in a round trip: inside jnats' flush. */
    private static boolean inRoundTrip(Thread confirmer) {
        return Threads.isInside(confirmer, "io.nats.client.impl.NatsConnection", "flush");
    }

    /** A sink writer's confirmer blocked on the shared connection's turn for round trips. */
    private static boolean waitingForTurn(Thread confirmer) {
        return confirmer.getState() == Thread.State.BLOCKED
                && Threads.isInside(
                        confirmer,
                        "io.laminar.flink.connector.nats.sink.writer.CorePublisher",
                        "confirm");
    }

    private static final Pattern SUBTASK = Pattern.compile("\\((\\d+)/\\d+\\)#\\d+$");

    /** The subtask index of the writer a confirmer thread belongs to. */
    private static int subtaskOf(Thread confirmer) {
        Matcher m = SUBTASK.matcher(confirmer.getName());
        if (!m.find()) {
            throw new IllegalStateException("no subtask in the thread name " + confirmer.getName());
        }
        return Integer.parseInt(m.group(1)) - 1;
    }

    /** The record, a space, and padding up to {@code bytes}. */
    private static SerializationSchema<String> padded(int bytes) {
        return record -> {
            byte[] number = (record + " ").getBytes(StandardCharsets.UTF_8);
            byte[] payload = Arrays.copyOf(number, Math.max(bytes, number.length));
            Arrays.fill(payload, number.length, payload.length, (byte) 'x');
            return payload;
        };
    }

    private static void cancelIfRunning(JobClient job) throws Exception {
        if (!job.getJobStatus().get(30, TimeUnit.SECONDS).isGloballyTerminalState()) {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    /** Passes records through; the first attempt of a subtask fails once the test signals it. */
    private static final class FailOnSignal extends RichMapFunction<String, String> {
        private static final Map<String, Set<Integer>> SIGNALLED = new ConcurrentHashMap<>();

        private final String name;

        FailOnSignal(String name) {
            this.name = name;
            SIGNALLED.put(name, ConcurrentHashMap.newKeySet());
        }

        static void fail(String name, int subtask) {
            SIGNALLED.get(name).add(subtask);
        }

        @Override
        public String map(String value) {
            TaskInfo task = getRuntimeContext().getTaskInfo();
            if (task.getAttemptNumber() == 0
                    && SIGNALLED
                            .getOrDefault(name, Collections.emptySet())
                            .contains(task.getIndexOfThisSubtask())) {
                throw new IllegalStateException(
                        "Subtask " + task.getIndexOfThisSubtask() + " fails as the test asked.");
            }
            return value;
        }
    }
}
