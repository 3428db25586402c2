package io.laminar.flink.connector.nats.sink;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The header rules jnats 2.26 enforces, checked before a message reaches it. */
class MessageHeadersTest {

    @ParameterizedTest
    @ValueSource(strings = {"content-type", "X-Custom_1", "Nats-Msg-Id", "a!#$%&'*+.^`|~"})
    void printable_ascii_names_without_colon_pass(String name) {
        assertThat(MessageHeaders.nameProblem(name)).isNull();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "x note|it contains a space or control character (U+0020) at position 1",
                "x:note|it contains ':' at position 1",
                "nöte|it contains the non-ASCII character 'ö' (U+00F6) at position 1",
            })
    void other_names_are_refused_with_the_reason(String name, String reason) {
        assertThat(MessageHeaders.nameProblem(name))
                .startsWith(reason)
                .endsWith("header names are printable US-ASCII characters other than ':'");
    }

    @Test
    void a_control_character_empty_or_null_name_is_refused() {
        assertThat(MessageHeaders.nameProblem("x\u0001"))
                .startsWith("it contains a space or control character (U+0001) at position 1");
        assertThat(MessageHeaders.nameProblem("x\u007f")).contains("(U+007F)");
        assertThat(MessageHeaders.nameProblem("")).isEqualTo("it is empty");
        assertThat(MessageHeaders.nameProblem(null)).isEqualTo("it is empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "text/plain; charset=utf-8", "tab\tinside", "~!@#$%^&*()\"'"})
    void ascii_values_without_line_breaks_pass(String value) {
        assertThat(MessageHeaders.valueProblem(value)).isNull();
    }

    @Test
    void other_values_are_refused_with_the_reason() {
        assertThat(MessageHeaders.valueProblem("héllo 日本"))
                .startsWith("it contains the non-ASCII character 'é' (U+00E9) at position 1; ")
                .endsWith(
                        "NATS header values are US-ASCII without CR or LF (jnats cannot send"
                                + " other characters): encode the value (e.g. percent-encoding or"
                                + " Base64) or carry it in the payload");
        assertThat(MessageHeaders.valueProblem("日本"))
                .startsWith("it contains the non-ASCII character '日' (U+65E5) at position 0");
        assertThat(MessageHeaders.valueProblem("smile \uD83D\uDE00"))
                .startsWith("it contains the non-ASCII character '\uD83D\uDE00' (U+1F600)");
        assertThat(MessageHeaders.valueProblem("one\r\ntwo"))
                .startsWith("it contains a line break (U+000D) at position 3");
        assertThat(MessageHeaders.valueProblem("one\ntwo"))
                .startsWith("it contains a line break (U+000A) at position 3");
        assertThat(MessageHeaders.valueProblem(null))
                .isEqualTo("it is null; leave the header out instead");
    }

    @Test
    void a_message_with_a_bad_header_is_named_by_header_and_subject_never_by_value() {
        NatsMessage message =
                NatsMessage.builder("orders.eu", "x".getBytes(StandardCharsets.UTF_8))
                        .header("x-ok", "fine")
                        .header("authorization", "Bearer tökén-s3cret")
                        .build();
        assertThatThrownBy(() -> MessageHeaders.validate(message, "the sink's serializer"))
                .isInstanceOf(InvalidHeaderException.class)
                .hasMessageStartingWith(
                        "Invalid value for NATS header 'authorization' in a message for subject"
                                + " 'orders.eu' from the sink's serializer: it contains the"
                                + " non-ASCII character 'ö' (U+00F6) at position 8; ")
                .hasMessageNotContaining("s3cret")
                .hasMessageNotContaining("Bearer");
    }

    @Test
    void a_bad_header_name_and_a_bad_message_id_are_named() {
        assertThatThrownBy(
                        () ->
                                MessageHeaders.validate(
                                        NatsMessage.builder("orders", null)
                                                .header("bad\nname", "v")
                                                .build(),
                                        "test"))
                .isInstanceOf(InvalidHeaderException.class)
                .hasMessageStartingWith(
                        "Invalid NATS header name 'bad\\u000aname' in a message for subject"
                                + " 'orders' from test: it contains a space or control character"
                                + " (U+000A) at position 3");
        assertThatThrownBy(
                        () ->
                                MessageHeaders.validate(
                                        NatsMessage.builder("orders", null)
                                                .messageId("ïd-1")
                                                .build(),
                                        "test"))
                .isInstanceOf(InvalidHeaderException.class)
                .hasMessageStartingWith(
                        "Invalid message id (NATS header 'Nats-Msg-Id') in a message for subject"
                                + " 'orders' from test: it contains the non-ASCII character 'ï'"
                                + " (U+00EF) at position 0");
    }

    @Test
    void a_message_with_valid_headers_and_id_passes() {
        assertThatCode(
                        () ->
                                MessageHeaders.validate(
                                        NatsMessage.builder("orders", null)
                                                .header("content-type", "application/json")
                                                .header("x-empty", "")
                                                .messageId("id-1")
                                                .build(),
                                        "test"))
                .doesNotThrowAnyException();
    }
}
