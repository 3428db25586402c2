package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.sink.writer.DeadLetters;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.FlinkMetrics;
import io.laminar.flink.connector.nats.testutils.MessageCollector;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;

import io.nats.client.Connection;
import io.nats.client.Message;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Records that can never be published go to the dead-letter subject, with the reason. */
class NatsSinkDeadLetterITCase {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMetrics.miniCluster(METRICS, 1);

    /** A small max_payload, so that one record is too large for the server. */
    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.builder().maxPayload(2048).build();

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    /** Fails for the record "boom", as a serializer can fail for a malformed record. */
    private static final class FailingOnBoom implements SerializationSchema<String> {
        @Override
        public byte[] serialize(String element) {
            if (element.equals("boom")) {
                throw new IllegalStateException("cannot serialize boom");
            }
            return element.getBytes(StandardCharsets.UTF_8);
        }
    }

    @Test
    void unpublishable_records_go_to_the_dead_letter_subject_and_the_job_goes_on()
            throws Exception {
        String big = "b".repeat(3000);
        try (Connection client = NATS.connect();
                MessageCollector out = MessageCollector.subscribe(client, "dl.out.>");
                MessageCollector dead = MessageCollector.subscribe(client, "dl.dead")) {
            StreamExecutionEnvironment env = FlinkEnvironment.create();
            env.fromData("ok-1", "bad one", "boom", big, "ok-2")
                    .sinkTo(
                            NatsSink.<String>builder()
                                    .setConnectionSettings(
                                            ConnectionSettings.builder()
                                                    .servers(NATS.url())
                                                    .build())
                                    .setSerializationSchema(new FailingOnBoom())
                                    .setSubjectSelector(
                                            v -> "dl.out." + (v.startsWith("bad") ? v : "x"))
                                    .setHeader("x-source", "test")
                                    .setDeadLetterSubject("dl.dead")
                                    .build());
            JobID job = env.execute("dead letters").getJobID();

            assertThat(out.awaitCount(2, DEADLINE))
                    .extracting(m -> new String(m.getData(), StandardCharsets.UTF_8))
                    .containsExactly("ok-1", "ok-2");
            List<Message> letters = dead.awaitCount(3, DEADLINE);
            assertThat(letters).hasSize(3);

            Message badSubject = letters.get(0);
            assertThat(new String(badSubject.getData(), StandardCharsets.UTF_8))
                    .isEqualTo("bad one");
            assertThat(badSubject.getHeaders().getFirst(DeadLetters.ORIGINAL_SUBJECT_HEADER))
                    .isEqualTo("dl.out.bad one");
            assertThat(badSubject.getHeaders().getFirst(DeadLetters.ERROR_HEADER))
                    .contains("whitespace");
            assertThat(badSubject.getHeaders().getFirst("x-source")).isEqualTo("test");

            Message unserializable = letters.get(1);
            assertThat(new String(unserializable.getData(), StandardCharsets.UTF_8))
                    .isEqualTo("boom");
            assertThat(unserializable.getHeaders().getFirst(DeadLetters.ERROR_HEADER))
                    .contains("serialization failed")
                    .contains("cannot serialize boom");

            Message tooLarge = letters.get(2);
            assertThat(tooLarge.getHeaders().getFirst(DeadLetters.ORIGINAL_SUBJECT_HEADER))
                    .isEqualTo("dl.out.x");
            assertThat(tooLarge.getHeaders().getFirst(DeadLetters.ERROR_HEADER))
                    .contains("max_payload");
            assertThat(tooLarge.getHeaders().getFirst(DeadLetters.TRUNCATED_FROM_HEADER))
                    .isEqualTo("3000");
            assertThat(tooLarge.getData().length).isBetween(1000, 2047);
            assertThat(new String(tooLarge.getData(), StandardCharsets.UTF_8))
                    .isEqualTo(big.substring(0, tooLarge.getData().length));

            assertThat(counter(job, "deadLettered")).isEqualTo(3);
        }
    }

