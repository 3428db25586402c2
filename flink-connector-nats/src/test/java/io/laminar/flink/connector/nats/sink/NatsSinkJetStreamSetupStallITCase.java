package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;

import io.nats.client.Dispatcher;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A server that stops answering while the sink sets up JetStream publishing: the set-up gives up
 * after its request timeout and the writer lets go of its connection within a bounded time, so the
 * job fails with an error naming the stream instead of hanging in a wait without a timeout.
 */
class NatsSinkJetStreamSetupStallITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = new MiniClusterExtension();

    /** No JetStream: the test's own client receives the sink's stream lookup, and never answers. */
    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.builder().jetStream(false).build();

    @RegisterExtension final NatsClientExtension client = NatsClientExtension.of(NATS);

    private static final String STREAM = "JS_STALLED";

    /** Request timeout (2 s) + the bounded flush before close (5 s) + job start and failover. */
    private static final Duration BOUND = Duration.ofSeconds(45);

    @Test
    void jetstream_set_up_against_a_stopped_server_fails_within_its_bound_naming_the_stream()
            throws Exception {
        CountDownLatch lookedUp = new CountDownLatch(1);
        Dispatcher stopper =
                client.connection()
                        .createDispatcher(
                                request -> {
                                    // The sink's lookup has reached the server: SIGSTOP it, so
                                    // neither the answer nor anything after it ever comes.
                                    NATS.pause();
                                    lookedUp.countDown();
                                });
        stopper.subscribe("$JS.API.STREAM.INFO." + STREAM);
        client.connection().flush(Duration.ofSeconds(5));

        StreamExecutionEnvironment env =
                FlinkEnvironment.builder().parallelism(1).noRestarts().build();
        env.fromData("a")
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder().servers(NATS.url()).build())
                                .setJetStream(
                                        JetStreamSettings.builder().expectedStream(STREAM).build())
                                .setMessageSerializer(
                                        v ->
                                                NatsMessage.builder(
                                                                "js.stalled",
                                                                v.getBytes(StandardCharsets.UTF_8))
                                                        .build())
                                .build());
        JobClient job = env.executeAsync("jetstream set-up stall");
        try {
            assertThat(lookedUp.await(BOUND.toSeconds(), TimeUnit.SECONDS))
                    .as("the sink asked the server about stream " + STREAM)
                    .isTrue();
            assertThatThrownBy(
                            () ->
                                    job.getJobExecutionResult()
                                            .get(BOUND.toSeconds(), TimeUnit.SECONDS))
                    .as("the job fails within " + BOUND)
                    .isInstanceOf(ExecutionException.class)
                    .satisfies(
                            e ->
                                    assertThat(
                                                    ExceptionUtils.findThrowable(
                                                                    e, NatsSinkException.class)
                                                            .map(Throwable::getMessage)
                                                            .orElseGet(
                                                                    () ->
                                                                            ExceptionUtils
                                                                                    .stringifyException(
                                                                                            e)))
                                            .contains("'" + STREAM + "'")
                                            .contains("did not answer"));
        } finally {
            NATS.resume();
            if (!job.getJobStatus().get().isTerminalState()) {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        }
    }
}
