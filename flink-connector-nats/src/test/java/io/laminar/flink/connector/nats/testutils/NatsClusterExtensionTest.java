package io.laminar.flink.connector.nats.testutils;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The cluster harness itself: routes, node lookup, kill and restart, replicated streams. */
class NatsClusterExtensionTest {

    @RegisterExtension static final NatsClusterExtension CLUSTER = new NatsClusterExtension();

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void a_message_published_on_one_node_reaches_a_subscriber_on_another() throws Exception {
        try (Connection publisher = CLUSTER.connectTo(0);
                Connection subscriber = CLUSTER.connectTo(2);
                MessageCollector collector = MessageCollector.subscribe(subscriber, "h.routed")) {
            assertThat(CLUSTER.nodeOf(publisher)).isZero();
            assertThat(CLUSTER.nodeOf(subscriber)).isEqualTo(2);
            // Interest crosses the route asynchronously: publish until one arrives.
            Await.until(
                    "a message from n1 to reach a subscriber on n3",
                    DEADLINE,
                    () -> {
                        publisher.publish("h.routed", "x".getBytes(StandardCharsets.UTF_8));
                        return collector.count() > 0;
                    });
            assertThat(collector.payloadsAsStrings()).allMatch("x"::equals);
        }
    }

    @Test
    void the_node_serving_a_named_connection_is_found_and_a_killed_node_comes_back()
            throws Exception {
        try (Connection client =
                CLUSTER.node(1)
                        .connect(
                                CLUSTER.optionsBuilder()
                                        .noRandomize()
                                        .connectionName("harness-probe"))) {
            assertThat(CLUSTER.nodeOf(client)).isZero();
            Await.until(
                    "n1's /connz to list harness-probe",
                    DEADLINE,
                    () -> CLUSTER.nodeServing("harness-probe") == 0);

            long pid = CLUSTER.node(0).pid();
            CLUSTER.node(0).kill();
            assertThat(CLUSTER.node(0).isRunning()).isFalse();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

            Await.until(
                    "the client to fail over to another node",
                    DEADLINE,
                    () ->
                            client.getStatus() == Connection.Status.CONNECTED
                                    && CLUSTER.nodeOf(client) != 0);
            int now = CLUSTER.nodeOf(client);
            Await.until(
                    "/connz of " + NatsClusterExtension.serverName(now) + " to list the client",
                    DEADLINE,
                    () -> CLUSTER.nodeServing("harness-probe") == now);
        } finally {
            CLUSTER.start();
        }
        assertThat(CLUSTER.node(0).isRunning()).isTrue();
    }

    @Test
    void a_replicated_stream_reports_its_leader_as_a_node_name() throws Exception {
        try (Connection client = CLUSTER.connectTo(0)) {
            JetStreamManagement jsm = client.jetStreamManagement();
            StreamInfo info =
                    jsm.addStream(
                            StreamConfiguration.builder()
                                    .name("HARNESS_R3")
                                    .subjects("h.r3")
                                    .storageType(StorageType.File)
                                    .replicas(3)
                                    .build());
            try {
                String leader =
                        Await.value(
                                "HARNESS_R3 to elect a leader",
                                DEADLINE,
                                () -> leaderOf(jsm, "HARNESS_R3"),
                                name -> name != null && !name.isEmpty());
                assertThat(CLUSTER.indexOfServerName(leader)).isBetween(0, 2);
                assertThat(info.getConfiguration().getReplicas()).isEqualTo(3);
            } finally {
                jsm.deleteStream("HARNESS_R3");
            }
        }
    }

    private static String leaderOf(JetStreamManagement jsm, String stream) {
        try {
            return jsm.getStreamInfo(stream).getClusterInfo().getLeader();
        } catch (Exception e) {
            return null;
        }
    }
}