    /**
     * Builds each record's message: "ok" as it is, the others each with one thing NATS cannot
     * carry. Every message also has a header that NATS can carry, which the dead letter keeps.
     */
    private static NatsMessage unsendable(String record) {
        String subject =
                record.equals("long-subject") ? "dl.hdr.out." + "z".repeat(4_100) : "dl.hdr.out";
        NatsMessage.Builder message =
                NatsMessage.builder(subject, record.getBytes(StandardCharsets.UTF_8))
                        .header("x-keep", "yes");
        switch (record) {
            case "non-ascii-value":
                message.header("x-note", "héllo 日本");
                break;
            case "line-break-value":
                message.header("x-note", "one\r\ntwo");
                break;
            case "bad-name":
                message.header("x note", "v");
                break;
            default:
                break;
        }
        return message.build();
    }

    @Test
    void records_with_headers_or_subjects_nats_cannot_carry_are_dead_lettered_with_the_reason()
            throws Exception {
        try (Connection client = NATS.connect();
                MessageCollector out = MessageCollector.subscribe(client, "dl.hdr.out.>");
                MessageCollector outExact = MessageCollector.subscribe(client, "dl.hdr.out");
                MessageCollector dead = MessageCollector.subscribe(client, "dl.hdr.dead")) {
            StreamExecutionEnvironment env = FlinkEnvironment.create();
            env.fromData("ok", "non-ascii-value", "line-break-value", "bad-name", "long-subject")
                    .sinkTo(
                            NatsSink.<String>builder()
                                    .setConnectionSettings(
                                            ConnectionSettings.builder()
                                                    .servers(NATS.url())
                                                    .build())
                                    .setMessageSerializer(NatsSinkDeadLetterITCase::unsendable)
                                    .setDeadLetterSubject("dl.hdr.dead")
                                    .build());
            JobID job = env.execute("dead letters for headers and long subjects").getJobID();

            Message ok = outExact.awaitCount(1, DEADLINE).get(0);
            assertThat(new String(ok.getData(), StandardCharsets.UTF_8)).isEqualTo("ok");
            List<Message> letters = dead.awaitCount(4, DEADLINE);
            assertThat(letters)
                    .extracting(m -> new String(m.getData(), StandardCharsets.UTF_8))
                    .containsExactly(
                            "non-ascii-value", "line-break-value", "bad-name", "long-subject");
            for (Message letter : letters) {
                assertThat(letter.getHeaders().get("x-keep")).containsExactly("yes");
            }

            Message nonAscii = letters.get(0);
            assertThat(nonAscii.getHeaders().getFirst(DeadLetters.ORIGINAL_SUBJECT_HEADER))
                    .isEqualTo("dl.hdr.out");
            assertThat(nonAscii.getHeaders().getFirst(DeadLetters.ERROR_HEADER))
                    .startsWith(
                            "Invalid value for NATS header 'x-note' in a message for subject"
                                    + " 'dl.hdr.out'")
                    .contains("non-ASCII character '\\u00e9' (U+00E9) at position 1");
            assertThat(nonAscii.getHeaders().keySet())
                    .containsExactlyInAnyOrder(
                            "x-keep",
                            DeadLetters.ERROR_HEADER,
                            DeadLetters.ORIGINAL_SUBJECT_HEADER);

            Message lineBreak = letters.get(1);
            assertThat(lineBreak.getHeaders().getFirst(DeadLetters.ERROR_HEADER))
                    .startsWith("Invalid value for NATS header 'x-note'")
                    .contains("line break (U+000D) at position 3");
            assertThat(lineBreak.getHeaders().containsKey("x-note")).isFalse();

            Message badName = letters.get(2);
            assertThat(badName.getHeaders().getFirst(DeadLetters.ERROR_HEADER))
                    .startsWith("Invalid NATS header name 'x note' in a message for subject")
                    .contains("space or control character (U+0020) at position 1");
            assertThat(badName.getHeaders().containsKey("x note")).isFalse();

            Message longSubject = letters.get(3);
            assertThat(longSubject.getHeaders().getFirst(DeadLetters.ERROR_HEADER))
                    .startsWith("Invalid NATS subject 'dl.hdr.out.zzz")
                    .contains("it is 4111 bytes long (UTF-8), over the sink's limit of 4000 bytes");
            assertThat(longSubject.getHeaders().getFirst(DeadLetters.ORIGINAL_SUBJECT_HEADER))
                    .isEqualTo(("dl.hdr.out." + "z".repeat(4_100)).substring(0, 1024));

            assertThat(out.count()).isZero();
            assertThat(counter(job, "deadLettered")).isEqualTo(4);
        }
    }

    private static long counter(JobID job, String name) {
        return FlinkMetrics.sinkCounter(METRICS, job, name);
    }
}
