package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.FlinkMetrics;
import io.laminar.flink.connector.nats.testutils.LogCapture;
import io.laminar.flink.connector.nats.testutils.MessageCollector;
import io.laminar.flink.connector.nats.testutils.NatsClusterExtension;
import io.laminar.flink.connector.nats.testutils.NumberedRecordTally;
import io.laminar.flink.connector.nats.testutils.RecordGate;
import io.laminar.flink.connector.nats.testutils.StreamCapture;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.laminar.flink.connector.nats.testutils.NumberSource.numbers;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sink against a three-node nats-server cluster on loopback: the node it publishes through is
 * killed (SIGKILL) mid-job, and nothing may be lost.
 */
class NatsSinkClusterITCase {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMetrics.miniCluster(METRICS, 2);

    private static final String PASSWORD = "cluster-s3cret";

    /** Clients must log in, so a failover to a discovered node needs the credentials too. */
    @RegisterExtension
    static final NatsClusterExtension CLUSTER = NatsClusterExtension.withUser("flink", PASSWORD);

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    /** Opened by the test once a subscriber is in place; the job's records wait for it. */
    private RecordGate gate;

    /**
     * Every node runs again (a killed one restarted) and the cluster is whole for the next test.
     */
    @AfterEach
    void restoreCluster() {
        if (gate != null) {
            gate.close();
        }
        CLUSTER.start();
    }

    @Test
    void a_killed_node_mid_job_loses_no_record_with_every_node_listed() throws Exception {
        failOverAndCheck("cluster-all-nodes", CLUSTER.urls(), 500_000, 100_000);
    }

    @Test
    void one_seed_url_is_enough_because_the_sink_discovers_the_other_nodes() throws Exception {
        failOverAndCheck("cluster-one-seed", CLUSTER.node(0).url(), 200_000, 50_000);
    }

