package io.laminar.flink.connector.nats.connection;

import io.laminar.flink.connector.nats.sink.NatsSink;
import io.laminar.flink.connector.nats.sink.NatsSinkException;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.LogCapture;
import io.laminar.flink.connector.nats.testutils.MessageCollector;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.OperatorMode;

import io.nats.client.Connection;
import io.nats.client.Nats;

import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.InstantiationUtil;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Credentials as values instead of files ({@code credentials}, {@code jwt} with {@code nkey_seed})
 * against a server in operator mode: given as {@code ${NATS_…}} references they publish from SQL
 * and DataStream jobs and appear nowhere (plan, {@code EXPLAIN}, {@code toString()}, exceptions,
 * the DEBUG log); a user the server does not know fails at start-up naming the option.
 */
class NatsInlineCredentialsITCase {

    private static final OperatorMode OPERATOR = OperatorMode.create();
    private static final OperatorMode.User USER = OPERATOR.user();

    /** The TaskManager's environment as the references see it. */
    private static final Map<String, String> ENVIRONMENT =
            Map.of(
                    "NATS_TEST_CREDS", USER.creds,
                    "NATS_TEST_JWT", USER.jwt,
                    "NATS_TEST_NKEY_SEED", USER.seed);

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @RegisterExtension static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final NatsServerExtension NATS =
            NatsServerExtension.builder().jetStream(false).config(OPERATOR.serverConfig()).build();

    private LogCapture log;

    @BeforeAll
    static void environment() {
        EnvironmentReferences.useEnvironment(
                name -> ENVIRONMENT.getOrDefault(name, System.getenv(name)));
    }

    @AfterAll
    static void restoreEnvironment() {
        EnvironmentReferences.useEnvironment(System::getenv);
    }

    @BeforeEach
    void captureLogs() {
        log = LogCapture.everything(Level.DEBUG);
    }

    @AfterEach
    void noSecretLogged() throws Exception {
        log.close();
        assertThat(log.text()).as("DEBUG log").isNotEmpty();
        assertNoSecret("the DEBUG log", log.text());
    }

    private static void assertNoSecret(String where, String text) {
        assertThat(text).as(where).doesNotContain(USER.seed).doesNotContain(USER.jwt);
    }

    private static Connection subscriber() throws Exception {
        return Nats.connect(
                NATS.optionsBuilder()
                        .authHandler(
                                Nats.staticCredentials(USER.creds.getBytes(StandardCharsets.UTF_8)))
                        .build());
    }

