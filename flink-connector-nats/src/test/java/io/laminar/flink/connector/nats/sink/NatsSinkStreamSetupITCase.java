package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.sink.JetStreamSettings.Storage;
import io.laminar.flink.connector.nats.sink.JetStreamSettings.StreamCreation;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.LogCapture;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.StreamCapture;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * JetStream set-up at start-up against a server whose JetStream has the domain {@code hub}: the
 * stream check, stream creation and Key-Value writes through {@code jetstream.domain} or {@code
 * jetstream.api-prefix}; a missing stream created once however many writers start together; an
 * existing stream left as it is, with a WARN naming each setting it differs in.
 */
class NatsSinkStreamSetupITCase {

    /** Four slots: four writers start together in the race test. */
    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @RegisterExtension
    static final NatsServerExtension NATS =
            NatsServerExtension.builder().config("jetstream { domain: hub }\n").build();

    @RegisterExtension
    final NatsClientExtension client = NatsClientExtension.of(NATS).deletingStreamsAfterEach();

    private static final List<String> RECORDS =
            IntStream.range(0, 200).mapToObj(String::valueOf).collect(Collectors.toList());

    @AfterEach
    void deleteBuckets() throws Exception {
        for (String bucket : client.connection().keyValueManagement().getBucketNames()) {
            client.connection().keyValueManagement().delete(bucket);
        }
    }

    private static NatsSinkBuilder<String> sink(String subject, JetStreamSettings jetStream) {
        return NatsSink.<String>builder()
                .setConnectionSettings(ConnectionSettings.builder().servers(NATS.url()).build())
                .setSerializationSchema(new SimpleStringSchema())
                .setSubject(subject)
                .setJetStream(jetStream);
    }

    private static void run(NatsSinkBuilder<String> sink, int parallelism) throws Exception {
        StreamExecutionEnvironment env =
                FlinkEnvironment.builder().parallelism(parallelism).noRestarts().build();
        env.fromData(RECORDS).sinkTo(sink.build());
        env.execute("stream set-up");
    }

    private StreamConfiguration config(String stream) throws Exception {
        return client.connection().jetStreamManagement().getStreamInfo(stream).getConfiguration();
    }

    // ---------------------------------------------------------------- domain and API prefix

    @Test
    void the_stream_check_goes_through_the_domain_or_the_api_prefix() throws Exception {
        StreamCapture.createMemoryStream(client.connection(), "HUB", "hub.>");
        run(
                sink(
                        "hub.domain",
                        JetStreamSettings.builder().expectedStream("HUB").domain("hub").build()),
                1);
        run(
                sink(
                        "hub.prefix",
                        JetStreamSettings.builder()
                                .expectedStream("HUB")
                                .apiPrefix("$JS.hub.API")
                                .build()),
                1);
        assertThat(StreamCapture.readAllPayloadsAsStrings(client.connection(), "HUB"))
                .hasSize(2 * RECORDS.size())
                .containsExactlyInAnyOrderElementsOf(
                        IntStream.range(0, 2)
                                .boxed()
                                .flatMap(i -> RECORDS.stream())
                                .collect(Collectors.toList()));
    }

