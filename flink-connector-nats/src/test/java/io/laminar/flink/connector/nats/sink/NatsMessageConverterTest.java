package io.laminar.flink.connector.nats.sink;

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
    void a_record_over_the_max_record_size_names_subject_and_setting() {
        NatsMessageConverter<String> converter =
                new NatsMessageConverter<>(v -> NatsMessage.of("orders.big", new byte[200]), 100);
        assertThatThrownBy(() -> converter.apply("x", null))
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining("'orders.big'")
                .hasMessageContaining("setMaxRecordSizeInBytes");
    }
}