    @Test
    void sql_credentials_by_reference_publish_and_stay_out_of_the_plan() throws Exception {
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(FlinkEnvironment.create());
        tEnv.executeSql(
                "CREATE TABLE creds_sink (v STRING) WITH ('connector' = 'nats_sink', 'servers' = '"
                        + NATS.url()
                        + "', 'credentials' = '${NATS_TEST_CREDS}', 'subject' = 'inline.creds',"
                        + " 'format' = 'raw')");
        String insert = "INSERT INTO creds_sink VALUES ('one'), ('two')";
        String plan = tEnv.compilePlanSql(insert).asJsonString();
        assertThat(plan).contains("${NATS_TEST_CREDS}");
        assertNoSecret("the compiled plan", plan);
        assertNoSecret("EXPLAIN", tEnv.explainSql(insert));

        try (Connection subscriber = subscriber();
                MessageCollector collector =
                        MessageCollector.subscribe(subscriber, "inline.creds")) {
            tEnv.executeSql(insert).await();
            collector.awaitCount(2, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("one", "two");
        }
    }

    @Test
    void sql_jwt_and_nkey_seed_by_reference_in_a_named_connection_publish() throws Exception {
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(FlinkEnvironment.create());
        tEnv.getConfig().set("nats.connection.operator.servers", NATS.url());
        tEnv.getConfig().set("nats.connection.operator.jwt", "${NATS_TEST_JWT}");
        tEnv.getConfig().set("nats.connection.operator.nkey_seed", "${NATS_TEST_NKEY_SEED}");
        tEnv.executeSql(
                "CREATE TABLE jwt_sink (v STRING) WITH ('connector' = 'nats_sink', 'connection' ="
                        + " 'operator', 'subject' = 'inline.jwt', 'format' = 'raw')");
        String insert = "INSERT INTO jwt_sink VALUES ('three')";
        assertNoSecret("the compiled plan", tEnv.compilePlanSql(insert).asJsonString());

        try (Connection subscriber = subscriber();
                MessageCollector collector = MessageCollector.subscribe(subscriber, "inline.jwt")) {
            tEnv.executeSql(insert).await();
            collector.awaitCount(1, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("three");
        }
    }

    @Test
    void datastream_references_stay_out_of_the_job_graph_until_the_writer_connects()
            throws Exception {
        StreamExecutionEnvironment env = FlinkEnvironment.create();
        env.fromData("c", "d")
                .sinkTo(
                        sink(
                                ConnectionSettings.builder()
                                        .servers(NATS.url())
                                        .jwt("${NATS_TEST_JWT}")
                                        .nkeySeed("${NATS_TEST_NKEY_SEED}")
                                        .build(),
                                "inline.graph"));
        String graph =
                new String(
                        InstantiationUtil.serializeObject(env.getStreamGraph(false).getJobGraph()),
                        StandardCharsets.ISO_8859_1);
        assertThat(graph).contains("${NATS_TEST_JWT}");
        assertNoSecret("the serialized job graph", graph);

        try (Connection subscriber = subscriber();
                MessageCollector collector =
                        MessageCollector.subscribe(subscriber, "inline.graph")) {
            env.execute("references in the job graph");
            collector.awaitCount(2, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("c", "d");
        }
    }

    @Test
    void datastream_values_publish_and_are_masked_in_to_string() throws Exception {
        ConnectionSettings jwtAndSeed =
                ConnectionSettings.builder()
                        .servers(NATS.url())
                        .jwt(USER.jwt)
                        .nkeySeed(USER.seed)
                        .build();
        ConnectionSettings creds =
                ConnectionSettings.builder().servers(NATS.url()).credentials(USER.creds).build();
        assertNoSecret("toString()", jwtAndSeed.toString());
        assertNoSecret("toString()", creds.toString());
        assertThat(jwtAndSeed.toString()).contains("jwt=******").contains("nkeySeed=******");
        assertThat(creds.toString()).contains("credentials=******");

        try (Connection subscriber = subscriber();
                MessageCollector collector = MessageCollector.subscribe(subscriber, "inline.ds")) {
            for (ConnectionSettings settings : new ConnectionSettings[] {jwtAndSeed, creds}) {
                StreamExecutionEnvironment env = FlinkEnvironment.create();
                env.fromData("a", "b").sinkTo(sink(settings, "inline.ds"));
                env.execute("inline credentials");
            }
            collector.awaitCount(4, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("a", "b", "a", "b");
        }
    }

    @Test
    void credentials_of_a_user_the_server_does_not_know_fail_naming_the_option() {
        OperatorMode.User stranger = OperatorMode.stranger();
        StreamExecutionEnvironment env = FlinkEnvironment.create();
        env.fromData("x")
                .sinkTo(
                        sink(
                                ConnectionSettings.builder()
                                        .servers(NATS.url())
                                        .credentials(stranger.creds)
                                        .build(),
                                "inline.stranger"));
        assertThatThrownBy(() -> env.execute("stranger"))
                .satisfies(
                        e -> {
                            String all = ExceptionUtils.stringifyException(e);
                            assertThat(
                                            ExceptionUtils.findThrowable(e, NatsSinkException.class)
                                                    .map(Throwable::getMessage)
                                                    .orElse(all))
                                    .containsIgnoringCase("Authorization Violation")
                                    .contains("Check the authentication setting: 'credentials'");
                            assertThat(all)
                                    .doesNotContain(stranger.seed)
                                    .doesNotContain(stranger.jwt);
                        });
    }

    @Test
    void a_jwt_without_its_seed_is_refused_at_planning_naming_both_options() {
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(FlinkEnvironment.create());
        tEnv.executeSql(
                "CREATE TABLE half (v STRING) WITH ('connector' = 'nats_sink', 'servers' = '"
                        + NATS.url()
                        + "', 'jwt' = '${NATS_TEST_JWT}', 'subject' = 'inline.half',"
                        + " 'format' = 'raw')");
        assertThatThrownBy(() -> tEnv.explainSql("INSERT INTO half VALUES ('x')"))
                .satisfies(
                        e ->
                                assertThat(
                                                ExceptionUtils.findThrowable(
                                                                e, ValidationException.class)
                                                        .map(ExceptionUtils::stringifyException)
                                                        .orElse(""))
                                        .contains("'jwt'")
                                        .contains("'nkey_seed'"));
    }

    private static NatsSink<String> sink(ConnectionSettings settings, String subject) {
        return NatsSink.<String>builder()
                .setConnectionSettings(settings)
                .setSerializationSchema(new SimpleStringSchema())
                .setSubject(subject)
                .build();
    }
}
