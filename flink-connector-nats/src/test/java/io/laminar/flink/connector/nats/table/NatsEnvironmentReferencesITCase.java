package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.LogCapture;
import io.laminar.flink.connector.nats.testutils.MessageCollector;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;

import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code ${NAME}} references on a cluster that leaves {@code nats.environment-references.allowed}
 * at its default, {@code NATS_*}: a {@code NATS_} variable is read; any other variable, here {@code
 * OTHER_TEST_SECRET} (set for the test JVM by the surefire configuration, and a valid password for
 * the server's user {@code other}), fails the job at start-up naming the variable and the key, also
 * when the job itself sets the key; and references outside the options that carry secrets, paths or
 * servers are refused at planning. No value appears in an exception or the log.
 */
class NatsEnvironmentReferencesITCase {

    /** Values of NATS_TEST_PASSWORD and OTHER_TEST_SECRET in the surefire configuration. */
    static final String NATS_PASSWORD = "env-s3cret-pw";

    static final String OTHER_SECRET = "other-s3cret-value";

    static final String ALLOWED_KEY = "nats.environment-references.allowed";

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @RegisterExtension static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension static final NatsServerExtension NATS = twoUserServer();

    /** A server with the users 'publisher' (NATS_PASSWORD) and 'other' (OTHER_SECRET). */
    static NatsServerExtension twoUserServer() {
        return NatsServerExtension.builder()
                .jetStream(false)
                .config(
                        "authorization {\n  users = [\n"
                                + "    { user: \"publisher\", password: \""
                                + NATS_PASSWORD
                                + "\" }\n"
                                + "    { user: \"other\", password: \""
                                + OTHER_SECRET
                                + "\" }\n  ]\n}\n")
                .build();
    }

    @RegisterExtension
    final NatsClientExtension client =
            NatsClientExtension.of(NATS, o -> o.userInfo("publisher", NATS_PASSWORD));

    private StreamTableEnvironment tEnv;
    private LogCapture log;

    @BeforeEach
    void createEnvironment() {
        tEnv = StreamTableEnvironment.create(FlinkEnvironment.create());
        log = LogCapture.everything(Level.DEBUG);
    }

    @AfterEach
    void noValueInTheLog() {
        log.close();
        assertThat(log.text()).as("DEBUG log").doesNotContain(OTHER_SECRET, NATS_PASSWORD);
    }

    private void createTable(String name, String user, String password, String more) {
        tEnv.executeSql(createTable(NATS, "refs.", name, user, password, more));
    }

    /** A raw-format table {@code name} publishing to {@code subjects + name} as {@code user}. */
    static String createTable(
            NatsServerExtension server,
            String subjects,
            String name,
            String user,
            String password,
            String more) {
        return "CREATE TABLE "
                + name
                + " (v STRING) WITH ('connector' = 'nats_sink', 'servers' = '"
                + server.url()
                + "', 'username' = '"
                + user
                + "', 'password' = '"
                + password
                + "', 'subject' = '"
                + subjects
                + name
                + "', 'format' = 'raw'"
                + more
                + ")";
    }

    @Test
    void the_default_allows_a_nats_variable() throws Exception {
        createTable("nats_var", "publisher", "${NATS_TEST_PASSWORD}", "");
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "refs.nats_var")) {
            tEnv.executeSql("INSERT INTO nats_var VALUES ('allowed')").await();
            collector.awaitCount(1, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("allowed");
        }
    }

    @Test
    void a_variable_outside_the_default_fails_the_job_at_start_up_naming_it_and_the_key()
            throws Exception {
        createTable("other_var", "other", "${OTHER_TEST_SECRET}", "");
        assertRefusedAtStartUp("other_var");
    }

    @Test
    void the_job_cannot_widen_the_allow_list_with_its_own_configuration() throws Exception {
        tEnv.getConfig().set(ALLOWED_KEY, "*");
        createTable("widened", "other", "${OTHER_TEST_SECRET}", "");
        assertRefusedAtStartUp("widened");
    }

    private void assertRefusedAtStartUp(String table) throws Exception {
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "refs." + table)) {
            assertThatThrownBy(
                            () ->
                                    tEnv.executeSql("INSERT INTO " + table + " VALUES ('leaked')")
                                            .await())
                    .satisfies(
                            e ->
                                    assertThat(ExceptionUtils.stringifyException(e))
                                            .contains("OTHER_TEST_SECRET")
                                            .contains("'" + ALLOWED_KEY + "'")
                                            .contains("Option 'password'")
                                            .doesNotContain(OTHER_SECRET));
            client.connection().flush(Duration.ofSeconds(5));
            assertThat(collector.count()).as("messages published").isZero();
        }
    }

    @Test
    void a_reference_in_connection_name_is_refused_at_planning() {
        createTable(
                "named",
                "publisher",
                "${NATS_TEST_PASSWORD}",
                ", 'connection_name' = '${NATS_TEST_PASSWORD}'");
        assertThatThrownBy(() -> tEnv.executeSql("INSERT INTO named VALUES ('x')"))
                .isInstanceOf(ValidationException.class)
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("'connection_name'")
                                        .contains("${NATS_TEST_PASSWORD}")
                                        .contains("$${")
                                        .doesNotContain(NATS_PASSWORD));
    }

    @Test
    void a_reference_in_a_static_header_is_refused_at_planning() {
        createTable(
                "header",
                "publisher",
                "${NATS_TEST_PASSWORD}",
                ", 'headers.x-note' = '${NATS_TEST_PASSWORD}'");
        assertThatThrownBy(() -> tEnv.executeSql("INSERT INTO header VALUES ('x')"))
                .isInstanceOf(ValidationException.class)
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("'headers.x-note'")
                                        .contains("${NATS_TEST_PASSWORD}")
                                        .doesNotContain(NATS_PASSWORD));
    }

    @Test
    void an_escaped_reference_in_a_static_header_is_sent_as_written() throws Exception {
        createTable(
                "escaped",
                "publisher",
                "${NATS_TEST_PASSWORD}",
                ", 'headers.x-note' = 'see $${NATS_TEST_PASSWORD}'");
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "refs.escaped")) {
            tEnv.executeSql("INSERT INTO escaped VALUES ('x')").await();
            assertThat(collector.awaitCount(1, DEADLINE).get(0).getHeaders().getFirst("x-note"))
                    .isEqualTo("see ${NATS_TEST_PASSWORD}");
        }
    }
}
