package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.FailOnceAfterCheckpoint;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.StreamCapture;

import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.laminar.flink.connector.nats.testutils.NumberSource.numbers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The DataStream sink in Key-Value mode against a real server: puts, deletes and purges as any KV
 * client reads them, and the last write per key winning through a server restart and a restore.
 */
class NatsKeyValueITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.builder().build();

    @RegisterExtension
    final NatsClientExtension client = NatsClientExtension.of(NATS).deletingStreamsAfterEach();

    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final int KEYS = 1_000;

    @AfterEach
    void deleteBuckets() throws Exception {
        for (String bucket : client.connection().keyValueManagement().getBucketNames()) {
            client.connection().keyValueManagement().delete(bucket);
        }
    }

    private KeyValue bucket(String name, StorageType storage) throws Exception {
        client.connection()
                .keyValueManagement()
                .create(
                        KeyValueConfiguration.builder()
                                .name(name)
                                .maxHistoryPerKey(64)
                                .storageType(storage)
                                .build());
        return client.connection().keyValue(name);
    }

    private static NatsSinkBuilder<String> sink(String bucket, KeyValueSerializer<String> kv) {
        return NatsSink.<String>builder()
                .setConnectionSettings(
                        ConnectionSettings.builder()
                                .servers(NATS.url())
                                .reconnectWait(Duration.ofMillis(250))
                                .build())
                .setKeyValueBucket(bucket)
                .setKeyValueSerializer(kv);
    }

    /** "n" writes n to key "k{n % 1000}", so each key's last value is the largest n it got. */
    private static KeyValueEntry numberedWrite(String v) {
        return KeyValueEntry.put(
                "k" + (Long.parseLong(v) % KEYS), v.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void puts_deletes_and_purges_are_what_a_key_value_client_reads() throws Exception {
        KeyValue kv = bucket("ops", StorageType.Memory);
        StreamExecutionEnvironment env = FlinkEnvironment.builder().parallelism(1).build();
        env.fromData("put a 1", "put b 2", "put a 3", "del b", "put c 4", "purge c", "put d 5")
                .sinkTo(
                        sink(
                                        "ops",
                                        v -> {
                                            String[] op = v.split(" ");
                                            switch (op[0]) {
                                                case "put":
                                                    return KeyValueEntry.put(
                                                            "x." + op[1],
                                                            op[2].getBytes(StandardCharsets.UTF_8));
                                                case "del":
                                                    return KeyValueEntry.delete("x." + op[1]);
                                                default:
                                                    return KeyValueEntry.purge("x." + op[1]);
                                            }
                                        })
                                .build());
        env.execute("kv operations");

        assertThat(kv.keys()).containsExactlyInAnyOrder("x.a", "x.d");
        assertThat(new String(kv.get("x.a").getValue(), StandardCharsets.UTF_8)).isEqualTo("3");
        assertThat(kv.get("x.b")).isNull();
        assertThat(operations(kv, "x.b"))
                .containsExactly(KeyValueOperation.PUT, KeyValueOperation.DELETE);
        assertThat(operations(kv, "x.c")).containsExactly(KeyValueOperation.PURGE);
    }

    private static List<KeyValueOperation> operations(KeyValue kv, String key) throws Exception {
        List<KeyValueOperation> ops = new ArrayList<>();
        for (io.nats.client.api.KeyValueEntry e : kv.history(key)) {
            ops.add(e.getOperation());
        }
        return ops;
    }

    @Test
    void a_bad_key_fails_the_job_naming_it_or_goes_to_the_dead_letter_subject() throws Exception {
        KeyValue kv = bucket("keys", StorageType.Memory);
        KeyValueSerializer<String> serializer =
                v -> KeyValueEntry.put(v, v.getBytes(StandardCharsets.UTF_8));
        StreamExecutionEnvironment failing = FlinkEnvironment.builder().noRestarts().build();
        failing.fromData("good", "bad*key").sinkTo(sink("keys", serializer).build());
        assertThatThrownBy(() -> failing.execute("bad key"))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("InvalidKeyException")
                                        .contains("'bad*key'"));

        StreamCapture.createMemoryStream(client.connection(), "KV_DLQ", "kv.dlq");
        StreamExecutionEnvironment env = FlinkEnvironment.builder().noRestarts().build();
        env.fromData("one", "bad key", "two")
                .sinkTo(sink("keys", serializer).setDeadLetterSubject("kv.dlq").build());
        env.execute("bad key to the dead letters");
        assertThat(kv.keys()).contains("one", "two").doesNotContain("bad key");
        List<MessageInfo> dead = StreamCapture.readAll(client.connection(), "KV_DLQ");
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).getHeaders().getFirst("Nats-Sink-Error")).contains("'bad key'");
    }

    @Test
    void a_missing_bucket_fails_the_job_at_start_up_naming_it() {
        StreamExecutionEnvironment env = FlinkEnvironment.builder().noRestarts().build();
        env.fromData("1").sinkTo(sink("missing", NatsKeyValueITCase::numberedWrite).build());
        assertThatThrownBy(() -> env.execute("missing bucket"))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("Key-Value bucket 'missing'")
                                        .contains("nats kv add missing"));
    }

    @Test
    void a_server_restart_mid_job_leaves_every_key_with_its_last_value() throws Exception {
        int n = 30_000;
        KeyValue kv = bucket("restart", StorageType.File);
        StreamExecutionEnvironment env =
                FlinkEnvironment.builder().parallelism(1).noRestarts().checkpointing(300).build();
        numbers(env, n, 10_000)
                .sinkTo(
                        sink("restart", NatsKeyValueITCase::numberedWrite)
                                .setJetStream(
                                        JetStreamSettings.builder()
                                                .ackTimeout(Duration.ofSeconds(2))
                                                .build())
                                .build());
        JobClient job = env.executeAsync("kv restart");

        Await.until(
                "the bucket holds 10000 writes",
                DEADLINE,
                () -> StreamCapture.messageCount(client.connection(), "KV_restart") >= 10_000);
        NATS.restartAfter(Duration.ofSeconds(2));
        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
        Await.until(
                "the client has reconnected",
                DEADLINE,
                () -> client.connection().getStatus() == Connection.Status.CONNECTED);

        assertLastWriteWins(kv, "restart", n, true);
    }

    @Test
    void a_task_failure_after_a_checkpoint_replays_and_every_key_ends_with_its_last_value()
            throws Exception {
        int n = 30_000;
        KeyValue kv = bucket("failover", StorageType.File);
        FailOnceAfterCheckpoint.reset();
        StreamExecutionEnvironment env =
                FlinkEnvironment.builder()
                        .parallelism(1)
                        .fixedDelayRestarts(3, Duration.ofMillis(200))
                        .checkpointing(1_500)
                        .build();
        numbers(env, n, 5_000)
                .map(new FailOnceAfterCheckpoint())
                .sinkTo(sink("failover", NatsKeyValueITCase::numberedWrite).build());
        env.execute("kv failover");

        assertThat(FailOnceAfterCheckpoint.FAILED.get()).as("the failure was injected").isTrue();
        // The replay from the checkpoint writes values older than those written after it again,
        // in order: the history goes back once, the final values are the last ones.
        assertLastWriteWins(kv, "failover", n, false);
    }

    /**
     * Every key holds the last number written to it; with {@code historyInOrder} (no restore from a
     * checkpoint) the bucket's stream never has an older number after a newer one for a key either:
     * retries only repeat values, in order.
     */
    private void assertLastWriteWins(KeyValue kv, String bucket, int n, boolean historyInOrder)
            throws Exception {
        assertThat(kv.keys()).hasSize(KEYS);
        for (int k = 0; k < KEYS; k++) {
            String key = "k" + k;
            assertThat(new String(kv.get(key).getValue(), StandardCharsets.UTF_8))
                    .as("the value of %s", key)
                    .isEqualTo(String.valueOf(n - KEYS + k));
        }
        if (!historyInOrder) {
            return;
        }
        Map<String, Long> latest = new HashMap<>();
        for (MessageInfo m : StreamCapture.readAll(client.connection(), "KV_" + bucket)) {
            long value = Long.parseLong(new String(m.getData(), StandardCharsets.UTF_8));
            Long previous = latest.put(m.getSubject(), value);
            assertThat(value)
                    .as("a write to %s after %s", m.getSubject(), previous)
                    .isGreaterThanOrEqualTo(previous == null ? 0 : previous);
        }
    }
}
