package io.laminar.flink.connector.nats.sink.writer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Errors the server reports on the connection, and which of them fail the job. */
class PublishErrorClassifierTest {

    @Test
    void a_control_line_over_the_servers_limit_is_fatal_naming_the_longest_subject() {
        assertThat(
                        PublishErrorClassifier.fatalServerErrorOrNull(
                                        "maximum control line exceeded", "'orders.x' (2007 bytes)")
                                .getMessage())
                .isEqualTo(
                        "The NATS server closed the connection (maximum control line exceeded): a"
                                + " message's control line (subject, reply-to subject and sizes)"
                                + " was longer than the server's max_control_line; the longest"
                                + " subject published on the connection is 'orders.x' (2007"
                                + " bytes). The sink accepts up to 4000 bytes for subject and"
                                + " reply-to subject together, which fits the default"
                                + " max_control_line of 4096 bytes; this server's is lower."
                                + " Shorten the subjects or raise max_control_line on the"
                                + " server.");
    }

    @Test
    void a_publish_permission_violation_is_fatal() {
        assertThat(
                        PublishErrorClassifier.fatalServerErrorOrNull(
                                        "Permissions Violation for Publish to \"other.x\"", null)
                                .getMessage())
                .startsWith("The NATS server refused a publish: Permissions Violation for Publish")
                .contains("other.x");
    }

    @Test
    void other_server_errors_are_not_fatal() {
        assertThat(PublishErrorClassifier.fatalServerErrorOrNull("Stale Connection", null))
                .isNull();
        assertThat(
                        PublishErrorClassifier.fatalServerErrorOrNull(
                                "Permissions Violation for Subscription to \"x\"", null))
                .isNull();
        assertThat(PublishErrorClassifier.fatalServerErrorOrNull(null, null)).isNull();
    }
}
