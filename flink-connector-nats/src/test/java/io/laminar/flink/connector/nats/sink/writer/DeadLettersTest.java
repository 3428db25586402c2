package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.MessageHeaders;
import io.laminar.flink.connector.nats.sink.NatsMessage;

import org.apache.flink.metrics.SimpleCounter;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

class DeadLettersTest {

    private final SimpleCounter counter = new SimpleCounter();
    private final DeadLetters deadLetters = new DeadLetters("dead", counter);

    @Test
    void headers_nats_cannot_carry_are_left_out_and_the_letter_can_be_sent() {
        NatsMessage original =
                NatsMessage.builder("orders.été", "payload".getBytes(StandardCharsets.UTF_8))
                        .header("x-keep", "yes")
                        .header("x-note", "héllo")
                        .header("x note", "v")
                        .messageId("ïd")
                        .build();

        NatsMessage letter =
                deadLetters.of(original, "Invalid value for NATS header 'x-note': 'é'\nnext line");

        assertThat(letter.getSubject()).isEqualTo("dead");
        assertThat(new String(letter.getPayload(), StandardCharsets.UTF_8)).isEqualTo("payload");
        assertThat(letter.getHeaders())
                .containsOnlyKeys(
                        "x-keep", DeadLetters.ERROR_HEADER, DeadLetters.ORIGINAL_SUBJECT_HEADER);
        assertThat(letter.getHeaders().get(DeadLetters.ERROR_HEADER))
                .containsExactly(
                        "Invalid value for NATS header 'x-note': '\\u00e9'\\u000anext line");
        assertThat(letter.getHeaders().get(DeadLetters.ORIGINAL_SUBJECT_HEADER))
                .containsExactly("orders.\\u00e9t\\u00e9");
        assertThat(letter.getMessageId()).isNull();
        assertThatCode(() -> MessageHeaders.validate(letter, "test")).doesNotThrowAnyException();
        assertThat(counter.getCount()).isEqualTo(1);
    }

    @Test
    void a_valid_message_id_and_headers_are_kept() {
        NatsMessage original =
                NatsMessage.builder("orders", null)
                        .header("x-a", "1")
                        .header("x-a", "2")
                        .messageId("id-7")
                        .build();

        NatsMessage letter = deadLetters.of(original, "reason");

        assertThat(letter.getHeaders().get("x-a")).containsExactly("1", "2");
        assertThat(letter.getMessageId()).isEqualTo("id-7");
        assertThat(letter.getHeaders().get(DeadLetters.ERROR_HEADER)).containsExactly("reason");
    }

    @Test
    void header_text_is_cut_at_1024_characters() {
        assertThat(DeadLetters.headerText("x".repeat(2_000))).hasSize(1024);
    }
}
