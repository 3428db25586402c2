package io.laminar.flink.connector.nats.e2e;

import io.laminar.flink.connector.nats.testutils.MessageCollector;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;

import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Message;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end on a real standalone Flink cluster (see {@link StandaloneFlinkCluster}) against a real
 * nats-server that requires a username and password:
 *
 * <ul>
 *   <li>the SQL client runs a script with the shaded {@code flink-sql-connector-nats} jar ({@code
 *       -j}): a named connection set with {@code SET}, a {@code ${ENV}} password that only the
 *       TaskManager's environment holds, {@code format = 'json'}, {@code subject_field}, static
 *       {@code headers}, rows from a bounded {@code datagen};
 *   <li>the SQL client keeps a {@code GROUP BY} result in a NATS Key-Value bucket ({@code
 *       kv.bucket}), read back with jnats' {@code KeyValue};
 *   <li>{@code flink run} submits a DataStream job from a user jar that bundles the unshaded
 *       connector.
 * </ul>
 *
 * <p>Maven assembles the Flink installation in {@code pre-integration-test}; the system properties
 * come from the failsafe configuration. Logs stay under {@code target/e2e/log/}; their tails are
 * printed when a test fails.
 */
class StandaloneClusterITCase {

    private static final String USER = "publisher";
    private static final String PASSWORD = "e2e-Pa55-" + System.nanoTime();
    private static final String PASSWORD_ENV = "NATS_E2E_PASSWORD";
    private static final int SQL_ROWS = 30;
    private static final int DATASTREAM_RECORDS = 25;
    private static final Duration CLIENT_TIMEOUT = Duration.ofMinutes(4);
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final NatsServerExtension NATS =
            NatsServerExtension.builder()
                    .config("authorization { user: " + USER + ", password: \"" + PASSWORD + "\" }")
                    .build();

    private static StandaloneFlinkCluster cluster;
    private static Connection subscriber;

    @RegisterExtension
    static final TestWatcher PRINT_LOGS_ON_FAILURE =
            new TestWatcher() {
                @Override
                public void testFailed(ExtensionContext context, Throwable cause) {
                    if (cluster != null) {
                        cluster.printLogTails(System.err);
                    }
                }
            };

    @BeforeAll
    static void startNatsAndFlink() throws Exception {
        NATS.start();
        subscriber = NATS.connect(NATS.optionsBuilder().userInfo(USER, PASSWORD));
        cluster =
                new StandaloneFlinkCluster(
                        Paths.get(requiredProperty("e2e.flink.home")),
                        Paths.get(requiredProperty("e2e.work.dir")));
        try {
            // Only the TaskManager knows the password: the client and the JobManager see the
            // ${NATS_E2E_PASSWORD} reference, never the value.
            cluster.start(Map.of(PASSWORD_ENV, PASSWORD));
            assertThat(cluster.flinkVersion()).isEqualTo(requiredProperty("e2e.flink.version"));
        } catch (Throwable t) {
            cluster.printLogTails(System.err);
            throw t;
        }
    }

