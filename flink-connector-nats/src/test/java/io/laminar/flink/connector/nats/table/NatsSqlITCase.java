package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.MessageCollector;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.StreamCapture;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.api.MessageInfo;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The spec's examples as Flink SQL, run against a real nats-server: every test creates tables with
 * {@code 'connector' = 'nats_sink'}, inserts rows and checks what a subscriber received.
 */
class NatsSqlITCase {

    /** Set for the test JVM by the surefire configuration. */
    private static final String ENV_PASSWORD = "env-s3cret-pw";

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @RegisterExtension static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension static final NatsServerExtension NATS = new NatsServerExtension();

    /** A server that requires the spec's user 'publisher' with the password from the env. */
    private static final NatsServerExtension AUTH_NATS =
            NatsServerExtension.builder()
                    .config(
                            "authorization {\n  users = [\n    { user: \"publisher\", password: \""
                                    + ENV_PASSWORD
                                    + "\" }\n  ]\n}\n")
                    .build();

    @RegisterExtension final NatsClientExtension client = NatsClientExtension.of(NATS);

    @RegisterExtension
    final NatsClientExtension authClient =
            NatsClientExtension.of(AUTH_NATS, o -> o.userInfo("publisher", ENV_PASSWORD));

    private StreamTableEnvironment tEnv;

    @BeforeAll
    static void startAuthServer() {
        AUTH_NATS.start();
    }

    @AfterAll
    static void stopAuthServer() {
        AUTH_NATS.close();
    }

    @BeforeEach
    void createEnvironment() {
        StreamExecutionEnvironment env = FlinkEnvironment.create();
        tEnv = StreamTableEnvironment.create(env);
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW processed_orders AS SELECT * FROM (VALUES"
                        + " (1, 'widget'), (2, 'gadget'), (3, 'doohickey'))"
                        + " AS t(order_id, order_data)");
    }

    private void defineNamedConnection() {
        tEnv.getConfig()
                .set("nats.connection.nats_sink_conn.servers", "[\"" + AUTH_NATS.url() + "\"]");
        tEnv.getConfig().set("nats.connection.nats_sink_conn.username", "publisher");
        tEnv.getConfig().set("nats.connection.nats_sink_conn.password", "${NATS_TEST_PASSWORD}");
    }

    private void run(String sql) throws Exception {
        TableResult result = tEnv.executeSql(sql);
        result.await();
    }

    private static List<String> payloads(List<Message> messages) {
        return messages.stream()
                .map(m -> new String(m.getData(), StandardCharsets.UTF_8))
                .collect(Collectors.toList());
    }

    @Test
    void spec_sql_example_named_connection_subject_field_and_json() throws Exception {
        defineNamedConnection();
        tEnv.executeSql(
                "CREATE TABLE nats_output (order_id INT, subject STRING, order_data STRING) WITH ("
                        + " 'connector' = 'nats_sink',"
                        + " 'connection' = 'nats_sink_conn',"
                        + " 'subject_field' = 'subject',"
                        + " 'format' = 'json')");
        try (MessageCollector collector =
                MessageCollector.subscribe(authClient.connection(), "orders.processed")) {
            run(
                    "INSERT INTO nats_output SELECT order_id, 'orders.processed' AS subject,"
                            + " order_data FROM processed_orders");

            List<Message> messages = collector.awaitCount(3, DEADLINE);
            assertThat(messages).extracting(Message::getSubject).containsOnly("orders.processed");
            assertThat(payloads(messages))
                    .containsExactly(
                            "{\"order_id\":1,\"subject\":\"orders.processed\",\"order_data\":\"widget\"}",
                            "{\"order_id\":2,\"subject\":\"orders.processed\",\"order_data\":\"gadget\"}",
                            "{\"order_id\":3,\"subject\":\"orders.processed\",\"order_data\":\"doohickey\"}");
        }
    }

