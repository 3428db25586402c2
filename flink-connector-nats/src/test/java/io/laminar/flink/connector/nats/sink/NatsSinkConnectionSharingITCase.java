package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.FlinkMetrics;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.RecordGate;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;

import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.CommonTestUtils;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.laminar.flink.connector.nats.testutils.NumberSource.numbers;
import static org.assertj.core.api.Assertions.assertThat;

/** Writers of one job in one TaskManager share NATS connections, as many as the pool size. */
class NatsSinkConnectionSharingITCase {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMetrics.miniCluster(METRICS, 4);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.builder().monitoring().build();

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    /** Opened by the test once it has counted the connections; the records wait for it. */
    private RecordGate gate;

    @AfterEach
    void openGate() {
        if (gate != null) {
            gate.close();
        }
    }

    @ParameterizedTest(name = "pool size {0}: {1} connection(s) for 4 writers")
    @CsvSource({"1, 1", "2, 2", "0, 4"})
    void four_writers_share_as_many_connections_as_the_pool_holds(
            int poolSize, int connections, @InjectMiniCluster MiniCluster miniCluster)
            throws Exception {
        int n = 40_000;
        String name = "sharing-" + poolSize;
        String subject = "sharing." + poolSize;
        gate = RecordGate.closed(name);

        StreamExecutionEnvironment env =
                FlinkEnvironment.builder().parallelism(4).checkpointing(500).build();
        numbers(env, n, gate)
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder()
                                                .servers(NATS.url())
                                                .connectionName(name)
                                                .build())
                                .setConnectionPoolSize(poolSize)
                                .setSerializationSchema(new SimpleStringSchema())
                                .setSubject(subject)
                                .build());

        Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        try (Connection subscriber = NATS.connect()) {
            Dispatcher dispatcher =
                    subscriber.createDispatcher(
                            m ->
                                    received.computeIfAbsent(
                                                    new String(m.getData(), StandardCharsets.UTF_8),
                                                    k -> new AtomicInteger())
                                            .incrementAndGet());
            dispatcher.subscribe(subject);
            subscriber.flush(Duration.ofSeconds(5));

            JobClient job = env.executeAsync(name);
            // A task is RUNNING once its operators are open: every writer has its connection.
            CommonTestUtils.waitForAllTaskRunning(miniCluster, job.getJobID(), false);
            Await.value(
                    "the server's count of connections named '" + name + "'",
                    DEADLINE,
                    () -> NATS.connectionsNamed(name),
                    count -> count == connections);
            gate.open();
            Await.until("records to flow", DEADLINE, () -> received.size() >= 1_000 || isDone(job));
            assertThat(NATS.connectionsNamed(name))
                    .as("connections while the writers publish")
                    .isIn(connections, 0);
            job.getJobExecutionResult().get(2, TimeUnit.MINUTES);
            assertThat(FlinkMetrics.sinkCounter(METRICS, job.getJobID(), "numRecordsOut"))
                    .isEqualTo(n);

            Await.value(
                    "all " + n + " records at the subscriber; last value is how many distinct",
                    DEADLINE,
                    received::size,
                    size -> size == n);
            assertThat(received.values()).allMatch(count -> count.get() == 1);
            Await.until(
                    "the last writer to close the shared connection(s)",
                    DEADLINE,
                    () -> NATS.connectionsNamed(name) == 0);
        }
    }

    private static boolean isDone(JobClient job) {
        return job.getJobExecutionResult().isDone();
    }
}
