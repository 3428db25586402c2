package io.laminar.flink.connector.nats.sink.writer;

import io.nats.client.JetStreamApiException;
import io.nats.client.api.ApiResponse;
import io.nats.client.support.JsonParser;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

class JetStreamPublisherTest {

    @Test
    void a_duplicate_window_shorter_than_the_checkpoint_interval_is_warned_about() {
        assertThat(
                        JetStreamPublisher.duplicateWindowWarning(
                                "ORDERS", Duration.ofSeconds(30), Duration.ofMinutes(1)))
                .contains("'ORDERS'")
                .contains("PT30S")
                .contains("PT1M")
                .contains("duplicate_window");
        assertThat(
                        JetStreamPublisher.duplicateWindowWarning(
                                "ORDERS", Duration.ofMinutes(2), Duration.ofMinutes(1)))
                .isNull();
        assertThat(JetStreamPublisher.duplicateWindowWarning("ORDERS", Duration.ofMinutes(2), null))
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
