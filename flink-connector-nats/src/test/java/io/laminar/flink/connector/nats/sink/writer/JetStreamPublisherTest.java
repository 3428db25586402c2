package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.JetStreamSettings;
import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsSinkException;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ApiResponse;
import io.nats.client.support.JsonParser;

import org.apache.flink.connector.base.DeliveryGuarantee;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class JetStreamPublisherTest {

    private final FakeConnection fake = new FakeConnection();
    private final RecordingResult result = new RecordingResult();
    private JetStreamPublisher publisher;

    @AfterEach
    void close() {
        if (publisher != null) {
            publisher.close();
        }
    }

    private JetStreamPublisher publisher(DeliveryGuarantee guarantee, Duration ackTimeout)
            throws IOException {
        publisher =
                new JetStreamPublisher(
                        fake.context(
                                guarantee,
                                JetStreamSettings.builder().ackTimeout(ackTimeout).build(),
                                null));
        return publisher;
    }

    private JetStreamPublisher atLeastOnce() throws IOException {
        return publisher(DeliveryGuarantee.AT_LEAST_ONCE, Duration.ofSeconds(30));
    }

    private static NatsMessage message(String subject) {
        return NatsMessage.of(subject, subject.getBytes(StandardCharsets.UTF_8));
    }

    private static NatsMessage message(String subject, String messageId) {
        return NatsMessage.builder(subject, subject.getBytes(StandardCharsets.UTF_8))
                .messageId(messageId)
                .build();
    }

    private static List<String> subjects(List<FakeConnection.AsyncPublish> published) {
        return published.stream().map(p -> p.subject).collect(Collectors.toList());
    }

    @Test
    void an_acknowledged_batch_completes() throws IOException {
        NatsMessage withHeaders =
                NatsMessage.builder("orders.2", "two".getBytes(StandardCharsets.UTF_8))
                        .header("x-kind", "order")
                        .messageId("id-2")
                        .build();

        atLeastOnce().publish(Arrays.asList(message("orders.1"), withHeaders), result);

        List<FakeConnection.AsyncPublish> published = fake.asyncPublishes();
        assertThat(subjects(published)).containsExactly("orders.1", "orders.2");
        assertThat(published.get(0).payload).isEqualTo("orders.1".getBytes(StandardCharsets.UTF_8));
        assertThat(published.get(0).headers).isNull();
        assertThat(published.get(1).headers.getFirst("x-kind")).isEqualTo("order");
        assertThat(published.get(1).options.getMessageId()).isEqualTo("id-2");

        published.get(0).acknowledge();
        result.assertUnsettled();
        published.get(1).acknowledge();
        result.awaitComplete();
    }

    @Test
    void unavailable_and_timed_out_publishes_are_retried_exactly() throws IOException {
        List<NatsMessage> batch =
                Arrays.asList(message("a"), message("b"), message("c"), message("d"));
        atLeastOnce().publish(batch, result);

        List<FakeConnection.AsyncPublish> published = fake.asyncPublishes();
        published.get(0).acknowledge();
        published.get(1).fail(new TimeoutException("Timeout or no response waiting for NATS"));
        published.get(2).acknowledge();
        published.get(3).fail(apiError(503, 10008));

        assertThat(result.awaitRetry()).containsExactly(batch.get(1), batch.get(3));
        assertThat(fake.asyncPublishes()).hasSize(4);
    }

    @Test
    void a_publish_not_acknowledged_within_the_ack_timeout_is_retried() throws IOException {
        // "a" is acknowledged before its ack timeout starts, so only "b" can time out.
        fake.acknowledgeAtOnce("a");
        List<NatsMessage> batch = Arrays.asList(message("a"), message("b"));

        publisher(DeliveryGuarantee.AT_LEAST_ONCE, Duration.ofMillis(100)).publish(batch, result);

        assertThat(result.awaitRetry()).containsExactly(batch.get(1));
        assertThat(subjects(fake.asyncPublishes())).containsExactly("a", "b");
    }

    @Test
    void no_responders_while_a_stream_captures_the_subject_is_retried() throws IOException {
        List<NatsMessage> batch = Arrays.asList(message("orders.1"), message("orders.2"));
        atLeastOnce().publish(batch, result);

        List<FakeConnection.AsyncPublish> published = fake.asyncPublishes();
        published.get(0).fail(noResponders());
        published.get(1).acknowledge();

        assertThat(result.awaitRetry()).containsExactly(batch.get(0));
    }

    @Test
    void no_responders_without_a_stream_for_the_subject_is_fatal() throws IOException {
        fake.setStreamNames(Collections.emptyList());
        atLeastOnce().publish(Arrays.asList(message("orders.1"), message("orders.2")), result);

        List<FakeConnection.AsyncPublish> published = fake.asyncPublishes();
        published.get(0).acknowledge();
        published.get(1).fail(noResponders());

        assertThat(result.awaitFailure())
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining("Cannot publish to subject 'orders.2'")
                .hasMessageContaining("no JetStream stream captures it");
    }

    @Test
    void no_responders_for_a_whole_batch_looks_the_subject_up_once() throws IOException {
        // One lookup per entry would take 50 s, far beyond the deadline to settle.
        fake.slowStreamLookups(Duration.ofMillis(50));
        List<NatsMessage> batch = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            batch.add(message("orders.1"));
        }
        atLeastOnce().publish(batch, result);

        fake.asyncPublishes().forEach(p -> p.fail(noResponders()));

        assertThat(result.awaitRetry()).hasSize(1_000);
        assertThat(fake.streamLookups()).as("stream lookups").isEqualTo(1);
    }

    @Test
    void the_answer_about_a_subject_stands_for_the_next_batches() throws IOException {
        atLeastOnce();
        for (int n = 1; n <= 3; n++) {
            RecordingResult batch = new RecordingResult();
            publisher.publish(Arrays.asList(message("orders.1"), message("orders.1")), batch);
            fake.asyncPublishes().forEach(p -> p.fail(noResponders()));
            assertThat(batch.awaitRetry()).as("batch %s", n).hasSize(2);
        }
        assertThat(fake.streamLookups()).as("stream lookups").isEqualTo(1);
    }

    @Test
    void a_stream_lookup_that_fails_is_not_repeated_for_every_subject() throws IOException {
        fake.failStreamLookups(
                new IOException("Timeout or no response waiting for NATS JetStream"));
        List<NatsMessage> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            batch.add(message("orders." + i));
        }
        atLeastOnce().publish(batch, result);

        fake.asyncPublishes().forEach(p -> p.fail(noResponders()));

        assertThat(result.awaitRetry()).hasSize(100);
        assertThat(fake.streamLookups()).as("stream lookups").isEqualTo(1);
    }

    @Test
    void a_fatal_api_error_fails_the_batch_naming_the_subject() throws IOException {
        atLeastOnce().publish(Arrays.asList(message("orders.1"), message("orders.2")), result);

        List<FakeConnection.AsyncPublish> published = fake.asyncPublishes();
        published.get(0).acknowledge();
        published.get(1).fail(apiError(400, 10060));

        assertThat(result.awaitFailure())
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining("Cannot publish to subject 'orders.2'")
                .hasMessageContaining("JetStream error 400/10060: test error");
    }

    @Test
    void exactly_once_without_a_message_id_is_fatal() throws IOException {
        publisher(DeliveryGuarantee.EXACTLY_ONCE, Duration.ofSeconds(30))
                .publish(
                        Arrays.asList(
                                message("orders.1", "id-1"),
                                message("orders.2"),
                                message("orders.3", "id-3")),
                        result);

        List<FakeConnection.AsyncPublish> published = fake.asyncPublishes();
        assertThat(subjects(published)).containsExactly("orders.1");
        assertThat(published.get(0).options.getMessageId()).isEqualTo("id-1");
        published.get(0).acknowledge();

        assertThat(result.awaitFailure())
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining("exactly-once needs a message id")
                .hasMessageContaining("'orders.2'");
        assertThat(subjects(fake.asyncPublishes())).containsExactly("orders.1");
    }

    @Test
    void a_publish_refused_with_illegal_state_hands_the_rest_back() throws IOException {
        fake.refusePublishesTo("c", new IllegalStateException("Output queue is full 5000"));
        List<NatsMessage> batch =
                Arrays.asList(message("a"), message("b"), message("c"), message("d"));

        atLeastOnce().publish(batch, result);

        List<FakeConnection.AsyncPublish> published = fake.asyncPublishes();
        assertThat(subjects(published)).containsExactly("a", "b");
        published.get(0).acknowledge();
        published.get(1).acknowledge();

        assertThat(result.awaitRetry()).containsExactly(batch.get(2), batch.get(3));
    }

    @Test
    void a_payload_over_max_payload_fails_the_batch_naming_subject_and_max_payload()
            throws IOException {
        fake.setMaxPayload(1024);

        atLeastOnce()
                .publish(
                        Arrays.asList(message("a"), NatsMessage.of("orders.big", new byte[2000])),
                        result);
        fake.asyncPublishes().get(0).acknowledge();

        assertThat(result.awaitFailure())
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining("Cannot publish to subject 'orders.big'")
                .hasMessageContaining("max_payload")
                .hasMessageContaining("2000 vs 1024");
    }

    @Test
    void a_closed_connection_fails_the_batch() throws IOException {
        fake.setStatus(Connection.Status.CLOSED);

        atLeastOnce().publish(Arrays.asList(message("a")), result);

        assertThat(result.awaitFailure())
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining(
                        "The NATS connection to servers [" + FakeConnection.SERVER_URL + "]")
                .hasMessageContaining("is closed");
        assertThat(fake.asyncPublishes()).isEmpty();
    }

    @Test
    void delivery_guarantee_none_completes_without_waiting_for_acks() throws IOException {
        publisher(DeliveryGuarantee.NONE, Duration.ofSeconds(30))
                .publish(Arrays.asList(message("a"), message("b")), result);

        // Completed before publish returned, on the calling thread.
        assertThat(result.outcomes()).hasSize(1);
        assertThat(result.outcomes().get(0).completed).isTrue();
        assertThat(subjects(fake.asyncPublishes())).containsExactly("a", "b");
    }

    private static Throwable noResponders() {
        return new CompletionException(
                new RuntimeException(
                        new IOException(
                                "Error Publishing: 503 No Responders Available For Request")));
    }

    @Test
    void a_duplicate_window_shorter_than_the_checkpoint_interval_is_warned_about() {
        assertThat(
                        StreamSetup.duplicateWindowWarning(
                                "ORDERS", Duration.ofSeconds(30), Duration.ofMinutes(1)))
                .contains("'ORDERS'")
                .contains("PT30S")
                .contains("PT1M")
                .contains("duplicate_window");
        assertThat(
                        StreamSetup.duplicateWindowWarning(
                                "ORDERS", Duration.ofMinutes(2), Duration.ofMinutes(1)))
                .isNull();
        assertThat(StreamSetup.duplicateWindowWarning("ORDERS", Duration.ofMinutes(2), null))
                .isNull();
    }

    @Test
    void failures_are_classified_in_one_place() {
        assertThat(PublishErrorClassifier.classifyJetStream(new TimeoutException()))
                .isEqualTo(PublishErrorClassifier.JetStreamOutcome.RETRY);
        assertThat(
                        PublishErrorClassifier.classifyJetStream(
                                new CompletionException(
                                        new RuntimeException(
                                                new IOException(
                                                        "Error Publishing: 503 No Responders"
                                                                + " Available For Request")))))
                .isEqualTo(PublishErrorClassifier.JetStreamOutcome.NO_RESPONDERS);
        assertThat(PublishErrorClassifier.classifyJetStream(apiError(400, 10060)))
                .isEqualTo(PublishErrorClassifier.JetStreamOutcome.FATAL);
        assertThat(PublishErrorClassifier.classifyJetStream(apiError(503, 10008)))
                .isEqualTo(PublishErrorClassifier.JetStreamOutcome.RETRY);
        assertThat(PublishErrorClassifier.classifyJetStream(apiError(429, 10999)))
                .isEqualTo(PublishErrorClassifier.JetStreamOutcome.RETRY);
        assertThat(PublishErrorClassifier.classifyJetStream(new IllegalStateException("closed")))
                .isEqualTo(PublishErrorClassifier.JetStreamOutcome.RETRY);
        assertThat(
                        PublishErrorClassifier.jetStreamFatal(apiError(400, 10060), "a.b", "S")
                                .getMessage())
                .contains("'a.b'")
                .contains("'S'")
                .contains("400/10060");
    }

    private static Throwable apiError(int code, int apiCode) {
        ApiResponse<Object> response =
                new ApiResponse<Object>(
                        JsonParser.parseUnchecked(
                                "{\"error\":{\"code\":"
                                        + code
                                        + ",\"err_code\":"
                                        + apiCode
                                        + ",\"description\":\"test error\"}}")) {};
        return new CompletionException(new RuntimeException(new JetStreamApiException(response)));
    }
}
