package io.laminar.flink.connector.nats.sink;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubjectsTest {

    @ParameterizedTest
    @ValueSource(strings = {"orders", "orders.processed", "a.b.c.d", "ORDERS_1-x", "$JS.API.x"})
    void valid_subjects_pass(String subject) {
        assertThatCode(() -> Subjects.validate(subject, "subject", "test"))
                .doesNotThrowAnyException();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''|it is empty",
                "orders processed|whitespace",
                "orders.\tx|whitespace",
                "orders..x|empty token",
                ".orders|starts with '.'",
                "orders.|ends with '.'",
                "orders.*|wildcard '*'",
                "orders.>|wildcard '>'"
            })
    void invalid_subjects_are_named_with_the_reason(String subject, String reason) {
        assertThatThrownBy(() -> Subjects.validate(subject, "subject", "the subject selector"))
                .isInstanceOf(InvalidSubjectException.class)
                .hasMessageContaining(reason)
                .hasMessageContaining("from the subject selector")
                .hasMessageContaining(subject.isEmpty() ? "''" : subject.replace("\t", "\\u0009"));
    }

    @Test
    void a_subject_of_the_limit_in_bytes_passes_one_byte_more_is_named_with_length_and_limit() {
        assertThatCode(() -> Subjects.validate("x".repeat(4_000), "subject", "test"))
                .doesNotThrowAnyException();
        String tooLong = "orders." + "x".repeat(3_994);
        assertThatThrownBy(() -> Subjects.validate(tooLong, "subject", "the subject selector"))
                .isInstanceOf(InvalidSubjectException.class)
                .hasMessageStartingWith(
                        "Invalid NATS subject '"
                                + tooLong.substring(0, 256)
                                + "...' from the subject selector: it is 4001 bytes long (UTF-8),"
                                + " over the sink's limit of 4000 bytes for subject and reply-to"
                                + " subject together: nats-server closes the connection when a"
                                + " message's control line exceeds its max_control_line (4096"
                                + " bytes by default).")
                .hasMessageNotContaining(tooLong.substring(0, 257));
    }

    @Test
    void the_limit_counts_utf8_bytes_not_characters() {
        // 'é' is two bytes in UTF-8, as jnats writes subjects.
        assertThatCode(() -> Subjects.validate("é".repeat(2_000), "subject", "test"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> Subjects.validate("é".repeat(2_001), "subject", "test"))
                .hasMessageContaining("it is 4002 bytes long (UTF-8)");
        assertThat(Subjects.problem("é".repeat(1_334))).isNull();
    }

    @Test
    void subject_and_reply_to_are_limited_together() {
        String subject = "s".repeat(2_500);
        assertThatCode(() -> Subjects.validateTogether(subject, "r".repeat(1_500), "test"))
                .doesNotThrowAnyException();
        assertThatCode(() -> Subjects.validateTogether(subject, null, "test"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> Subjects.validateTogether(subject, "r".repeat(1_501), "test"))
                .isInstanceOf(InvalidSubjectException.class)
                .hasMessageStartingWith(
                        "Invalid NATS subject '"
                                + "s".repeat(256)
                                + "...' with reply-to subject '"
                                + "r".repeat(256)
                                + "...' from test: together they are 4001 bytes long (UTF-8),"
                                + " over the sink's limit of 4000 bytes");
        assertThatThrownBy(
                        () -> Subjects.validateTogether("é".repeat(1_000), "é".repeat(1_001), "t"))
                .hasMessageContaining("together they are 4002 bytes long");
    }

    @Test
    void null_subject_is_named() {
        assertThatThrownBy(() -> Subjects.validate(null, "reply-to subject", "the serializer"))
                .isInstanceOf(InvalidSubjectException.class)
                .hasMessageContaining("Invalid NATS reply-to subject null from the serializer");
    }
}
