package io.laminar.flink.connector.nats.sink;

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
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            env.fromData("ok-1", "bad one", "boom", big, "ok-2")
                    .sinkTo(
                            NatsSink.<String>builder()
                                    .setServers(NATS.url())
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

    private static long counter(JobID job, String name) {
        return FlinkMetrics.sinkCounter(METRICS, job, name);
    }
}