    @Test
    void a_domain_nobody_serves_fails_the_start_up_naming_the_stream_and_the_prefix() {
        StreamCapture.createMemoryStream(client.connection(), "HUB", "hub.>");
        assertThatThrownBy(
                        () ->
                                run(
                                        sink(
                                                "hub.nowhere",
                                                JetStreamSettings.builder()
                                                        .expectedStream("HUB")
                                                        .domain("nowhere")
                                                        .build()),
                                        1))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("'HUB'")
                                        .contains("$JS.nowhere.API."));
    }

    /**
     * A leaf node with JetStream of its own (domain {@code leaf}) connected to a hub (domain {@code
     * hub}): the sink connects to the leaf and publishes into a stream of the hub, checking and
     * creating it through the hub's domain.
     */
    @Test
    void from_a_leaf_node_the_sink_reaches_a_stream_in_the_hubs_domain() throws Exception {
        int leafPort = NatsServerExtension.freePort();
        try (NatsServerExtension hub =
                        NatsServerExtension.builder()
                                .config(
                                        "server_name: hub\njetstream { domain: hub }\n"
                                                + "leafnodes { listen: \"127.0.0.1:"
                                                + leafPort
                                                + "\" }\n")
                                .build();
                NatsServerExtension leaf =
                        NatsServerExtension.builder()
                                .config(
                                        "server_name: leaf\njetstream { domain: leaf }\n"
                                                + "leafnodes { remotes = [ { url:"
                                                + " \"nats://127.0.0.1:"
                                                + leafPort
                                                + "\" } ] }\n")
                                .build()) {
            hub.start();
            leaf.start();
            try (Connection onHub = hub.connect();
                    Connection onLeaf = leaf.connect()) {
                JetStreamManagement hubFromLeaf =
                        onLeaf.jetStreamManagement(
                                JetStreamOptions.builder().domain("hub").build());
                Await.until(
                        "the leaf node reaches the hub's JetStream",
                        Duration.ofSeconds(30),
                        () -> {
                            try {
                                return hubFromLeaf.getAccountStatistics() != null;
                            } catch (Exception notYet) {
                                return false;
                            }
                        });
                StreamExecutionEnvironment env = FlinkEnvironment.builder().noRestarts().build();
                env.fromData(RECORDS)
                        .sinkTo(
                                NatsSink.<String>builder()
                                        .setConnectionSettings(
                                                ConnectionSettings.builder()
                                                        .servers(leaf.url())
                                                        .build())
                                        .setSerializationSchema(new SimpleStringSchema())
                                        .setSubject("audit.events")
                                        .setJetStream(
                                                JetStreamSettings.builder()
                                                        .domain("hub")
                                                        .expectedStream("AUDIT")
                                                        .createStreamIfMissing(
                                                                StreamCreation.ofSinkSubject()
                                                                        .storage(Storage.MEMORY))
                                                        .build())
                                        .build());
                env.execute("leaf node to hub");

                assertThat(onHub.jetStreamManagement().getStreamNames()).contains("AUDIT");
                assertThat(onLeaf.jetStreamManagement().getStreamNames())
                        .as("the leaf's own JetStream")
                        .doesNotContain("AUDIT");
                assertThat(StreamCapture.readAllPayloadsAsStrings(onHub, "AUDIT"))
                        .containsExactlyElementsOf(RECORDS);
            }
        }
    }

    @Test
    void key_value_writes_go_through_the_domain() throws Exception {
        client.connection()
                .keyValueManagement()
                .create(
                        KeyValueConfiguration.builder()
                                .name("domained")
                                .storageType(StorageType.Memory)
                                .build());
        StreamExecutionEnvironment env = FlinkEnvironment.builder().parallelism(1).build();
        env.fromData("a=1", "b=2", "a=3")
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder().servers(NATS.url()).build())
                                .setJetStream(JetStreamSettings.builder().domain("hub").build())
                                .setKeyValueBucket("domained")
                                .setKeyValueSerializer(
                                        v ->
                                                KeyValueEntry.put(
                                                        v.split("=")[0],
                                                        v.split("=")[1].getBytes(
                                                                StandardCharsets.UTF_8)))
                                .build());
        env.execute("kv through a domain");

        KeyValue kv = client.connection().keyValue("domained");
        assertThat(kv.keys()).containsExactlyInAnyOrder("a", "b");
        assertThat(new String(kv.get("a").getValue(), StandardCharsets.UTF_8)).isEqualTo("3");
        assertThat(new String(kv.get("b").getValue(), StandardCharsets.UTF_8)).isEqualTo("2");
    }

    // ---------------------------------------------------------------- stream creation

    @Test
    void a_missing_stream_is_created_as_configured_and_holds_every_record() throws Exception {
        run(
                sink(
                                "created.one",
                                JetStreamSettings.builder()
                                        .expectedStream("CREATED")
                                        .createStreamIfMissing(
                                                StreamCreation.ofSinkSubject()
                                                        .storage(Storage.MEMORY)
                                                        .duplicateWindow(Duration.ofMinutes(5)))
                                        .build())
                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE),
                1);
        StreamConfiguration created = config("CREATED");
        assertThat(created.getSubjects()).containsExactly("created.one");
        assertThat(created.getStorageType()).isEqualTo(StorageType.Memory);
        assertThat(created.getReplicas()).isEqualTo(1);
        assertThat(created.getDuplicateWindow()).isEqualTo(Duration.ofMinutes(5));
        assertThat(StreamCapture.readAllPayloadsAsStrings(client.connection(), "CREATED"))
                .containsExactlyElementsOf(RECORDS);
    }

    @Test
    void four_writers_starting_together_create_the_stream_once() throws Exception {
        run(
                sink(
                                "race.all",
                                JetStreamSettings.builder()
                                        .expectedStream("RACE")
                                        .domain("hub")
                                        .createStreamIfMissing(
                                                StreamCreation.subjects("race.>")
                                                        .storage(Storage.MEMORY))
                                        .build())
                        .setConnectionPoolSize(0),
                4);
        assertThat(client.connection().jetStreamManagement().getStreamNames())
                .containsExactly("RACE");
        assertThat(config("RACE").getSubjects()).containsExactly("race.>");
        assertThat(StreamCapture.readAllPayloadsAsStrings(client.connection(), "RACE"))
                .containsExactlyInAnyOrderElementsOf(RECORDS);
    }

    @Test
    void an_existing_stream_is_left_as_it_is_with_a_warning_per_difference() throws Exception {
        StreamCapture.createFileStream(client.connection(), "KEPT", "kept.>");
        try (LogCapture log = LogCapture.everything(Level.WARN)) {
            run(
                    sink(
                            "kept.one",
                            JetStreamSettings.builder()
                                    .expectedStream("KEPT")
                                    .createStreamIfMissing(
                                            StreamCreation.ofSinkSubject()
                                                    .storage(Storage.MEMORY)
                                                    .duplicateWindow(Duration.ofMinutes(7)))
                                    .build()),
                    1);
            assertThat(log.text())
                    .contains(
                            "The JetStream stream 'KEPT' exists and is left as it is, but its"
                                    + " subjects are [kept.>], not [kept.one] ('streamSubjects')")
                    .contains("its storage is file, not memory ('streamStorage')")
                    .contains("its duplicate window is PT2M, not PT7M ('streamDuplicateWindow')")
                    .doesNotContain("('streamReplicas')");
        }
        StreamConfiguration kept = config("KEPT");
        assertThat(kept.getSubjects()).containsExactly("kept.>");
        assertThat(kept.getStorageType()).isEqualTo(StorageType.File);
        assertThat(StreamCapture.readAllPayloadsAsStrings(client.connection(), "KEPT"))
                .containsExactlyElementsOf(RECORDS);
    }

    @Test
    void without_creation_a_missing_stream_still_fails_the_start_up() throws Exception {
        assertThatThrownBy(
                        () ->
                                run(
                                        sink(
                                                "absent.one",
                                                JetStreamSettings.builder()
                                                        .expectedStream("ABSENT")
                                                        .build()),
                                        1))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("'ABSENT' is not available")
                                        .contains("10059")
                                        .contains("'createStreamIfMissing'"));
        assertThat(client.connection().jetStreamManagement().getStreamNames())
                .doesNotContain("ABSENT");
    }

    // ---------------------------------------------------------------- SQL

    @Test
    void sql_creates_the_stream_through_the_domain_and_names_options_in_warnings()
            throws Exception {
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(FlinkEnvironment.create());
        String table =
                "CREATE TABLE %s (v STRING) WITH ('connector' = 'nats_sink', 'servers' = '"
                        + NATS.url()
                        + "', 'subject' = 'sql.created', 'format' = 'raw',"
                        + " 'jetstream.enabled' = 'true', 'jetstream.domain' = 'hub',"
                        + " 'jetstream.stream' = 'SQL_CREATED',"
                        + " 'jetstream.stream.create-if-missing' = 'true',"
                        + " 'jetstream.stream.storage' = '%s')";
        tEnv.executeSql(String.format(table, "created", "memory"));
        tEnv.executeSql("INSERT INTO created VALUES ('x'), ('y')").await();
        assertThat(config("SQL_CREATED").getSubjects()).containsExactly("sql.created");
        assertThat(config("SQL_CREATED").getStorageType()).isEqualTo(StorageType.Memory);

        tEnv.executeSql(String.format(table, "again", "file"));
        try (LogCapture log = LogCapture.everything(Level.WARN)) {
            tEnv.executeSql("INSERT INTO again VALUES ('z')").await();
            assertThat(log.text())
                    .contains("its storage is memory, not file ('jetstream.stream.storage')");
        }
        assertThat(StreamCapture.readAllPayloadsAsStrings(client.connection(), "SQL_CREATED"))
                .containsExactly("x", "y", "z");
    }

    @Test
    void sql_refuses_creation_without_subjects_when_rows_choose_them() {
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(FlinkEnvironment.create());
        tEnv.executeSql(
                "CREATE TABLE routed (s STRING, v STRING) WITH ('connector' = 'nats_sink',"
                        + " 'servers' = '"
                        + NATS.url()
                        + "', 'subject_field' = 's', 'format' = 'json',"
                        + " 'jetstream.enabled' = 'true', 'jetstream.stream' = 'ROUTED',"
                        + " 'jetstream.stream.create-if-missing' = 'true')");
        assertThatThrownBy(() -> tEnv.explainSql("INSERT INTO routed VALUES ('a', 'b')"))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("'jetstream.stream.subjects' is required"));
    }
}
