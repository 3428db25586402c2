package io.laminar.flink.connector.nats.testutils;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Message;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests of {@link NatsServerExtension} and the helpers that go with it. */
class NatsServerExtensionTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @RegisterExtension static final NatsServerExtension NATS = new NatsServerExtension();

    @RegisterExtension
    static final NatsServerExtension SECURED =
            NatsServerExtension.builder()
                    .config("authorization { token: s3cret }")
                    .jetStream(false)
                    .build();

    @Test
    void publishedMessageIsCollectedWithPayloadAndHeader() throws Exception {
        assertThat(NATS.isRunning()).isTrue();
        assertThat(NATS.url()).isEqualTo("nats://127.0.0.1:" + NATS.port());
        assertThat(NATS.pid()).isPositive();
        try (Connection conn = NATS.connect();
                MessageCollector collector = MessageCollector.subscribe(conn, "basic.>")) {
            Headers headers = new Headers().add("x-test", "one");
            conn.publish("basic.a", headers, "héllo".getBytes(StandardCharsets.UTF_8));
            conn.publish("other.a", "ignored".getBytes(StandardCharsets.UTF_8));
            conn.flush(Duration.ofSeconds(5));

            List<Message> messages = collector.awaitCount(1, DEADLINE);

            assertThat(messages).hasSize(1);
            Message message = messages.get(0);
            assertThat(message.getSubject()).isEqualTo("basic.a");
            assertThat(new String(message.getData(), StandardCharsets.UTF_8)).isEqualTo("héllo");
            assertThat(message.getHeaders().getFirst("x-test")).isEqualTo("one");
            assertThat(collector.payloadsAsStrings()).containsExactly("héllo");
            assertThat(collector.count()).isEqualTo(1);
        }
    }

    @Test
    void stopRefusesConnectionsAndStartReusesPortSoClientsReconnect() throws Exception {
        int port = NATS.port();
        long firstPid = NATS.pid();
        try (Connection conn = NATS.connect();
                MessageCollector collector = MessageCollector.subscribe(conn, "restart.*")) {
            conn.publish("restart.before", "before".getBytes(StandardCharsets.UTF_8));
            collector.awaitCount(1, DEADLINE);

            NATS.stop();

            assertThat(NATS.isRunning()).isFalse();
            assertThat(Loopback.acceptsConnections(port)).isFalse();
            Await.until(
                    "client to notice the disconnect",
                    DEADLINE,
                    () -> conn.getStatus() != Connection.Status.CONNECTED);

            NATS.start();

            assertThat(NATS.isRunning()).isTrue();
            assertThat(NATS.port()).isEqualTo(port);
            assertThat(NATS.pid()).isNotEqualTo(firstPid);
            assertThat(Loopback.acceptsConnections(port)).isTrue();
            Await.until(
                    "client to reconnect",
                    DEADLINE,
                    () -> conn.getStatus() == Connection.Status.CONNECTED);
            conn.flush(Duration.ofSeconds(5));

            conn.publish("restart.after", "after".getBytes(StandardCharsets.UTF_8));
            collector.awaitCount(2, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("before", "after");
        }
    }

    @Test
    void pauseFreezesTheServerUntilResumedAndAPausedServerStillStops() throws Exception {
        try (Connection conn = NATS.connect();
                NumberedRecordTally tally = NumberedRecordTally.subscribe(conn, "paused", 3)) {
            conn.publish("paused", "0.".getBytes(StandardCharsets.UTF_8));
            conn.flush(Duration.ofSeconds(5));

            NATS.pause();
            try {
                assertThat(NATS.isPaused()).isTrue();
                assertThat(NATS.isRunning()).isTrue();
                conn.publish("paused", "2.".getBytes(StandardCharsets.UTF_8));
                assertThatThrownBy(() -> conn.flush(Duration.ofMillis(500)))
                        .isInstanceOf(TimeoutException.class);
                assertThat(tally.messages()).isEqualTo(1);
            } finally {
                NATS.resume();
            }

            assertThat(NATS.isPaused()).isFalse();
            conn.publish("paused", "2".getBytes(StandardCharsets.UTF_8));
            conn.publish("paused", "x".getBytes(StandardCharsets.UTF_8));
            conn.flush(Duration.ofSeconds(5));
            Await.until("4 messages", DEADLINE, () -> tally.messages() == 4);
            assertThat(tally.distinct()).isEqualTo(2);
            assertThat(tally.malformed()).isEqualTo(1);
            assertThat(tally.firstMissing(5)).isEqualTo("[1]");
        }

        NATS.pause();
        NATS.stop();
        assertThat(NATS.isRunning()).isFalse();
        assertThat(NATS.isPaused()).isFalse();
        NATS.start();
        assertThat(NATS.isRunning()).isTrue();
    }

    @Test
    void fileStreamSurvivesRestart() throws Exception {
        String stream = "SURVIVOR";
        try (Connection conn = NATS.connect()) {
            StreamCapture.createFileStream(conn, stream, "survivor.>");
            JetStream js = conn.jetStream();
            for (int i = 0; i < 3; i++) {
                Headers headers = new Headers().add("idx", String.valueOf(i));
                PublishAck ack =
                        js.publish(
                                "survivor." + i,
                                headers,
                                ("m" + i).getBytes(StandardCharsets.UTF_8));
                assertThat(ack.getSeqno()).isEqualTo(i + 1L);
            }
            assertThat(StreamCapture.messageCount(conn, stream)).isEqualTo(3);
        }

        NATS.restart();

        try (Connection conn = NATS.connect()) {
            assertThat(StreamCapture.messageCount(conn, stream)).isEqualTo(3);
            List<MessageInfo> stored = StreamCapture.readAll(conn, stream);
            assertThat(stored).extracting(MessageInfo::getSeq).containsExactly(1L, 2L, 3L);
            assertThat(stored)
                    .extracting(MessageInfo::getSubject)
                    .containsExactly("survivor.0", "survivor.1", "survivor.2");
            assertThat(stored)
                    .extracting(info -> info.getHeaders().getFirst("idx"))
                    .containsExactly("0", "1", "2");
            assertThat(StreamCapture.readAllPayloadsAsStrings(conn, stream))
                    .containsExactly("m0", "m1", "m2");

            StreamCapture.deleteStream(conn, stream);
            assertThatThrownBy(() -> StreamCapture.messageCount(conn, stream))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(stream);
        }
    }

    @Test
    void memoryStreamCanBeCreatedAndRead() throws Exception {
        String stream = "VOLATILE";
        try (Connection conn = NATS.connect()) {
            StreamCapture.createMemoryStream(conn, stream, "volatile.*");
            conn.jetStream().publish("volatile.x", "v".getBytes(StandardCharsets.UTF_8));
            assertThat(StreamCapture.readAllPayloadsAsStrings(conn, stream)).containsExactly("v");
            StreamCapture.deleteStream(conn, stream);
        }
    }

    @Test
    void maxPayloadIsApplied() {
        try (NatsServerExtension small = NatsServerExtension.builder().maxPayload(1024).build()) {
            small.start();
            assertThat(small.port()).isNotEqualTo(NATS.port());
            try (Connection conn = small.connect()) {
                assertThat(conn.getServerInfo().getMaxPayload()).isEqualTo(1024);
                assertThatThrownBy(() -> conn.publish("too.big", new byte[1025]))
                        .isInstanceOf(IllegalArgumentException.class);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            small.stop();
            assertThat(small.isRunning()).isFalse();
        }
    }

    @Test
    void configIsAppliedSoTokenIsRequired() throws Exception {
        assertThatThrownBy(
                        () ->
                                SECURED.connect(
                                        SECURED.optionsBuilder()
                                                .connectionTimeout(Duration.ofMillis(500))))
                .hasMessageContaining("Authorization");
        try (Connection conn = SECURED.connect(SECURED.optionsBuilder().token("s3cret"))) {
            assertThat(conn.getServerInfo().isAuthRequired()).isTrue();
            assertThat(conn.getServerInfo().isJetStreamAvailable()).isFalse();
        }
    }

    @Test
    void awaitReportsTimeout() {
        assertThatThrownBy(() -> Await.until("never", Duration.ofMillis(50), () -> false))
                .isInstanceOf(AssertionError.class)
                .hasMessage("Timed out after 50 ms waiting for: never");
        assertThat(Await.value("three", Duration.ofSeconds(1), () -> 3, v -> v == 3)).isEqualTo(3);
    }
}
