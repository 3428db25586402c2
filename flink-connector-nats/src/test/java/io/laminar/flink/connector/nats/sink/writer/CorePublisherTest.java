package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.connection.RoundTrips;
import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsSinkException;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.Threads;

import io.nats.client.Connection;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.metrics.SimpleCounter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static io.laminar.flink.connector.nats.sink.writer.FakeConnection.PONG;
import static io.laminar.flink.connector.nats.sink.writer.FakeConnection.REFUSED;
import static io.laminar.flink.connector.nats.sink.writer.FakeConnection.TIMEOUT;
import static io.laminar.flink.connector.nats.sink.writer.FakeConnection.UNCOUNTED;
import static org.apache.flink.connector.base.DeliveryGuarantee.AT_LEAST_ONCE;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link CorePublisher} against a {@link FakeConnection}: no server, no Flink cluster. */
class CorePublisherTest {

    private final FakeConnection fake = new FakeConnection();
    private final RecordingResult result = new RecordingResult();
    private CorePublisher publisher;

    @AfterEach
    void close() {
        if (publisher != null) {
            publisher.close();
        }
    }

    private CorePublisher publisher(DeliveryGuarantee guarantee, DeadLetters deadLetters) {
        publisher = new CorePublisher(fake.context(guarantee, null, deadLetters));
        return publisher;
    }

    private CorePublisher atLeastOnce() {
        return publisher(DeliveryGuarantee.AT_LEAST_ONCE, null);
    }

