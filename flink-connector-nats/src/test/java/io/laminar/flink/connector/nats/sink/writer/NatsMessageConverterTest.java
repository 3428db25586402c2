package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.InvalidHeaderException;
import io.laminar.flink.connector.nats.sink.InvalidSubjectException;
import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsSinkException;

import org.apache.flink.api.common.serialization.SimpleStringSchema;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Collections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NatsMessageConverterTest {

    @Test
    void a_schema_serializer_builds_subject_payload_headers_and_reply_to() {
        NatsMessageConverter<String> converter =
                new NatsMessageConverter<>(
                        new SchemaMessageSerializer<>(
                                new SimpleStringSchema(),
                                null,
                                v -> "orders." + v,
                                v -> "replies." + v,
                                Collections.singletonMap("k", "v")),
                        1024);
        NatsMessage message = converter.apply("eu", null);
        assertThat(message.getSubject()).isEqualTo("orders.eu");
        assertThat(message.getReplyTo()).isEqualTo("replies.eu");
        assertThat(message.getHeaders()).containsEntry("k", Collections.singletonList("v"));
        assertThat(new String(message.getPayload(), StandardCharsets.UTF_8)).isEqualTo("eu");
    }

    @Test
    void without_headers_or_reply_to_no_header_object_is_made() {
        NatsMessageConverter<String> converter =
                new NatsMessageConverter<>(
                        new SchemaMessageSerializer<>(
                                new SimpleStringSchema(), "orders", null, null, null),
                        1024);
        NatsMessage message = converter.apply("x", null);
        assertThat(message.hasHeaders()).isFalse();
        assertThat(message.getReplyTo()).isNull();
    }

    @Test
    void every_new_subject_is_checked_after_a_repeated_valid_one() {
        String valid = "orders.eu";
        NatsMessageConverter<String> converter =
                new NatsMessageConverter<>(
                        v -> NatsMessage.builder(v.isEmpty() ? valid : v, null).build(), 1024);
        assertThat(converter.apply("", null).getSubject()).isSameAs(valid);
        assertThat(converter.apply("", null).getSubject()).isSameAs(valid);
        assertThatThrownBy(() -> converter.apply("orders eu", null))
                .isInstanceOf(InvalidSubjectException.class)
                .hasMessageContaining("'orders eu'");
        assertThat(converter.apply("", null).getSubject()).isSameAs(valid);
    }

    @Test
    void a_null_message_is_a_clear_error() {
        NatsMessageConverter<String> converter = new NatsMessageConverter<>(v -> null, 1024);
        assertThatThrownBy(() -> converter.apply("x", null))
                .hasMessageContaining("serializer returned null");
    }

    @Test
    void an_invalid_reply_to_is_named() {
        NatsMessageConverter<String> converter =
                new NatsMessageConverter<>(
                        v -> NatsMessage.builder("ok", null).replyTo("bad reply").build(), 1024);
        assertThatThrownBy(() -> converter.apply("x", null))
                .isInstanceOf(InvalidSubjectException.class)
                .hasMessageContaining("reply-to subject 'bad reply'");
    }

    @Test
    void a_header_nats_cannot_carry_is_named_with_header_and_subject() {
        NatsMessageConverter<String> converter =
                new NatsMessageConverter<>(
                        v -> NatsMessage.builder("orders." + v, null).header("x-note", v).build(),
                        1024);
        assertThat(converter.apply("plain", null).getHeaders().get("x-note"))
                .containsExactly("plain");
        assertThatThrownBy(() -> converter.apply("日本", null))
                .isInstanceOf(InvalidHeaderException.class)
                .hasMessageStartingWith(
                        "Invalid value for NATS header 'x-note' in a message for subject"
                                + " 'orders.日本' from the sink's serializer: it contains the"
                                + " non-ASCII character '日' (U+65E5) at position 0");
    }

    @Test
    void subject_and_reply_to_too_long_together_are_named() {
        NatsMessageConverter<String> converter =
                new NatsMessageConverter<>(
                        v ->
                                NatsMessage.builder("s".repeat(3_000), null)
                                        .replyTo("r".repeat(1_001))
                                        .build(),
                        1 << 20);
        assertThatThrownBy(() -> converter.apply("x", null))
                .isInstanceOf(InvalidSubjectException.class)
                .hasMessageContaining("from the sink's serializer: together they are 4001 bytes");
    }

    @Test
    void a_record_over_the_max_record_size_names_subject_and_setting() {
        NatsMessageConverter<String> converter =
                new NatsMessageConverter<>(v -> NatsMessage.of("orders.big", new byte[200]), 100);
        assertThatThrownBy(() -> converter.apply("x", null))
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining("'orders.big'")
                .hasMessageContaining("setMaxRecordSizeInBytes");
    }
}
