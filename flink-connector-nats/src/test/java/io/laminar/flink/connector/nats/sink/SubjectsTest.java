package io.laminar.flink.connector.nats.sink;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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
    void null_subject_is_named() {
        assertThatThrownBy(() -> Subjects.validate(null, "reply-to subject", "the serializer"))
                .isInstanceOf(InvalidSubjectException.class)
                .hasMessageContaining("Invalid NATS reply-to subject null from the serializer");
    }
}
