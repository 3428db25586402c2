package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.FlinkMetrics;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.StreamCapture;

import io.nats.client.Options;
import io.nats.client.api.MessageInfo;

import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.laminar.flink.connector.nats.testutils.NumberSource.numbers;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JetStream ack timeout is what decides when an acknowledgement is given up, also above jnats'
 * own request lifetime: a server that stalls for less than the ack timeout delays the acks, and
 * nothing is published again.
 */
class NatsSinkJetStreamAckTimeoutITCase {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMetrics.miniCluster(METRICS, 1);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.builder().monitoring().build();

    @RegisterExtension
    final NatsClientExtension client = NatsClientExtension.of(NATS).deletingStreamsAfterEach();

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private static final String STREAM = "JS_SLOW_ACKS";
    private static final String SUBJECT = "js.slow.acks";
    private static final String CONNECTION_NAME = "ack-timeout-sink";
    private static final int RECORDS = 30_000;

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration PAUSE = Duration.ofSeconds(8);

    /**
     * jnats times a request out after its request cleanup interval (5 s by default) and cancels it
     * at the next run of its cleanup timer, which runs at that interval from the moment it
     * connected. The pause starts 3.5 s after a run, so that with jnats' default the runs come 1.5
     * s and 6.5 s into it, and the second finds every publish sent just before and during the pause
     * older than 5 s and cancels it, whatever the phase of the job's batches.
     */
    private static final Duration PAUSE_AFTER_CLEANUP = Duration.ofMillis(3_500);

    @Test
    void a_server_stalled_for_less_than_the_ack_timeout_delays_the_acks_and_nothing_is_republished()
            throws Exception {
        StreamCapture.createFileStream(client.connection(), STREAM, SUBJECT);
        StreamExecutionEnvironment env =
                FlinkEnvironment.builder().parallelism(1).noRestarts().build();
        numbers(env, RECORDS, 2_000)
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder()
                                                .servers(NATS.url())
                                                .connectionName(CONNECTION_NAME)
                                                .build())
                                .setJetStream(
                                        JetStreamSettings.builder()
                                                .ackTimeout(ACK_TIMEOUT)
                                                // Fewer publishes waiting than jnats' outgoing
                                                // queue holds (5,000), so none is refused.
                                                .maxPendingAcks(1_000)
                                                .build())
                                .setMessageSerializer(
                                        v ->
                                                NatsMessage.builder(
                                                                SUBJECT,
                                                                v.getBytes(StandardCharsets.UTF_8))
                                                        .messageId(v)
                                                        .build())
                                .build());
        JobClient job = env.executeAsync("jetstream slow acks");

        Await.until(
                "the stream holds 2000 records",
                DEADLINE,
                () -> StreamCapture.messageCount(client.connection(), STREAM) >= 2_000);
        Instant connected = NATS.connectedAt(CONNECTION_NAME);
        assertThat(connected).as("the sink's connection on the server").isNotNull();
        Instant pauseAt = nextCleanupRun(connected, Instant.now()).plus(PAUSE_AFTER_CLEANUP);
        Await.until(
                "3.5 s after a run of jnats' default cleanup timer",
                Options.DEFAULT_REQUEST_CLEANUP_INTERVAL.plus(PAUSE_AFTER_CLEANUP),
                () -> !Instant.now().isBefore(pauseAt));
        NATS.pause();
        try {
            long pausedAt = System.nanoTime();
            Await.until(
                    "a stall of " + PAUSE.toSeconds() + " s",
                    PAUSE.plusSeconds(5),
                    () -> System.nanoTime() - pausedAt >= PAUSE.toNanos());
        } finally {
            NATS.resume();
        }
        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);

        List<MessageInfo> stored = StreamCapture.readAll(client.connection(), STREAM);
        Set<String> ids = new HashSet<>();
        for (MessageInfo m : stored) {
            ids.add(m.getHeaders().getFirst("Nats-Msg-Id"));
        }
        assertThat(ids).as("distinct message ids in the stream").hasSize(RECORDS);
        assertThat(stored).as("messages in the stream").hasSize(RECORDS);
        JobID id = job.getJobID();
        assertThat(counter(id, "retries")).as("records published again").isZero();
        assertThat(counter(id, "duplicates")).as("acks for a message id stored before").isZero();
        assertThat(counter(id, "acks")).as("acks").isEqualTo(RECORDS);
    }

    /** The first run at or after {@code now} of a cleanup timer started at {@code connected}. */
    private static Instant nextCleanupRun(Instant connected, Instant now) {
        long period = Options.DEFAULT_REQUEST_CLEANUP_INTERVAL.toNanos();
        long sinceConnect = Duration.between(connected, now).toNanos();
        long runs = (sinceConnect + period - 1) / period;
        return connected.plusNanos(runs * period);
    }

    private static long counter(JobID job, String name) {
        return FlinkMetrics.sinkCounter(METRICS, job, name);
    }
}