    private static NatsMessage message(String subject) {
        return NatsMessage.of(subject, subject.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> subjects(List<FakeConnection.Sent> sent) {
        return sent.stream().map(s -> s.subject).collect(Collectors.toList());
    }

    /** Waits until round trip {@code n} has started, and asserts the batch was not settled. */
    private void awaitRoundTripUnsettled(int n) {
        Await.until(
                "round trip " + n + " to start, or the batch to be settled",
                FakeConnection.DEADLINE,
                () -> fake.flushesStarted() >= n || !result.outcomes().isEmpty());
        result.assertUnsettled();
    }

    @Test
    void entries_are_published_in_batch_order() {
        NatsMessage plain = message("orders.1");
        NatsMessage withHeaders =
                NatsMessage.builder("orders.2", "two".getBytes(StandardCharsets.UTF_8))
                        .header("x-kind", "order")
                        .messageId("id-2")
                        .build();
        NatsMessage withReplyTo =
                NatsMessage.builder("orders.3", "three".getBytes(StandardCharsets.UTF_8))
                        .replyTo("replies.3")
                        .build();
        NatsMessage nextBatch = message("orders.4");

        atLeastOnce().publish(Arrays.asList(plain, withHeaders, withReplyTo), result);
        RecordingResult second = new RecordingResult();
        publisher.publish(Arrays.asList(nextBatch), second);

        List<FakeConnection.Sent> sent = fake.sent();
        assertThat(subjects(sent)).containsExactly("orders.1", "orders.2", "orders.3", "orders.4");
        assertThat(sent.get(0).payload).isEqualTo(plain.getPayload());
        assertThat(sent.get(0).headers).isNull();
        assertThat(sent.get(1).payload).isEqualTo("two".getBytes(StandardCharsets.UTF_8));
        assertThat(sent.get(1).headers.getFirst("x-kind")).isEqualTo("order");
        assertThat(sent.get(1).headers.getFirst(NatsMessage.MSG_ID_HEADER)).isEqualTo("id-2");
        assertThat(sent.get(2).replyTo).isEqualTo("replies.3");
        assertThat(sent.get(2).payload).isEqualTo("three".getBytes(StandardCharsets.UTF_8));

        // One round trip confirms what was published before it, so one or two confirm both.
        fake.answerFlush(PONG);
        fake.answerFlush(PONG);
        result.awaitComplete();
        second.awaitComplete();
    }

    @Test
    void a_batch_completes_only_after_a_counted_round_trip() {
        List<NatsMessage> batch = Arrays.asList(message("a"), message("b"));

        atLeastOnce().publish(batch, result);
        awaitRoundTripUnsettled(1);

        assertThat(subjects(fake.sent())).containsExactly("a", "b");

        fake.answerFlush(PONG);
        result.awaitComplete();
        assertThat(fake.flushesStarted()).isEqualTo(1);
    }

    @Test
    void
            a_failed_or_uncounted_round_trip_on_the_same_connection_is_tried_again_without_republishing() {
        List<NatsMessage> batch = Arrays.asList(message("a"), message("b"), message("c"));
        atLeastOnce().publish(batch, result);

        awaitRoundTripUnsettled(1);
        fake.answerFlush(TIMEOUT);
        awaitRoundTripUnsettled(2);

        fake.answerFlush(UNCOUNTED);
        awaitRoundTripUnsettled(3);

        // Counted, but the connection is down by the time the flush returns.
        fake.answerFlush(
                c -> {
                    PONG.answer(c);
                    c.setStatus(Connection.Status.RECONNECTING);
                });
        awaitRoundTripUnsettled(4);

        fake.answerFlush(
                c -> {
                    c.setStatus(Connection.Status.CONNECTED);
                    PONG.answer(c);
                });
        result.awaitComplete();
        assertThat(subjects(fake.sent())).containsExactly("a", "b", "c");
        assertThat(fake.flushesStarted()).isEqualTo(4);
        // One timed-out round trip on a socket, and then none on that socket: no reconnect.
        assertThat(fake.forcedReconnects()).isZero();
    }

    @Test
    void a_refused_ping_then_a_timed_out_round_trip_make_jnats_reconnect_and_the_batch_go_again() {
        List<NatsMessage> batch = Arrays.asList(message("a"), message("b"));
        atLeastOnce().publish(batch, result);

        awaitRoundTripUnsettled(1);
        // jnats could not queue the PING; its waiter stays and takes the next PONG.
        fake.answerFlush(REFUSED);
        awaitRoundTripUnsettled(2);
        assertThat(fake.forcedReconnects()).isZero();
        fake.answerFlush(TIMEOUT);
        assertThat(awaitRetryAfterReconnect()).containsExactlyElementsOf(batch);
        assertThat(fake.forcedReconnects()).isEqualTo(1);
    }

    @Test
    void two_timed_out_round_trips_in_a_row_on_one_socket_make_jnats_reconnect_once() {
        List<NatsMessage> batch = Arrays.asList(message("a"));
        atLeastOnce().publish(batch, result);

        awaitRoundTripUnsettled(1);
        fake.answerFlush(TIMEOUT);
        awaitRoundTripUnsettled(2);
        assertThat(fake.forcedReconnects()).isZero();
        fake.answerFlush(TIMEOUT);
        List<NatsMessage> again = awaitRetryAfterReconnect();
        assertThat(again).containsExactlyElementsOf(batch);

        // Published again; one round trip on the new socket times out: no second reconnect.
        RecordingResult secondTry = new RecordingResult();
        int roundTrips = fake.flushesStarted();
        publisher.publish(again, secondTry);
        awaitRoundTripsStarted(roundTrips + 1);
        fake.answerFlush(TIMEOUT);
        awaitRoundTripsStarted(roundTrips + 2);
        fake.answerFlush(PONG);
        secondTry.awaitComplete();
        assertThat(fake.forcedReconnects()).isEqualTo(1);
    }

    /**
     * Waits for the publisher to have jnats reconnect after round trip 2, then for the batch to be
     * handed back: at the end of round trip 2, or else of round trip 3, which gets a PONG but is
     * too late for a batch published on the old socket.
     */
    private List<NatsMessage> awaitRetryAfterReconnect() {
        Await.until("a reconnect", FakeConnection.DEADLINE, () -> fake.forcedReconnects() == 1);
        Await.until(
                "the batch to be handed back, or round trip 3",
                FakeConnection.DEADLINE,
                () -> !result.outcomes().isEmpty() || fake.flushesStarted() >= 3);
        if (result.outcomes().isEmpty()) {
            fake.answerFlush(PONG);
        }
        return result.awaitRetry();
    }

    private void awaitRoundTripsStarted(int n) {
        Await.until(
                "round trip " + n + " to start",
                FakeConnection.DEADLINE,
                () -> fake.flushesStarted() >= n);
    }

    @Test
    void a_publisher_closed_while_waiting_for_its_turn_starts_no_round_trip() throws Exception {
        atLeastOnce().publish(Arrays.asList(message("a")), result);
        awaitRoundTripUnsettled(1);

        // A second writer on the same connection; its confirmer waits for the first's round trip.
        List<Thread> others = Threads.named("fake-publisher");
        CorePublisher second = new CorePublisher(fake.context(AT_LEAST_ONCE, null, null));
        Thread confirmer =
                Threads.named("fake-publisher").stream()
                        .filter(t -> !others.contains(t))
                        .findFirst()
                        .orElseThrow(IllegalStateException::new);
        RecordingResult secondResult = new RecordingResult();
        second.publish(Arrays.asList(message("b")), secondResult);
        Await.until(
                "the second confirmer to wait for its turn",
                FakeConnection.DEADLINE,
                () ->
                        confirmer.getState() == Thread.State.BLOCKED
                                && Threads.isInside(confirmer, RoundTrips.class.getName(), "run"));
        Thread closer = new Thread(second::close, "closing the second publisher");
        closer.start();
        Await.until(
                "close() to wait for the confirmer",
                FakeConnection.DEADLINE,
                () -> Threads.isInside(closer, Thread.class.getName(), "join"));

        fake.answerFlush(PONG);
        result.awaitComplete();
        Await.until(
                "the second confirmer to end", FakeConnection.DEADLINE, () -> !confirmer.isAlive());
        Await.until("close() to return", FakeConnection.DEADLINE, () -> !closer.isAlive());

        assertThat(fake.flushesStarted()).as("round trips started").isEqualTo(1);
        secondResult.assertUnsettled();
    }

    @ParameterizedTest
    @ValueSource(strings = {"reconnect counted", "new client id", "other server"})
    void a_confirmation_that_spans_a_reconnect_hands_the_whole_batch_back(String reconnect) {
        List<NatsMessage> batch = Arrays.asList(message("a"), message("b"), message("c"));
        atLeastOnce().publish(batch, result);
        awaitRoundTripUnsettled(1);

        switch (reconnect) {
            case "reconnect counted":
                fake.reconnect();
                break;
            case "new client id":
                fake.newSocket();
                break;
            default:
                fake.otherServer();
                break;
        }
        fake.answerFlush(PONG);

        assertThat(result.awaitRetry()).containsExactlyElementsOf(batch);
        assertThat(subjects(fake.sent())).containsExactly("a", "b", "c");
    }

    @Test
    void a_publish_refused_with_illegal_state_hands_the_rest_back_after_the_round_trip() {
        fake.refusePublishesTo("c", new IllegalStateException("Output queue is full 5000"));
        NatsMessage a = message("a");
        NatsMessage b = message("b");
        NatsMessage c = message("c");
        NatsMessage d = message("d");

        atLeastOnce().publish(Arrays.asList(a, b, c, d), result);
        assertThat(subjects(fake.sent())).containsExactly("a", "b");

        awaitRoundTripUnsettled(1);
        fake.answerFlush(PONG);

        assertThat(result.awaitRetry()).containsExactly(c, d);
    }

    @Test
    void a_payload_over_max_payload_fails_the_batch_naming_subject_and_max_payload() {
        fake.setMaxPayload(1024);
        NatsMessage big = NatsMessage.of("orders.big", new byte[2000]);

        atLeastOnce().publish(Arrays.asList(message("a"), big, message("c")), result);

        Exception failure = result.awaitFailure();
        assertThat(failure)
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining("Cannot publish to subject 'orders.big'")
                .hasMessageContaining("max_payload")
                .hasMessageContaining("2000 vs 1024");
        assertThat(subjects(fake.sent())).containsExactly("a");
        assertThat(fake.flushesStarted()).isZero();
    }

    @Test
    void with_a_dead_letter_subject_a_payload_over_max_payload_is_dead_lettered() {
        fake.setMaxPayload(1024);
        SimpleCounter deadLettered = new SimpleCounter();
        NatsMessage big = NatsMessage.of("orders.big", new byte[2000]);

        publisher(DeliveryGuarantee.AT_LEAST_ONCE, new DeadLetters("dead", deadLettered))
                .publish(Arrays.asList(message("a"), big, message("c")), result);

        List<FakeConnection.Sent> sent = fake.sent();
        assertThat(subjects(sent)).containsExactly("a", "dead", "c");
        FakeConnection.Sent letter = sent.get(1);
        assertThat(letter.headers.getFirst(DeadLetters.ORIGINAL_SUBJECT_HEADER))
                .isEqualTo("orders.big");
        assertThat(letter.headers.getFirst(DeadLetters.ERROR_HEADER)).contains("max_payload");
        assertThat(letter.headers.getFirst(DeadLetters.TRUNCATED_FROM_HEADER)).isEqualTo("2000");
        assertThat(letter.payload.length).isLessThan(1024);
        assertThat(deadLettered.getCount()).isEqualTo(1);

        fake.answerFlush(PONG);
        result.awaitComplete();
    }

    @Test
    void a_closed_connection_fails_the_batch() {
        fake.setStatus(Connection.Status.CLOSED);

        atLeastOnce().publish(Arrays.asList(message("a")), result);

        assertThat(result.awaitFailure())
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining(
                        "The NATS connection to servers [" + FakeConnection.SERVER_URL + "]")
                .hasMessageContaining("is closed");
        assertThat(fake.sent()).isEmpty();
        assertThat(fake.flushesStarted()).isZero();
    }

    @Test
    void a_connection_closed_during_the_round_trip_fails_the_batch() {
        atLeastOnce().publish(Arrays.asList(message("a"), message("b")), result);
        awaitRoundTripUnsettled(1);

        fake.answerFlush(
                c -> {
                    c.setStatus(Connection.Status.CLOSED);
                    throw new IllegalStateException("Connection is Closed");
                });

        assertThat(result.awaitFailure())
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void a_permission_violation_reported_since_the_publish_fails_the_batch() {
        atLeastOnce().publish(Arrays.asList(message("orders.secret")), result);
        awaitRoundTripUnsettled(1);

        fake.serverError("Permissions Violation for Publish to \"orders.secret\"");
        fake.answerFlush(PONG);

        assertThat(result.awaitFailure())
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining("refused a publish")
                .hasMessageContaining("Permissions Violation for Publish to \"orders.secret\"");
    }

    @Test
    void delivery_guarantee_none_completes_without_a_round_trip() {
        publisher(DeliveryGuarantee.NONE, null)
                .publish(Arrays.asList(message("a"), message("b")), result);

        // Completed before publish returned, on the calling thread.
        assertThat(result.outcomes()).hasSize(1);
        assertThat(result.outcomes().get(0).completed).isTrue();
        assertThat(subjects(fake.sent())).containsExactly("a", "b");
        assertThat(fake.flushesStarted()).isZero();
    }
}