    @AfterAll
    static void stopAll() throws Exception {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (subscriber != null) {
                subscriber.close();
            }
            NATS.close();
        }
    }

    @Test
    void sql_client_script_with_the_shaded_jar_publishes_json_rows_to_their_subjects()
            throws Exception {
        Path script = cluster.tmpDir().resolve("nats-e2e.sql");
        Files.write(script, sqlScript());

        try (MessageCollector collector = MessageCollector.subscribe(subscriber, "e2e.orders.>")) {
            StandaloneFlinkCluster.ClientRun run =
                    cluster.runSqlClient(script, shadedConnectorJar(), CLIENT_TIMEOUT);
            assertThat(run.exitCode).as("%s", run).isZero();
            assertThat(run.output).as("%s", run).doesNotContain("[ERROR]");
            String jobId = run.jobId();
            assertThat(jobId).as("job id printed by %s", run).isNotNull();
            assertJobFinished(jobId);

            List<Message> messages = collector.awaitCount(SQL_ROWS, JOB_TIMEOUT);
            subscriber.flush(Duration.ofSeconds(5)); // anything still in flight arrives first
            messages = collector.messages();
            assertThat(messages).as("messages at the nats-server").hasSize(SQL_ROWS);

            Set<Long> orderIds = new TreeSet<>();
            for (Message message : messages) {
                JsonNode row = JSON.readTree(new String(message.getData(), StandardCharsets.UTF_8));
                long orderId = row.path("order_id").asLong();
                orderIds.add(orderId);
                assertThat(fieldNames(row))
                        .containsExactlyInAnyOrder("order_id", "subject", "amount");
                assertThat(message.getSubject())
                        .isEqualTo("e2e.orders." + region(orderId))
                        .isEqualTo(row.path("subject").asText());
                assertThat(row.path("amount").asInt()).isBetween(1, 100);
                assertThat(message.getHeaders()).isNotNull();
                assertThat(message.getHeaders().getFirst("content-type"))
                        .isEqualTo("application/json");
                assertThat(message.getHeaders().getFirst("x-source")).isEqualTo("sql-e2e");
            }
            assertThat(orderIds)
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(1, SQL_ROWS)
                                    .boxed()
                                    .collect(Collectors.toList()));
        }
        assertThat(Files.readString(cluster.logDir().resolve("sql-client.out")))
                .as("the password never reaches the client")
                .doesNotContain(PASSWORD);
    }

    @Test
    void sql_client_script_keeps_a_group_by_result_in_a_key_value_bucket() throws Exception {
        subscriber
                .keyValueManagement()
                .create(
                        KeyValueConfiguration.builder()
                                .name("e2e_totals")
                                .storageType(StorageType.Memory)
                                .build());
        Path script = cluster.tmpDir().resolve("nats-e2e-kv.sql");
        Files.write(script, keyValueScript());

        StandaloneFlinkCluster.ClientRun run =
                cluster.runSqlClient(script, shadedConnectorJar(), CLIENT_TIMEOUT);
        assertThat(run.exitCode).as("%s", run).isZero();
        assertThat(run.output).as("%s", run).doesNotContain("[ERROR]");
        String jobId = run.jobId();
        assertThat(jobId).as("job id printed by %s", run).isNotNull();
        assertJobFinished(jobId);

        KeyValue totals = subscriber.keyValue("e2e_totals");
        assertThat(totals.keys()).containsExactlyInAnyOrder("region.eu", "region.us", "region.ap");
        for (String region : List.of("eu", "us", "ap")) {
            JsonNode value =
                    JSON.readTree(
                            new String(
                                    totals.get("region." + region).getValue(),
                                    StandardCharsets.UTF_8));
            assertThat(fieldNames(value)).containsExactlyInAnyOrder("orders", "last_order");
            assertThat(value.path("orders").asLong()).as("orders in %s", region).isEqualTo(10);
            long last = region.equals("eu") ? 30 : region.equals("us") ? 28 : 29;
            assertThat(value.path("last_order").asLong()).isEqualTo(last);
        }
    }

    @Test
    void datastream_job_from_a_user_jar_with_the_unshaded_connector_publishes_every_record()
            throws Exception {
        try (MessageCollector collector =
                MessageCollector.subscribe(subscriber, "e2e.datastream")) {
            StandaloneFlinkCluster.ClientRun run =
                    cluster.runFlinkCli(
                            List.of(
                                    "run",
                                    "-c",
                                    DataStreamJob.class.getName(),
                                    userJobJar().toString(),
                                    "--servers",
                                    NATS.url(),
                                    "--subject",
                                    "e2e.datastream",
                                    "--count",
                                    String.valueOf(DATASTREAM_RECORDS),
                                    "--username",
                                    USER,
                                    "--password",
                                    "${" + PASSWORD_ENV + "}"),
                            CLIENT_TIMEOUT);
            assertThat(run.exitCode).as("%s", run).isZero();
            String jobId = run.jobId();
            assertThat(jobId).as("job id printed by %s", run).isNotNull();
            assertJobFinished(jobId);

            collector.awaitCount(DATASTREAM_RECORDS, JOB_TIMEOUT);
            subscriber.flush(Duration.ofSeconds(5));
            List<Message> messages = collector.messages();
            assertThat(messages.stream().map(m -> new String(m.getData(), StandardCharsets.UTF_8)))
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(1, DATASTREAM_RECORDS)
                                    .mapToObj(i -> "event-" + i)
                                    .collect(Collectors.toList()));
            assertThat(messages)
                    .allSatisfy(
                            m ->
                                    assertThat(m.getHeaders().getFirst("x-source"))
                                            .isEqualTo("datastream-e2e"));
        }
    }

    // ------------------------------------------------------------------------------------------

    private static List<String> sqlScript() {
        String regions = "CASE MOD(order_id, 3) WHEN 0 THEN 'eu' WHEN 1 THEN 'us' ELSE 'ap' END";
        return List.of(
                "-- Named connection, as a platform team would put it in config.yaml.",
                "SET 'nats.connection.e2e_conn.servers' = '[\"" + NATS.url() + "\"]';",
                "SET 'nats.connection.e2e_conn.username' = '" + USER + "';",
                "SET 'nats.connection.e2e_conn.password' = '${" + PASSWORD_ENV + "}';",
                "CREATE TABLE orders_src (order_id BIGINT, amount INT) WITH (",
                "  'connector' = 'datagen',",
                "  'number-of-rows' = '" + SQL_ROWS + "',",
                "  'fields.order_id.kind' = 'sequence',",
                "  'fields.order_id.start' = '1',",
                "  'fields.order_id.end' = '" + SQL_ROWS + "',",
                "  'fields.amount.min' = '1',",
                "  'fields.amount.max' = '100'",
                ");",
                "CREATE TABLE nats_orders (order_id BIGINT, subject STRING, amount INT) WITH (",
                "  'connector' = 'nats_sink',",
                "  'connection' = 'e2e_conn',",
                "  'subject_field' = 'subject',",
                "  'headers' = '{\"content-type\":\"application/json\",\"x-source\":\"sql-e2e\"}',",
                "  'format' = 'json'",
                ");",
                "INSERT INTO nats_orders",
                "SELECT order_id, CONCAT('e2e.orders.', " + regions + "), amount FROM orders_src;");
    }

    /** A GROUP BY over the SQL_ROWS orders into bucket e2e_totals: 'region.<r>' per region. */
    private static List<String> keyValueScript() {
        String regions = "CASE MOD(order_id, 3) WHEN 0 THEN 'eu' WHEN 1 THEN 'us' ELSE 'ap' END";
        return List.of(
                "SET 'nats.connection.e2e_conn.servers' = '[\"" + NATS.url() + "\"]';",
                "SET 'nats.connection.e2e_conn.username' = '" + USER + "';",
                "SET 'nats.connection.e2e_conn.password' = '${" + PASSWORD_ENV + "}';",
                "CREATE TABLE kv_orders_src (order_id BIGINT) WITH (",
                "  'connector' = 'datagen',",
                "  'number-of-rows' = '" + SQL_ROWS + "',",
                "  'fields.order_id.kind' = 'sequence',",
                "  'fields.order_id.start' = '1',",
                "  'fields.order_id.end' = '" + SQL_ROWS + "'",
                ");",
                "CREATE TABLE totals (",
                "  kind STRING, region STRING, orders BIGINT, last_order BIGINT,",
                "  PRIMARY KEY (kind, region) NOT ENFORCED",
                ") WITH (",
                "  'connector' = 'nats_sink',",
                "  'connection' = 'e2e_conn',",
                "  'kv.bucket' = 'e2e_totals',",
                "  'value.fields-include' = 'EXCEPT_KEY',",
                "  'format' = 'json'",
                ");",
                "INSERT INTO totals",
                "SELECT 'region', " + regions + ", COUNT(*), MAX(order_id) FROM kv_orders_src",
                "GROUP BY " + regions + ";");
    }

    private static String region(long orderId) {
        switch ((int) (orderId % 3)) {
            case 0:
                return "eu";
            case 1:
                return "us";
            default:
                return "ap";
        }
    }

    private static void assertJobFinished(String jobId) {
        String state = cluster.awaitJobTermination(jobId, JOB_TIMEOUT);
        assertThat(state)
                .as("state of job %s; exceptions: %s", jobId, cluster.jobExceptions(jobId))
                .isEqualTo("FINISHED");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        Iterator<String> it = node.fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }

    private static Path shadedConnectorJar() throws Exception {
        Path dir = Paths.get(requiredProperty("e2e.flink.home")).resolve("connector");
        try (Stream<Path> jars = Files.list(dir)) {
            List<Path> found =
                    jars.filter(
                                    p ->
                                            p.getFileName()
                                                    .toString()
                                                    .startsWith("flink-sql-connector-nats"))
                            .collect(Collectors.toList());
            assertThat(found).as("the shaded connector jar in %s", dir).hasSize(1);
            return found.get(0);
        }
    }

    private static Path userJobJar() {
        Path jar = Paths.get(requiredProperty("e2e.job.jar"));
        assertThat(jar).as("the DataStream user jar (built in 'package')").isRegularFile();
        return jar;
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException(
                    "System property "
                            + name
                            + " is not set: run this test with 'mvn verify' (failsafe sets it)");
        }
        return value;
    }
}