    @Test
    void spec_sql_example_in_the_options_hint_form() throws Exception {
        defineNamedConnection();
        tEnv.executeSql(
                "CREATE TABLE nats_output (order_id INT, subject STRING, order_data STRING) WITH ("
                        + " 'connector' = 'nats_sink', 'connection' = 'nats_sink_conn',"
                        + " 'subject' = 'orders.unrouted', 'format' = 'json')");
        try (MessageCollector collector =
                MessageCollector.subscribe(authClient.connection(), "orders.>")) {
            run(
                    "INSERT INTO nats_output /*+ OPTIONS('subject_field' = 'subject',"
                            + " 'value.fields-include' = 'EXCEPT_ROUTING') */"
                            + " SELECT order_id, 'orders.p' || CAST(order_id AS STRING),"
                            + " order_data FROM processed_orders");

            List<Message> messages = collector.awaitCount(3, DEADLINE);
            assertThat(messages)
                    .extracting(Message::getSubject)
                    .containsExactly("orders.p1", "orders.p2", "orders.p3");
            assertThat(payloads(messages))
                    .containsExactly(
                            "{\"order_id\":1,\"order_data\":\"widget\"}",
                            "{\"order_id\":2,\"order_data\":\"gadget\"}",
                            "{\"order_id\":3,\"order_data\":\"doohickey\"}");
        }
    }

    @Test
    void spec_publish_subscribe_example() throws Exception {
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW events AS SELECT * FROM (VALUES"
                        + " ('e1', 'login'), ('e2', 'click')) AS t(event_id, kind)");
        tEnv.executeSql(
                "CREATE TABLE nats_pubsub (event_id STRING, kind STRING) WITH ("
                        + " 'connector' = 'nats_sink',"
                        + " 'servers' = '"
                        + NATS.url()
                        + "',"
                        + " 'subject' = 'events.stream',"
                        + " 'format' = 'json')");
        try (MessageCollector first =
                        MessageCollector.subscribe(client.connection(), "events.stream");
                MessageCollector second =
                        MessageCollector.subscribe(client.connection(), "events.>")) {
            run("INSERT INTO nats_pubsub SELECT * FROM events");

            List<String> expected =
                    List.of(
                            "{\"event_id\":\"e1\",\"kind\":\"login\"}",
                            "{\"event_id\":\"e2\",\"kind\":\"click\"}");
            assertThat(payloads(first.awaitCount(2, DEADLINE))).isEqualTo(expected);
            assertThat(payloads(second.awaitCount(2, DEADLINE))).isEqualTo(expected);
        }
    }

    @Test
    void spec_request_reply_example_gets_answered() throws Exception {
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW requests AS SELECT * FROM (VALUES"
                        + " (10, 'price?'), (11, 'stock?')) AS t(request_id, request_data)");
        tEnv.executeSql(
                "CREATE TABLE nats_request (request_id INT, subject STRING, request_data STRING,"
                        + " reply_to STRING) WITH ("
                        + " 'connector' = 'nats_sink',"
                        + " 'servers' = '[\""
                        + NATS.url()
                        + "\"]',"
                        + " 'subject_field' = 'subject',"
                        + " 'reply_to_field' = 'reply_to',"
                        + " 'format' = 'json')");
        Connection connection = client.connection();
        Dispatcher responder =
                connection.createDispatcher(
                        request ->
                                connection.publish(
                                        request.getReplyTo(),
                                        ("answer to "
                                                        + new String(
                                                                request.getData(),
                                                                StandardCharsets.UTF_8))
                                                .getBytes(StandardCharsets.UTF_8)));
        try (MessageCollector requests = MessageCollector.subscribe(connection, "service.request");
                MessageCollector responses =
                        MessageCollector.subscribe(connection, "service.response")) {
            responder.subscribe("service.request");
            connection.flush(Duration.ofSeconds(5));
            run(
                    "INSERT INTO nats_request SELECT request_id, 'service.request' AS subject,"
                            + " request_data, 'service.response' AS reply_to FROM requests");

            List<Message> sent = requests.awaitCount(2, DEADLINE);
            assertThat(sent).extracting(Message::getReplyTo).containsOnly("service.response");
            assertThat(payloads(responses.awaitCount(2, DEADLINE)))
                    .containsExactly(
                            "answer to {\"request_id\":10,\"subject\":\"service.request\","
                                    + "\"request_data\":\"price?\",\"reply_to\":\"service.response\"}",
                            "answer to {\"request_id\":11,\"subject\":\"service.request\","
                                    + "\"request_data\":\"stock?\",\"reply_to\":\"service.response\"}");
        } finally {
            connection.closeDispatcher(responder);
        }
    }

