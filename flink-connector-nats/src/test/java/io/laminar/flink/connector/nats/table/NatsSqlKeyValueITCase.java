package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.StreamCapture;

import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Updating queries into a NATS Key-Value bucket ({@code kv.bucket}), read back with jnats' {@code
 * KeyValue} API as any NATS client would.
 */
class NatsSqlKeyValueITCase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension static final NatsServerExtension NATS = new NatsServerExtension();

    @RegisterExtension
    final NatsClientExtension client = NatsClientExtension.of(NATS).deletingStreamsAfterEach();

    private StreamExecutionEnvironment env;
    private StreamTableEnvironment tEnv;

    @BeforeEach
    void createEnvironment() {
        env = FlinkEnvironment.create();
        tEnv = StreamTableEnvironment.create(env);
    }

    @AfterEach
    void deleteBuckets() throws Exception {
        for (String bucket : client.connection().keyValueManagement().getBucketNames()) {
            client.connection().keyValueManagement().delete(bucket);
        }
    }

    private KeyValue bucket(String name) throws Exception {
        client.connection()
                .keyValueManagement()
                .create(
                        KeyValueConfiguration.builder()
                                .name(name)
                                .maxHistoryPerKey(10)
                                .storageType(StorageType.Memory)
                                .build());
        return client.connection().keyValue(name);
    }

    private String table(String name, String columns, String extraOptions) {
        return "CREATE TABLE "
                + name
                + " ("
                + columns
                + ") WITH ('connector' = 'nats_sink', 'servers' = '"
                + NATS.url()
                + "', 'format' = 'json'"
                + extraOptions
                + ")";
    }

    /**
     * An INSERT into {@code table} of {@code rows} (columns k STRING, v INT), from an upsert
     * changelog keyed by k: Flink 2.3 refuses a query into a table with a primary key unless its
     * upsert key is that key (an insert-only query would need {@code ON CONFLICT}, which Flink 2.2
     * does not parse).
     */
    private String upsert(String table, Row... rows) {
        String view = "src_" + table;
        tEnv.createTemporaryView(
                view,
                tEnv.fromChangelogStream(
                        env.fromData(rows)
                                .returns(
                                        Types.ROW_NAMED(
                                                new String[] {"k", "v"}, Types.STRING, Types.INT)),
                        Schema.newBuilder()
                                .column("k", DataTypes.STRING().notNull())
                                .column("v", DataTypes.INT())
                                .primaryKey("k")
                                .build(),
                        ChangelogMode.upsert()));
        return "INSERT INTO " + table + " SELECT * FROM " + view;
    }

    private static JsonNode json(KeyValueEntry entry) throws Exception {
        return JSON.readTree(new String(entry.getValue(), StandardCharsets.UTF_8));
    }

    @Test
    void a_group_by_aggregate_of_100000_rows_over_1000_keys_ends_with_every_count()
            throws Exception {
        KeyValue kv = bucket("clicks");
        DataStream<Row> clicks =
                env.fromSequence(0, 99_999)
                        .map(i -> Row.of("u" + (i % 1_000), i % 1_000 < 500 ? "eu" : "us"))
                        .returns(
                                Types.ROW_NAMED(
                                        new String[] {"user_id", "region"},
                                        Types.STRING,
                                        Types.STRING));
        tEnv.createTemporaryView("clicks", clicks);
        tEnv.executeSql(
                table(
                        "clicks_per_user",
                        "user_id STRING, region STRING, clicks BIGINT,"
                                + " PRIMARY KEY (user_id, region) NOT ENFORCED",
                        ", 'kv.bucket' = 'clicks'"));
        tEnv.executeSql(
                        "INSERT INTO clicks_per_user SELECT user_id, region, COUNT(*) FROM clicks"
                                + " GROUP BY user_id, region")
                .await();

        List<String> keys = kv.keys();
        assertThat(keys).hasSize(1_000);
        for (int u = 0; u < 1_000; u++) {
            String region = u < 500 ? "eu" : "us";
            KeyValueEntry entry = kv.get("u" + u + "." + region);
            assertThat(entry).as("key u%s.%s", u, region).isNotNull();
            JsonNode value = json(entry);
            assertThat(value.get("user_id").asText()).isEqualTo("u" + u);
            assertThat(value.get("region").asText()).isEqualTo(region);
            assertThat(value.get("clicks").asLong()).as("clicks of u%s", u).isEqualTo(100);
        }
    }

    @Test
    void a_query_keyed_otherwise_than_the_primary_key_ends_with_each_keys_last_row()
            throws Exception {
        KeyValue kv = bucket("regions");
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW orders AS SELECT * FROM (VALUES"
                        + " (1, 'eu'), (2, 'us'), (3, 'eu'), (4, 'eu'), (5, 'us')) AS t(id, region)");
        tEnv.executeSql(
                table(
                        "per_region",
                        "kind STRING, region STRING, orders BIGINT, last_id INT,"
                                + " PRIMARY KEY (kind, region) NOT ENFORCED",
                        ", 'kv.bucket' = 'regions', 'value.fields-include' = 'EXCEPT_KEY'"));
        // The query's unique key is (region), not (kind, region): the planner sends
        // UPDATE_BEFORE rows, which delete the key before the UPDATE_AFTER puts it back.
        tEnv.executeSql(
                        "INSERT INTO per_region SELECT 'region', region, COUNT(*), MAX(id)"
                                + " FROM orders GROUP BY region")
                .await();

        assertThat(kv.keys()).containsExactlyInAnyOrder("region.eu", "region.us");
        assertThat(new String(kv.get("region.eu").getValue(), StandardCharsets.UTF_8))
                .isEqualTo("{\"orders\":3,\"last_id\":4}");
        assertThat(new String(kv.get("region.us").getValue(), StandardCharsets.UTF_8))
                .isEqualTo("{\"orders\":2,\"last_id\":5}");
        List<KeyValueOperation> history = new ArrayList<>();
        for (KeyValueEntry e : kv.history("region.us")) {
            history.add(e.getOperation());
        }
        assertThat(history)
                .containsExactly(
                        KeyValueOperation.PUT, KeyValueOperation.DELETE, KeyValueOperation.PUT);
    }

    private void changelog(String sinkOptions, String columns) throws Exception {
        DataStream<Row> changes =
                env.fromData(
                                Row.ofKind(RowKind.INSERT, "a", 1L),
                                Row.ofKind(RowKind.INSERT, "b", 2L),
                                Row.ofKind(RowKind.INSERT, "c", 3L),
                                Row.ofKind(RowKind.UPDATE_BEFORE, "a", 1L),
                                Row.ofKind(RowKind.UPDATE_AFTER, "a", 10L),
                                Row.ofKind(RowKind.DELETE, "b", 2L),
                                Row.ofKind(RowKind.UPDATE_BEFORE, "a", 10L),
                                Row.ofKind(RowKind.UPDATE_AFTER, "a", 11L),
                                Row.ofKind(RowKind.INSERT, "d", 4L),
                                Row.ofKind(RowKind.DELETE, "d", 4L))
                        .returns(
                                Types.ROW_NAMED(
                                        new String[] {"name", "amount"}, Types.STRING, Types.LONG));
        tEnv.createTemporaryView(
                "changes",
                tEnv.fromChangelogStream(
                        changes,
                        Schema.newBuilder()
                                .column("name", DataTypes.STRING().notNull())
                                .column("amount", DataTypes.BIGINT())
                                .primaryKey("name")
                                .build(),
                        ChangelogMode.all()));
        tEnv.executeSql(table("accounts", columns, sinkOptions));
        tEnv.executeSql("INSERT INTO accounts SELECT * FROM changes").await();
    }

    @Test
    void a_changelog_leaves_deleted_keys_gone_and_the_others_with_their_last_value()
            throws Exception {
        KeyValue kv = bucket("accounts");
        changelog(
                ", 'kv.bucket' = 'accounts', 'value.fields-include' = 'EXCEPT_KEY'",
                "name STRING NOT NULL, amount BIGINT, PRIMARY KEY (name) NOT ENFORCED");

        assertThat(kv.keys()).containsExactlyInAnyOrder("a", "c");
        assertThat(new String(kv.get("a").getValue(), StandardCharsets.UTF_8))
                .isEqualTo("{\"amount\":11}");
        assertThat(new String(kv.get("c").getValue(), StandardCharsets.UTF_8))
                .isEqualTo("{\"amount\":3}");
        assertThat(kv.get("b")).as("a deleted key").isNull();
        List<KeyValueOperation> history = new ArrayList<>();
        for (KeyValueEntry e : kv.history("b")) {
            history.add(e.getOperation());
        }
        assertThat(history)
                .as("b's history: the delete marker keeps it")
                .containsExactly(KeyValueOperation.PUT, KeyValueOperation.DELETE);
        List<Long> aValues = new ArrayList<>();
        for (KeyValueEntry e : kv.history("a")) {
            aValues.add(json(e).get("amount").asLong());
        }
        assertThat(aValues).as("a's writes, in order").containsExactly(1L, 10L, 11L);
    }

    @Test
    void delete_mode_purge_leaves_no_history_of_a_deleted_key() throws Exception {
        KeyValue kv = bucket("purged");
        changelog(
                ", 'kv.bucket' = 'purged', 'kv.delete-mode' = 'purge'",
                "name STRING NOT NULL, amount BIGINT, PRIMARY KEY (name) NOT ENFORCED");

        assertThat(kv.keys()).containsExactlyInAnyOrder("a", "c");
        assertThat(json(kv.get("a")).get("name").asText()).isEqualTo("a");
        assertThat(kv.get("b")).isNull();
        List<KeyValueOperation> history = new ArrayList<>();
        for (KeyValueEntry e : kv.history("b")) {
            history.add(e.getOperation());
        }
        assertThat(history)
                .as("b's history after a purge")
                .containsExactly(KeyValueOperation.PURGE);
    }

    @Test
    void composite_keys_are_joined_by_the_delimiter() throws Exception {
        KeyValue kv = bucket("composite");
        tEnv.executeSql(
                table(
                        "by_region",
                        "region STRING NOT NULL, city STRING NOT NULL, id INT NOT NULL, n INT,"
                                + " PRIMARY KEY (region, city, id) NOT ENFORCED",
                        ", 'kv.bucket' = 'composite', 'kv.key.delimiter' = '_'"));
        tEnv.createTemporaryView(
                "places",
                tEnv.fromChangelogStream(
                        env.fromData(Row.of("eu", "paris", 1, 5), Row.of("us", "nyc", 22, 6))
                                .returns(
                                        Types.ROW_NAMED(
                                                new String[] {"region", "city", "id", "n"},
                                                Types.STRING,
                                                Types.STRING,
                                                Types.INT,
                                                Types.INT)),
                        Schema.newBuilder()
                                .column("region", DataTypes.STRING().notNull())
                                .column("city", DataTypes.STRING().notNull())
                                .column("id", DataTypes.INT().notNull())
                                .column("n", DataTypes.INT())
                                .primaryKey("region", "city", "id")
                                .build(),
                        ChangelogMode.upsert()));
        tEnv.executeSql("INSERT INTO by_region SELECT * FROM places").await();

        assertThat(kv.keys()).containsExactlyInAnyOrder("eu_paris_1", "us_nyc_22");
        assertThat(json(kv.get("us_nyc_22")).get("n").asInt()).isEqualTo(6);
    }

    @Test
    void a_key_nats_cannot_store_fails_the_job_naming_the_key_columns_and_value() throws Exception {
        bucket("badkeys");
        tEnv.executeSql(
                table(
                        "bad",
                        "k STRING NOT NULL, v INT, PRIMARY KEY (k) NOT ENFORCED",
                        ", 'kv.bucket' = 'badkeys'"));
        assertThatThrownBy(() -> tEnv.executeSql(upsert("bad", Row.of("has space", 1))).await())
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("primary key (k)")
                                        .contains("'has space'")
                                        .contains("bucket 'badkeys'"));
    }

    @Test
    void a_bad_key_goes_to_the_dead_letter_subject_when_one_is_set() throws Exception {
        KeyValue kv = bucket("dlq");
        StreamCapture.createMemoryStream(client.connection(), "KV_DEAD", "kv.dead");
        tEnv.executeSql(
                table(
                        "with_dlq",
                        "k STRING, v INT, PRIMARY KEY (k) NOT ENFORCED",
                        ", 'kv.bucket' = 'dlq', 'sink.dead-letter.subject' = 'kv.dead'"));
        tEnv.executeSql(upsert("with_dlq", Row.of("ok", 1), Row.of("not ok", 2), Row.of("fine", 3)))
                .await();

        assertThat(kv.keys()).containsExactlyInAnyOrder("ok", "fine");
        List<MessageInfo> dead = StreamCapture.readAll(client.connection(), "KV_DEAD");
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).getHeaders().getFirst("Nats-Sink-Error"))
                .contains("primary key (k)")
                .contains("'not ok'");
    }

    @Test
    void a_missing_bucket_fails_the_job_at_start_up_naming_it() {
        tEnv.executeSql(
                table(
                        "nowhere",
                        "k STRING, v INT, PRIMARY KEY (k) NOT ENFORCED",
                        ", 'kv.bucket' = 'no_such_bucket'"));
        assertThatThrownBy(() -> tEnv.executeSql(upsert("nowhere", Row.of("a", 1))).await())
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("Key-Value bucket 'no_such_bucket'")
                                        .contains("10059"));
    }

    @Test
    void a_table_without_a_primary_key_is_refused_at_planning() {
        tEnv.executeSql(table("nokey", "k STRING, v INT", ", 'kv.bucket' = 'b'"));
        assertThatThrownBy(() -> tEnv.executeSql("INSERT INTO nokey VALUES ('a', 1)"))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("'kv.bucket'")
                                        .contains("PRIMARY KEY"));
    }

    @Test
    void options_that_route_to_subjects_are_refused_in_key_value_mode() {
        Map<String, String> refused = new HashMap<>();
        refused.put("subject", "'subject' = 'x'");
        refused.put("subject_field", "'subject_field' = 'k'");
        refused.put("reply_to_field", "'reply_to_field' = 'k'");
        refused.put("msg_id_field", "'msg_id_field' = 'k'");
        refused.put("jetstream.enabled", "'jetstream.enabled' = 'true'");
        refused.put("jetstream.stream", "'jetstream.stream' = 'S'");
        refused.put("headers.x-a", "'headers.x-a' = 'b'");
        int n = 0;
        for (Map.Entry<String, String> option : refused.entrySet()) {
            String name = "refused" + n++;
            tEnv.executeSql(
                    table(
                            name,
                            "k STRING, v INT, PRIMARY KEY (k) NOT ENFORCED",
                            ", 'kv.bucket' = 'b', " + option.getValue()));
            assertThatThrownBy(() -> tEnv.executeSql("INSERT INTO " + name + " VALUES ('a', 1)"))
                    .as(option.getKey())
                    .isInstanceOf(ValidationException.class)
                    .satisfies(
                            e ->
                                    assertThat(ExceptionUtils.stringifyException(e))
                                            .contains("'" + option.getKey() + "'")
                                            .contains("do not apply"));
        }
    }
}