    /**
     * Runs a checkpointed at-least-once job publishing {@code n} records through {@code servers}
     * (the credentials only as user info in each URL: they must reach discovered nodes too, and the
     * reconnect log line must mask them); kills the node the sink is connected to after {@code
     * killAfter} records have arrived at a subscriber on another node; the job must finish without
     * a restart and every record must arrive.
     */
    private void failOverAndCheck(String name, String servers, int n, int killAfter)
            throws Exception {
        String subject = name + ".data";
        String[] urls =
                Arrays.stream(servers.split(","))
                        .map(url -> url.replace("nats://", "nats://flink:" + PASSWORD + "@"))
                        .toArray(String[]::new);
        gate = RecordGate.closed(name);
        // A failover must not need a job restart: any failure fails the test.
        StreamExecutionEnvironment env =
                FlinkEnvironment.builder().noRestarts().checkpointing(500).build();
        numbers(env, n, 100_000, gate)
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder()
                                                .servers(urls)
                                                .connectionName(name)
                                                .reconnectWait(Duration.ofMillis(250))
                                                .build())
                                .setSerializationSchema(new SimpleStringSchema())
                                .setSubject(subject)
                                .build());

        try (LogCapture log = LogCapture.start("io.laminar.flink.connector.nats", Level.INFO)) {
            JobClient job = env.executeAsync(name);
            int sinkNode =
                    Await.value(
                            "the sink's connection '" + name + "' to show on a node",
                            DEADLINE,
                            () -> CLUSTER.nodeServing(name),
                            node -> node >= 0);
            int subscriberNode = (sinkNode + 1) % CLUSTER.size();
            try (Connection subscriber = CLUSTER.connectTo(subscriberNode);
                    Connection probe = CLUSTER.connectTo(sinkNode);
                    NumberedRecordTally tally =
                            NumberedRecordTally.subscribe(subscriber, subject, n);
                    MessageCollector probes =
                            MessageCollector.subscribe(subscriber, name + ".probe")) {
                awaitInterestCrossesTheRoute(probe, name + ".probe", probes);
                gate.open();

                Await.until(
                        killAfter + " records at the subscriber",
                        DEADLINE,
                        () -> tally.messages() >= killAfter);
                CLUSTER.node(sinkNode).kill();
                job.getJobExecutionResult().get(3, TimeUnit.MINUTES);

                tally.awaitAll(DEADLINE);
                assertThat(tally.malformed()).isZero();
            }
            assertThat(counter(job.getJobID(), "reconnects")).isGreaterThanOrEqualTo(1);
            List<String> reconnects =
                    log.lines().stream()
                            .filter(line -> line.contains("'" + name + "' reconnected"))
                            .collect(Collectors.toList());
            assertThat(reconnects)
                    .as("one INFO line for the reconnect, naming the new server")
                    .hasSize(1);
            // The new server: another node, listed (user info masked) or discovered (none).
            String survivorPorts =
                    CLUSTER.urlsExcept(sinkNode).stream()
                            .map(url -> url.substring(url.lastIndexOf(':') + 1))
                            .collect(Collectors.joining("|"));
            assertThat(reconnects.get(0))
                    .startsWith("INFO ")
                    .matches(
                            ".* reconnected to server nats://(\\*+@)?127\\.0\\.0\\.1:("
                                    + survivorPorts
                                    + ")\\.")
                    .doesNotContain(PASSWORD);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = DeliveryGuarantee.class,
            names = {"AT_LEAST_ONCE", "EXACTLY_ONCE"})
    void killing_the_stream_leader_mid_job_loses_nothing(DeliveryGuarantee guarantee)
            throws Exception {
        int n = 30_000;
        String stream = "CLUSTER_R3_" + guarantee.name();
        String subject = "cluster.js." + guarantee.name();
        try (Connection admin = CLUSTER.connectTo(0)) {
            JetStreamManagement jsm = admin.jetStreamManagement();
            jsm.addStream(
                    StreamConfiguration.builder()
                            .name(stream)
                            .subjects(subject)
                            .storageType(StorageType.File)
                            .replicas(3)
                            .build());
            int leader = leaderOf(jsm, stream);
            gate = RecordGate.closed(stream);
            gate.open();
            // The election must not need a job restart either.
            StreamExecutionEnvironment env =
                    FlinkEnvironment.builder().noRestarts().checkpointing(500).build();
            numbers(env, n, 5_000, gate)
                    .sinkTo(
                            NatsSink.<String>builder()
                                    .setConnectionSettings(
                                            ConnectionSettings.builder()
                                                    .servers(CLUSTER.urls().split(","))
                                                    .userInfo("flink", PASSWORD)
                                                    .reconnectWait(Duration.ofMillis(250))
                                                    .build())
                                    .setDeliveryGuarantee(guarantee)
                                    .setJetStream(
                                            JetStreamSettings.builder()
                                                    .expectedStream(stream)
                                                    .ackTimeout(Duration.ofSeconds(2))
                                                    .build())
                                    .setMessageSerializer(
                                            v ->
                                                    NatsMessage.builder(
                                                                    subject,
                                                                    v.getBytes(
                                                                            StandardCharsets.UTF_8))
                                                            .messageId(v)
                                                            .build())
                                    .build());
            JobClient job = env.executeAsync("leader kill " + guarantee);

            // Watch from a node that survives; the admin connection may be on the leader.
            try (Connection watcher = CLUSTER.connectTo((leader + 1) % CLUSTER.size())) {
                Await.until(
                        "the stream to hold 5000 records",
                        DEADLINE,
                        () -> StreamCapture.messageCount(watcher, stream) >= 5_000);
                CLUSTER.node(leader).kill();
                job.getJobExecutionResult().get(3, TimeUnit.MINUTES);

                JetStreamManagement survivor = watcher.jetStreamManagement();
                int newLeader = leaderOf(survivor, stream);
                assertThat(newLeader).isNotEqualTo(leader);
                List<String> payloads = StreamCapture.readAllPayloadsAsStrings(watcher, stream);
                BitSet seen = new BitSet(n);
                payloads.forEach(p -> seen.set(Integer.parseInt(p)));
                assertThat(missing(seen, n)).as("records missing after the leader died").isEmpty();
                if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
                    assertThat(payloads).hasSize(n);
                } else {
                    assertThat(payloads.size()).isGreaterThanOrEqualTo(n);
                }
                assertThat(counter(job.getJobID(), "acks")).isGreaterThanOrEqualTo(n);
                assertThat(counter(job.getJobID(), "retries"))
                        .as("publishes retried across the leader election")
                        .isPositive();
                survivor.deleteStream(stream);
            }
        }
    }

    // ------------------------------------------------------------------------------------------

    /**
     * Publishes probes on the sink's node until the subscriber on another node gets one: its
     * subscriptions, made in order on one connection, are then known across the route before the
     * job's records flow.
     */
    private static void awaitInterestCrossesTheRoute(
            Connection probe, String probeSubject, MessageCollector probes) {
        Await.until(
                "a probe from the sink's node to reach the subscriber",
                DEADLINE,
                () -> {
                    probe.publish(probeSubject, new byte[0]);
                    return probes.count() > 0;
                });
    }

    private static List<Integer> missing(BitSet seen, int n) {
        List<Integer> missing = new ArrayList<>();
        for (int i = seen.nextClearBit(0);
                i < n && missing.size() < 20;
                i = seen.nextClearBit(i + 1)) {
            missing.add(i);
        }
        return missing;
    }

    private static int leaderOf(JetStreamManagement jsm, String stream) {
        String name =
                Await.value(
                        "stream " + stream + " to have a leader",
                        DEADLINE,
                        () -> {
                            try {
                                return jsm.getStreamInfo(stream).getClusterInfo().getLeader();
                            } catch (Exception e) {
                                return null;
                            }
                        },
                        leader -> leader != null && !leader.isEmpty());
        return CLUSTER.indexOfServerName(name);
    }

    private static long counter(JobID job, String name) {
        return FlinkMetrics.sinkCounter(METRICS, job, name);
    }
}