    @Test
    void static_headers_from_json_and_per_key_options() throws Exception {
        tEnv.executeSql(
                "CREATE TABLE with_headers (id INT, body STRING) WITH ("
                        + " 'connector' = 'nats_sink', 'servers' = '"
                        + NATS.url()
                        + "', 'subject' = 'hdr.static', 'format' = 'json',"
                        + " 'headers' = '{\"content-type\":\"application/json\",\"x-app\":\"laminar\"}',"
                        + " 'headers.x-team' = 'data')");
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "hdr.static")) {
            run("INSERT INTO with_headers VALUES (1, 'a')");

            Message m = collector.awaitCount(1, DEADLINE).get(0);
            assertThat(m.getHeaders().keySet())
                    .containsExactlyInAnyOrder("content-type", "x-app", "x-team");
            assertThat(m.getHeaders().get("content-type")).containsExactly("application/json");
            assertThat(m.getHeaders().get("x-app")).containsExactly("laminar");
            assertThat(m.getHeaders().get("x-team")).containsExactly("data");
            assertThat(new String(m.getData(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"id\":1,\"body\":\"a\"}");
        }
    }

    @Test
    void metadata_columns_route_each_row_and_stay_out_of_the_payload() throws Exception {
        tEnv.executeSql(
                "CREATE TABLE with_metadata ("
                        + " id INT, body STRING,"
                        + " subj STRING METADATA FROM 'subject',"
                        + " rt STRING METADATA FROM 'reply_to',"
                        + " hdrs MAP<STRING, STRING> METADATA FROM 'headers',"
                        + " mid STRING METADATA FROM 'msg_id'"
                        + ") WITH ('connector' = 'nats_sink', 'servers' = '"
                        + NATS.url()
                        + "', 'subject' = 'meta.fallback', 'format' = 'json',"
                        + " 'headers' = '{\"x-static\":\"s\",\"x-both\":\"static\"}')");
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "meta.>")) {
            run(
                    "INSERT INTO with_metadata VALUES"
                            + " (1, 'a', 'meta.one', 'meta.reply', MAP['x-both', 'row', 'x-row', 'r'], 'id-1'),"
                            + " (2, 'b', CAST(NULL AS STRING), CAST(NULL AS STRING),"
                            + " CAST(NULL AS MAP<STRING, STRING>), CAST(NULL AS STRING))");

            // The two rows may reach the sink's writers in any order: pick them by their id.
            List<Message> messages = new ArrayList<>(collector.awaitCount(2, DEADLINE));
            messages.sort(
                    Comparator.comparing(m -> new String(m.getData(), StandardCharsets.UTF_8)));
            Message first = messages.get(0);
            assertThat(first.getSubject()).isEqualTo("meta.one");
            assertThat(first.getReplyTo()).isEqualTo("meta.reply");
            assertThat(first.getHeaders().get("x-static")).containsExactly("s");
            assertThat(first.getHeaders().get("x-both")).containsExactly("row");
            assertThat(first.getHeaders().get("x-row")).containsExactly("r");
            assertThat(first.getHeaders().get("Nats-Msg-Id")).containsExactly("id-1");
            assertThat(new String(first.getData(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"id\":1,\"body\":\"a\"}");

            Message second = messages.get(1);
            assertThat(second.getSubject()).isEqualTo("meta.fallback");
            assertThat(second.getReplyTo()).isNull();
            assertThat(second.getHeaders().keySet())
                    .containsExactlyInAnyOrder("x-static", "x-both");
            assertThat(second.getHeaders().get("x-both")).containsExactly("static");
        }
    }

    @Test
    void raw_format_with_routing_columns_left_out_of_the_payload() throws Exception {
        tEnv.executeSql(
                "CREATE TABLE raw_out (subject STRING, body STRING) WITH ("
                        + " 'connector' = 'nats_sink', 'servers' = '"
                        + NATS.url()
                        + "', 'subject-field' = 'subject',"
                        + " 'value.fields-include' = 'EXCEPT_ROUTING', 'format' = 'raw')");
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "raw.>")) {
            run("INSERT INTO raw_out VALUES ('raw.a', 'plain text'), ('raw.b', 'more')");

            List<Message> messages = collector.awaitCount(2, DEADLINE);
            assertThat(messages).extracting(Message::getSubject).containsExactly("raw.a", "raw.b");
            assertThat(payloads(messages)).containsExactly("plain text", "more");
        }
    }

    @Test
    void a_null_subject_field_falls_back_to_the_subject_option() throws Exception {
        tEnv.executeSql(
                "CREATE TABLE fallback (subject STRING, body STRING) WITH ("
                        + " 'connector' = 'nats_sink', 'servers' = '"
                        + NATS.url()
                        + "', 'subject_field' = 'subject', 'subject' = 'fb.default',"
                        + " 'format' = 'json')");
        try (MessageCollector collector = MessageCollector.subscribe(client.connection(), "fb.>")) {
            run("INSERT INTO fallback VALUES ('fb.routed', 'x'), (CAST(NULL AS STRING), 'y')");
            assertThat(collector.awaitCount(2, DEADLINE))
                    .extracting(Message::getSubject)
                    .containsExactly("fb.routed", "fb.default");
        }
    }

    @Test
    void a_null_subject_without_fallback_fails_the_job_naming_the_column() {
        tEnv.executeSql(
                "CREATE TABLE no_fallback (subject STRING, body STRING) WITH ("
                        + " 'connector' = 'nats_sink', 'servers' = '"
                        + NATS.url()
                        + "', 'subject_field' = 'subject', 'format' = 'json')");
        assertThatThrownBy(() -> run("INSERT INTO no_fallback VALUES (CAST(NULL AS STRING), 'y')"))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("column 'subject' (subject_field) is NULL")
                                        .contains("no 'subject' option"));
    }

    @Test
    void a_row_header_nats_cannot_carry_fails_the_job_naming_header_and_subject() {
        tEnv.executeSql(
                "CREATE TABLE utf8_headers (body STRING,"
                        + " hdrs MAP<STRING, STRING> METADATA FROM 'headers') WITH ("
                        + " 'connector' = 'nats_sink', 'servers' = '"
                        + NATS.url()
                        + "', 'subject' = 'sql.hdr', 'format' = 'json')");
        assertThatThrownBy(
                        () ->
                                run(
                                        "INSERT INTO utf8_headers"
                                                + " SELECT 'x', MAP['x-note', 'héllo 日本']"))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains(
                                                "Invalid value for NATS header 'x-note' in a"
                                                        + " message for subject 'sql.hdr' from the"
                                                        + " sink's serializer: it contains the"
                                                        + " non-ASCII character 'é' (U+00E9) at"
                                                        + " position 1"));
    }

    @Test
    void the_secret_never_enters_the_plan_and_is_resolved_on_the_task_manager() throws Exception {
        tEnv.executeSql(
                "CREATE TABLE secret_sink (id INT) WITH ("
                        + " 'connector' = 'nats_sink', 'servers' = '"
                        + AUTH_NATS.url()
                        + "', 'username' = 'publisher', 'password' = '${NATS_TEST_PASSWORD}',"
                        + " 'subject' = 'secret.x', 'format' = 'json')");
        String insert = "INSERT INTO secret_sink VALUES (7)";

        String plan = tEnv.compilePlanSql(insert).asJsonString();
        assertThat(plan).contains("${NATS_TEST_PASSWORD}").doesNotContain(ENV_PASSWORD);
        assertThat(tEnv.explainSql(insert)).doesNotContain(ENV_PASSWORD);

        try (MessageCollector collector =
                MessageCollector.subscribe(authClient.connection(), "secret.x")) {
            run(insert);
            assertThat(payloads(collector.awaitCount(1, DEADLINE))).containsExactly("{\"id\":7}");
        }
    }

    @Test
    void an_unset_environment_variable_fails_naming_variable_and_option() {
        tEnv.executeSql(
                "CREATE TABLE unset_secret (id INT) WITH ("
                        + " 'connector' = 'nats_sink', 'servers' = '"
                        + AUTH_NATS.url()
                        + "', 'username' = 'publisher', 'password' = '${NATS_NOT_SET_ANYWHERE}',"
                        + " 'subject' = 'secret.y', 'format' = 'json')");
        assertThatThrownBy(() -> run("INSERT INTO unset_secret VALUES (1)"))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("Option 'password'")
                                        .contains("NATS_NOT_SET_ANYWHERE"));
    }

    @Test
    void jetstream_exactly_once_drops_a_replayed_insert_by_message_id() throws Exception {
        StreamCapture.createMemoryStream(client.connection(), "ORDERS_JS", "orders.js");
        try {
            tEnv.executeSql(
                    "CREATE TABLE js_orders (order_id INT, order_data STRING, msg_id STRING) WITH ("
                            + " 'connector' = 'nats_sink', 'servers' = '"
                            + NATS.url()
                            + "', 'subject' = 'orders.js', 'msg_id_field' = 'msg_id',"
                            + " 'value.fields-include' = 'EXCEPT_ROUTING',"
                            + " 'jetstream.enabled' = 'true', 'jetstream.stream' = 'ORDERS_JS',"
                            + " 'sink.delivery-guarantee' = 'exactly-once', 'format' = 'json')");
            String insert =
                    "INSERT INTO js_orders SELECT order_id, order_data,"
                            + " 'order-' || CAST(order_id AS STRING) FROM processed_orders";
            run(insert);
            run(insert); // the same rows again, as a replay would send them

            List<MessageInfo> stored = StreamCapture.readAll(client.connection(), "ORDERS_JS");
            assertThat(stored).hasSize(3);
            assertThat(stored)
                    .extracting(m -> new String(m.getData(), StandardCharsets.UTF_8))
                    .containsExactly(
                            "{\"order_id\":1,\"order_data\":\"widget\"}",
                            "{\"order_id\":2,\"order_data\":\"gadget\"}",
                            "{\"order_id\":3,\"order_data\":\"doohickey\"}");
            assertThat(stored)
                    .extracting(m -> m.getHeaders().getFirst("Nats-Msg-Id"))
                    .containsExactly("order-1", "order-2", "order-3");
        } finally {
            StreamCapture.deleteStream(client.connection(), "ORDERS_JS");
        }
    }

    @Test
    void exactly_once_without_a_message_id_is_rejected_at_planning() {
        tEnv.executeSql(
                "CREATE TABLE js_no_id (order_id INT) WITH ('connector' = 'nats_sink',"
                        + " 'servers' = '"
                        + NATS.url()
                        + "', 'subject' = 'x', 'jetstream.enabled' = 'true',"
                        + " 'sink.delivery-guarantee' = 'exactly-once', 'format' = 'json')");
        assertThatThrownBy(() -> tEnv.executeSql("INSERT INTO js_no_id VALUES (1)"))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("exactly-once")
                                        .contains("msg_id_field"));
    }

    @Test
    void an_updating_query_is_rejected_by_the_planner() {
        tEnv.executeSql(
                "CREATE TABLE counts (order_data STRING, n BIGINT) WITH ("
                        + " 'connector' = 'nats_sink', 'servers' = '"
                        + NATS.url()
                        + "', 'subject' = 'counts', 'format' = 'json')");
        assertThatThrownBy(
                        () ->
                                tEnv.executeSql(
                                        "INSERT INTO counts SELECT order_data, COUNT(*) FROM"
                                                + " processed_orders GROUP BY order_data"))
                .hasMessageContaining("doesn't support consuming update");
    }

    @Test
    void an_unknown_named_connection_lists_the_defined_ones() {
        defineNamedConnection();
        tEnv.executeSql(
                "CREATE TABLE wrong_conn (id INT) WITH ('connector' = 'nats_sink',"
                        + " 'connection' = 'nope', 'subject' = 'x', 'format' = 'json')");
        assertThatThrownBy(() -> tEnv.executeSql("INSERT INTO wrong_conn VALUES (1)"))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("'nope'")
                                        .contains("nats_sink_conn"));
    }
}
