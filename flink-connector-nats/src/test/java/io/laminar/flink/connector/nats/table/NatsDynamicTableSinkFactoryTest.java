package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.connection.EnvironmentReferences;
import io.laminar.flink.connector.nats.sink.JetStreamSettings;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.CatalogTable;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ObjectIdentifier;
import org.apache.flink.table.catalog.ResolvedCatalogTable;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.utils.FactoryMocks;
import org.apache.flink.table.types.DataType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/**
 * Planning-time behaviour of {@link NatsDynamicTableSinkFactory}: option parsing, aliases, named
 * connections, routing and every rejection. No server and no cluster.
 */
class NatsDynamicTableSinkFactoryTest {

    /** Columns 0..4: order_id BIGINT, subject, reply_to, msg_id, order_data STRING. */
    private static final ResolvedSchema SCHEMA =
            ResolvedSchema.of(
                    Column.physical("order_id", DataTypes.BIGINT()),
                    Column.physical("subject", DataTypes.STRING()),
                    Column.physical("reply_to", DataTypes.STRING()),
                    Column.physical("msg_id", DataTypes.STRING()),
                    Column.physical("order_data", DataTypes.STRING()));

    private static final DataType HEADERS_TYPE =
            DataTypes.MAP(DataTypes.STRING(), DataTypes.STRING());

    /** Set for the tests by the surefire configuration in the module's pom. */
    private static final String TEST_PASSWORD_VARIABLE = "NATS_TEST_PASSWORD";

    // ------------------------------------------------------------------ valid tables

    @Test
    void minimal_table_uses_the_defaults() {
        NatsDynamicTableSink sink = sink(SCHEMA, minimal());

        ConnectionSettings settings = sink.connectionSettings();
        assertThat(settings.getServers()).containsExactly("nats://localhost:4222");
        assertThat(settings.getUsername()).isNull();
        assertThat(settings.hasPassword()).isFalse();
        assertThat(settings.hasToken()).isFalse();
        assertThat(settings.getCredentialsFile()).isNull();
        assertThat(settings.getConnectionName()).isNull();
        assertThat(settings.getConnectionTimeout())
                .isEqualTo(ConnectionSettings.DEFAULT_CONNECTION_TIMEOUT);
        assertThat(settings.getReconnectWait())
                .isEqualTo(ConnectionSettings.DEFAULT_RECONNECT_WAIT);
        assertThat(settings.getMaxReconnects())
                .isEqualTo(ConnectionSettings.DEFAULT_MAX_RECONNECTS);
        assertThat(settings.getReconnectBufferSize())
                .isEqualTo(ConnectionSettings.DEFAULT_RECONNECT_BUFFER_SIZE);
        assertThat(settings.getProperties()).isEmpty();
        assertThat(settings.hasEnvironmentReferences()).isFalse();

        RowRouting routing = sink.routing();
        assertThat(routing.staticSubject).isEqualTo("orders.new");
        assertThat(routing.subjectField).isEqualTo(-1);
        assertThat(routing.replyToField).isEqualTo(-1);
        assertThat(routing.msgIdField).isEqualTo(-1);
        assertThat(routing.staticHeaders).isEmpty();
        assertThat(routing.payloadFields).containsExactly(0, 1, 2, 3, 4);

        assertThat(sink.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(sink.asSummaryString()).isEqualTo("NATS");
    }

    @Test
    void sink_is_append_only() {
        NatsDynamicTableSink sink = sink(SCHEMA, minimal());
        assertThat(sink.getChangelogMode(ChangelogMode.all()))
                .isEqualTo(ChangelogMode.insertOnly());
    }

    @Test
    void writable_metadata_are_subject_reply_to_headers_and_msg_id() {
        Map<String, DataType> metadata = sink(SCHEMA, minimal()).listWritableMetadata();
        assertThat(metadata).containsOnlyKeys("subject", "reply_to", "headers", "msg_id");
        assertThat(metadata.get("subject").getLogicalType())
                .isEqualTo(DataTypes.STRING().getLogicalType());
        assertThat(metadata.get("headers").getLogicalType())
                .isEqualTo(HEADERS_TYPE.getLogicalType());
    }

    @Test
    void sink_copy_equals_the_original() {
        NatsDynamicTableSink sink = sink(SCHEMA, minimal());
        assertThat(sink.copy()).isEqualTo(sink);
    }

    @Test
    void servers_as_json_array() {
        Map<String, String> options = minimal();
        options.put("servers", "[\"nats://a:4222\", \"nats://b:4223\"]");
        assertThat(sink(SCHEMA, options).connectionSettings().getServers())
                .containsExactly("nats://a:4222", "nats://b:4223");
    }

    @Test
    void servers_as_comma_separated_list() {
        Map<String, String> options = minimal();
        options.put("servers", "nats://a:4222, nats://b:4223,tls://c:4224");
        assertThat(sink(SCHEMA, options).connectionSettings().getServers())
                .containsExactly("nats://a:4222", "nats://b:4223", "tls://c:4224");
    }

    @Test
    void all_connection_options_are_read() {
        Map<String, String> options = minimal();
        options.put("username", "publisher");
        options.put("password", "pw");
        options.put("connection_name", "orders-sink");
        options.put("connect-timeout", "3 s");
        options.put("reconnect.wait", "250 ms");
        options.put("reconnect.max-attempts", "-1");
        options.put("reconnect.buffer-size", "1 mb");
        ConnectionSettings settings = sink(SCHEMA, options).connectionSettings();
        assertThat(settings.getUsername()).isEqualTo("publisher");
        assertThat(settings.hasPassword()).isTrue();
        assertThat(settings.getConnectionName()).isEqualTo("orders-sink");
        assertThat(settings.getConnectionTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(settings.getReconnectWait()).isEqualTo(Duration.ofMillis(250));
        assertThat(settings.getMaxReconnects()).isEqualTo(-1);
        assertThat(settings.getReconnectBufferSize()).isEqualTo(1024L * 1024);
    }

    @Test
    void token_is_read() {
        Map<String, String> options = minimal();
        options.put("token", "t0ken");
        ConnectionSettings settings = sink(SCHEMA, options).connectionSettings();
        assertThat(settings.hasToken()).isTrue();
        assertThat(settings.toString()).doesNotContain("t0ken");
    }

    @Test
    void dashed_subject_field_works_like_subject_field() {
        RowRouting spec = sink(SCHEMA, withRouting("subject_field", "subject")).routing();
        RowRouting dashed = sink(SCHEMA, withRouting("subject-field", "subject")).routing();
        assertThat(spec.subjectField).isEqualTo(1);
        assertThat(spec.subjectFieldName).isEqualTo("subject");
        assertThat(dashed.subjectField).isEqualTo(spec.subjectField);
        assertThat(dashed.subjectFieldName).isEqualTo(spec.subjectFieldName);
    }

    @Test
    void dashed_reply_to_field_works_like_reply_to_field() {
        RowRouting spec = sink(SCHEMA, withRouting("reply_to_field", "reply_to")).routing();
        RowRouting dashed = sink(SCHEMA, withRouting("reply-to-field", "reply_to")).routing();
        assertThat(spec.replyToField).isEqualTo(2);
        assertThat(dashed.replyToField).isEqualTo(spec.replyToField);
    }

    @Test
    void dashed_msg_id_field_works_like_msg_id_field() {
        RowRouting spec = sink(SCHEMA, withRouting("msg_id_field", "msg_id")).routing();
        RowRouting dashed = sink(SCHEMA, withRouting("msg-id-field", "msg_id")).routing();
        assertThat(spec.msgIdField).isEqualTo(3);
        assertThat(spec.hasMessageId()).isTrue();
        assertThat(dashed.msgIdField).isEqualTo(spec.msgIdField);
    }

    @Test
    void dashed_credentials_file_works_like_credentials_file(@TempDir Path dir) throws IOException {
        Path creds = dir.resolve("publisher.creds");
        Files.write(creds, "not parsed at planning time".getBytes(StandardCharsets.UTF_8));
        for (String key : new String[] {"credentials_file", "credentials-file"}) {
            Map<String, String> options = minimal();
            options.put(key, creds.toString());
            assertThat(sink(SCHEMA, options).connectionSettings().getCredentialsFile())
                    .as(key)
                    .isEqualTo(creds.toString());
        }
    }

    /** The file must exist on the TaskManagers, which connect; the planner may not see it. */
    @Test
    void credentials_file_is_not_read_at_planning(@TempDir Path dir) {
        Map<String, String> options = minimal();
        String path = dir.resolve("only-on-taskmanagers.creds").toString();
        options.put("credentials_file", path);
        assertThat(sink(SCHEMA, options).connectionSettings().getCredentialsFile()).isEqualTo(path);
    }

    @Test
    void dashed_connection_name_works_like_connection_name() {
        for (String key : new String[] {"connection_name", "connection-name"}) {
            Map<String, String> options = minimal();
            options.put(key, "orders-sink");
            assertThat(sink(SCHEMA, options).connectionSettings().getConnectionName())
                    .as(key)
                    .isEqualTo("orders-sink");
        }
    }

    @Test
    void headers_json_and_header_key_options_are_merged() {
        Map<String, String> options = minimal();
        options.put("headers", "{\"content-type\":\"application/json\",\"x-source\":\"json\"}");
        options.put("headers.x-team", "orders");
        options.put("headers.x-source", "option");
        assertThat(sink(SCHEMA, options).routing().staticHeaders)
                .containsOnly(
                        entry("content-type", "application/json"),
                        entry("x-team", "orders"),
                        // a 'headers.<key>' option wins over the same key in 'headers'
                        entry("x-source", "option"));
    }

    @Test
    void header_key_options_alone() {
        Map<String, String> options = minimal();
        options.put("headers.content-type", "application/json");
        assertThat(sink(SCHEMA, options).routing().staticHeaders)
                .containsOnly(entry("content-type", "application/json"));
    }

    @Test
    void properties_are_passed_to_jnats() {
        Map<String, String> options = minimal();
        options.put("properties.socket.send.buffer.size", "65536");
        options.put("properties.io.nats.client.pedantic", "true");
        assertThat(sink(SCHEMA, options).connectionSettings().getProperties())
                .containsOnly(
                        entry("socket.send.buffer.size", "65536"),
                        entry("io.nats.client.pedantic", "true"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "properties.outgoingqueue.discardwhenfull",
                "properties.io.nats.client.outgoingqueue.discardwhenfull"
            })
    void a_property_that_lets_jnats_drop_publishes_is_refused_at_planning(String option) {
        Map<String, String> options = minimal();
        options.put(option, "true");
        assertRejected(options, "'" + option + "'", "drops a publish");
    }

    @Test
    void static_subject_and_subject_field_together() {
        Map<String, String> options = minimal();
        options.put("subject_field", "subject");
        RowRouting routing = sink(SCHEMA, options).routing();
        assertThat(routing.staticSubject).isEqualTo("orders.new");
        assertThat(routing.subjectField).isEqualTo(1);
    }

    @Test
    void delivery_guarantee_none() {
        Map<String, String> options = minimal();
        options.put("sink.delivery-guarantee", "none");
        assertThat(sink(SCHEMA, options).deliveryGuarantee()).isEqualTo(DeliveryGuarantee.NONE);
    }

    @Test
    void async_sink_options_are_accepted() {
        Map<String, String> options = minimal();
        options.put("sink.batch.max-size", "10");
        options.put("sink.requests.max-inflight", "2");
        options.put("sink.requests.max-buffered", "100");
        options.put("sink.flush-buffer.size", "4096");
        options.put("sink.flush-buffer.timeout", "20");
        options.put("sink.confirm-timeout", "5 s");
        NatsDynamicTableSink sink = sink(SCHEMA, options);
        assertThat(sink.copy()).isEqualTo(sink);
    }

    // ------------------------------------------------------------------ named connections

    @Test
    void named_connection_supplies_the_connection_options() {
        Configuration configuration = conn1Profile();
        Map<String, String> options = minimalWithoutServers();
        options.put("connection", "conn1");

        ConnectionSettings settings = sink(SCHEMA, options, configuration).connectionSettings();
        assertThat(settings.getServers()).containsExactly("nats://n1:4222", "nats://n2:4222");
        assertThat(settings.getUsername()).isEqualTo("publisher");
        assertThat(settings.hasPassword()).isTrue();
        assertThat(settings)
                .isEqualTo(
                        ConnectionSettings.builder()
                                .servers("nats://n1:4222", "nats://n2:4222")
                                .userInfo("publisher", "profile-pw")
                                .build());
    }

    @Test
    void table_options_override_the_named_connection() {
        Configuration configuration = conn1Profile();
        configuration.setString("nats.connection.conn1.connect-timeout", "7 s");
        Map<String, String> options = minimalWithoutServers();
        options.put("connection", "conn1");
        options.put("servers", "nats://override:4222");
        options.put("username", "other");
        options.put("password", "other-pw");

        ConnectionSettings settings = sink(SCHEMA, options, configuration).connectionSettings();
        assertThat(settings.getServers()).containsExactly("nats://override:4222");
        assertThat(settings.getUsername()).isEqualTo("other");
        assertThat(settings.getConnectionTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(settings)
                .isEqualTo(
                        ConnectionSettings.builder()
                                .servers("nats://override:4222")
                                .userInfo("other", "other-pw")
                                .connectionTimeout(Duration.ofSeconds(7))
                                .build());
    }

    @Test
    void table_option_under_a_dashed_alias_overrides_the_named_connection() {
        Configuration configuration = conn1Profile();
        configuration.setString("nats.connection.conn1.connection_name", "from-profile");
        Map<String, String> options = minimalWithoutServers();
        options.put("connection", "conn1");
        options.put("connection-name", "from-table");

        assertThat(sink(SCHEMA, options, configuration).connectionSettings().getConnectionName())
                .isEqualTo("from-table");
    }

    @Test
    void named_connection_may_use_dashed_aliases_and_properties() {
        Configuration configuration = conn1Profile();
        configuration.setString("nats.connection.conn1.connection-name", "from-profile");
        configuration.setString("nats.connection.conn1.properties.socket.send.buffer.size", "1");
        Map<String, String> options = minimalWithoutServers();
        options.put("connection", "conn1");
        options.put("properties.socket.read.buffer.size", "2");

        ConnectionSettings settings = sink(SCHEMA, options, configuration).connectionSettings();
        assertThat(settings.getConnectionName()).isEqualTo("from-profile");
        assertThat(settings.getProperties())
                .containsOnly(
                        entry("socket.send.buffer.size", "1"),
                        entry("socket.read.buffer.size", "2"));
    }

    @Test
    void named_connection_from_config_yaml(@TempDir Path confDir) throws IOException {
        String yaml =
                "nats:\n"
                        + "  connection:\n"
                        + "    nats_sink_conn:\n"
                        + "      servers: '[\"nats://localhost:4222\"]'\n"
                        + "      username: publisher\n"
                        + "      password: ${NATS_PASSWORD}\n"
                        + "nats.connection.flat.servers: nats://a:4222,nats://b:4222\n";
        Files.write(confDir.resolve("config.yaml"), yaml.getBytes(StandardCharsets.UTF_8));
        Configuration configuration = GlobalConfiguration.loadConfiguration(confDir.toString());

        Map<String, String> options = minimalWithoutServers();
        options.put("connection", "nats_sink_conn");
        ConnectionSettings nested = sink(SCHEMA, options, configuration).connectionSettings();
        assertThat(nested.getServers()).containsExactly("nats://localhost:4222");
        assertThat(nested.getUsername()).isEqualTo("publisher");
        assertThat(nested.hasEnvironmentReferences()).isTrue();

        options.put("connection", "flat");
        assertThat(sink(SCHEMA, options, configuration).connectionSettings().getServers())
                .containsExactly("nats://a:4222", "nats://b:4222");
    }

    /**
     * A YAML list in config.yaml ({@code servers: ["nats://a:4222", "nats://b:4222"]}, without
     * quotes around the whole value) reaches the factory as Flink's rendering of the list, {@code
     * ['nats://a:4222', 'nats://b:4222']}, with single-quoted elements.
     */
    @Test
    void named_connection_servers_as_a_yaml_list_in_config_yaml(@TempDir Path confDir)
            throws IOException {
        String yaml =
                "nats.connection.conn1.servers: [\"nats://a:4222\", \"nats://b:4222\"]\n"
                        + "nats.connection.conn1.username: publisher\n"
                        + "nats.connection.conn1.password: pw\n";
        Files.write(confDir.resolve("config.yaml"), yaml.getBytes(StandardCharsets.UTF_8));
        Configuration configuration = GlobalConfiguration.loadConfiguration(confDir.toString());

        Map<String, String> options = minimalWithoutServers();
        options.put("connection", "conn1");
        assertThat(sink(SCHEMA, options, configuration).connectionSettings().getServers())
                .containsExactly("nats://a:4222", "nats://b:4222");
    }

    @Test
    void unknown_named_connection_lists_the_defined_ones() {
        Configuration configuration = conn1Profile();
        configuration.setString("nats.connection.conn2.servers", "nats://x:4222");
        Map<String, String> options = minimalWithoutServers();
        options.put("connection", "nope");
        assertRejected(
                options,
                configuration,
                "'connection'",
                "nope",
                "nats.connection.nope.",
                "conn1",
                "conn2");
    }

    @Test
    void unknown_named_connection_without_any_defined() {
        Map<String, String> options = minimalWithoutServers();
        options.put("connection", "nope");
        assertRejected(options, new Configuration(), "'connection'", "nope", "none");
    }

    @Test
    void named_connection_with_an_unsupported_option_is_rejected() {
        Configuration configuration = conn1Profile();
        configuration.setString("nats.connection.conn1.subject", "orders.new");
        Map<String, String> options = minimalWithoutServers();
        options.put("connection", "conn1");
        assertRejected(
                options, configuration, "conn1", "'subject'", "nats.connection.conn1.subject");
    }

    @Test
    void named_connection_with_an_invalid_value_names_the_option() {
        Configuration configuration = conn1Profile();
        configuration.setString("nats.connection.conn1.connect-timeout", "abc");
        Map<String, String> options = minimalWithoutServers();
        options.put("connection", "conn1");
        assertRejected(options, configuration, "connect-timeout");
    }

    @Test
    void servers_are_required_somewhere() {
        assertRejected(minimalWithoutServers(), "'servers'");
    }

    // ------------------------------------------------------------------ secrets

    @Test
    void environment_references_stay_unresolved_at_planning() {
        Map<String, String> options = minimal();
        options.put("username", "publisher");
        options.put("password", "${" + TEST_PASSWORD_VARIABLE + "}");

        ConnectionSettings settings = sink(SCHEMA, options).connectionSettings();
        assertThat(settings.hasEnvironmentReferences()).isTrue();
        assertThat(settings)
                .isEqualTo(
                        ConnectionSettings.builder()
                                .servers("nats://localhost:4222")
                                .userInfo("publisher", "${" + TEST_PASSWORD_VARIABLE + "}")
                                .build());
        String resolved = System.getenv(TEST_PASSWORD_VARIABLE);
        if (resolved != null) {
            assertThat(settings.toString()).doesNotContain(resolved);
        }
    }

    @Test
    void password_reference_to_an_unset_variable_is_accepted_at_planning() {
        Map<String, String> options = minimal();
        options.put("username", "publisher");
        options.put("password", "${NATS_PASSWORD}");
        ConnectionSettings settings = sink(SCHEMA, options).connectionSettings();
        assertThat(settings.hasEnvironmentReferences()).isTrue();
        assertThat(settings.hasPassword()).isTrue();
    }

    @Test
    void a_reference_in_servers_is_not_validated_at_planning() {
        Map<String, String> options = minimal();
        options.put("servers", "${NATS_URL}");
        NatsDynamicTableSink sink = sink(SCHEMA, options);
        assertThat(sink.connectionSettings().getServers()).containsExactly("${NATS_URL}");
        assertThat(sink.connectionSettings().hasEnvironmentReferences()).isTrue();
    }

    /**
     * Only the options that carry secrets, paths or servers take references; in the others a
     * reference is refused, naming the option, rather than sent as text or resolved.
     */
    @Test
    void a_reference_in_an_option_that_takes_none_is_refused_naming_the_option() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("subject", "orders.${NATS_REGION}");
        cases.put("headers.x-note", "${NATS_PASSWORD}");
        cases.put("headers", "{\"x-note\":\"${NATS_PASSWORD}\"}");
        cases.put("connection_name", "${NATS_PASSWORD}");
        cases.put("properties.keystore_password", "${NATS_KS_PW}");
        cases.put("tls.trust-store.type", "${NATS_TYPE}");
        cases.forEach(
                (option, value) -> {
                    Map<String, String> options = minimal();
                    options.put(option, value);
                    if (option.startsWith("tls.")) {
                        options.put("tls.trust-store.path", "/t.p12");
                    }
                    assertRejected(
                            options,
                            "'" + option + "' holds the reference ${NATS_",
                            "'username'/'password'",
                            "'tls.trust-store.path'",
                            "$${");
                });
    }

    @Test
    void an_escape_in_subject_and_headers_is_undone_at_planning() {
        Map<String, String> options = minimal();
        options.put("subject", "orders.$${REGION}");
        options.put("headers.x-note", "see $${NATS_PASSWORD}");
        RowRouting routing = sink(SCHEMA, options).routing();
        assertThat(routing.staticSubject).isEqualTo("orders.${REGION}");
        assertThat(routing.staticHeaders).containsEntry("x-note", "see ${NATS_PASSWORD}");
    }

    /** {@code $${} writes a literal {@code ${}, also when the settings hold no real reference. */
    @Test
    void escaped_reference_is_a_literal_after_resolution() {
        Map<String, String> options = minimal();
        options.put("username", "publisher");
        options.put("password", "pa$${NOT_A_VARIABLE}");
        ConnectionSettings resolved =
                sink(SCHEMA, options)
                        .connectionSettings()
                        .resolveEnvironmentReferences(
                                EnvironmentReferences.allowing("NATS_*", "the test"));
        assertThat(resolved)
                .isEqualTo(
                        ConnectionSettings.builder()
                                .servers("nats://localhost:4222")
                                .userInfo("publisher", "pa${NOT_A_VARIABLE}")
                                .build());
    }

    // ------------------------------------------------------------------ payload columns

    @Test
    void except_routing_drops_the_routing_columns_from_the_payload() {
        Map<String, String> options = allRoutingFields();
        options.put("value.fields-include", "EXCEPT_ROUTING");
        assertThat(sink(SCHEMA, options).routing().payloadFields).containsExactly(0, 4);
    }

    @Test
    void all_keeps_the_routing_columns_in_the_payload() {
        Map<String, String> options = allRoutingFields();
        options.put("value.fields-include", "ALL");
        assertThat(sink(SCHEMA, options).routing().payloadFields).containsExactly(0, 1, 2, 3, 4);
        assertThat(sink(SCHEMA, allRoutingFields()).routing().payloadFields)
                .containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void except_routing_without_any_payload_column_is_rejected() {
        ResolvedSchema onlyRouting =
                ResolvedSchema.of(Column.physical("subject", DataTypes.STRING()));
        Map<String, String> options = minimal();
        options.remove("subject");
        options.put("subject_field", "subject");
        options.put("value.fields-include", "EXCEPT_ROUTING");
        assertRejected(onlyRouting, options, new Configuration(), "value.fields-include");
    }

    @Test
    void metadata_columns_are_never_in_the_payload() {
        ResolvedSchema schema =
                ResolvedSchema.of(
                        Column.physical("order_id", DataTypes.BIGINT()),
                        Column.physical("order_data", DataTypes.STRING()),
                        Column.metadata("hdrs", HEADERS_TYPE, "headers", false),
                        Column.metadata("topic", DataTypes.STRING(), "subject", false));
        Map<String, String> options = minimal();
        options.remove("subject");
        assertThat(sink(schema, options).routing().payloadFields).containsExactly(0, 1);
    }

    // ------------------------------------------------------------------ rejections

    @Test
    void missing_format_is_rejected() {
        Map<String, String> options = minimal();
        options.remove("format");
        assertRejected(options, "format");
    }

    @Test
    void neither_subject_nor_subject_field_is_rejected() {
        Map<String, String> options = minimal();
        options.remove("subject");
        assertRejected(options, "'subject'", "'subject_field'");
    }

    @Test
    void subject_metadata_column_alone_is_accepted() {
        Map<String, String> options = minimal();
        options.remove("subject");
        ResolvedSchema byKey =
                ResolvedSchema.of(
                        Column.physical("order_id", DataTypes.BIGINT()),
                        Column.metadata("topic", DataTypes.STRING(), "subject", false));
        assertThat(sink(byKey, options).routing().staticSubject).isNull();
        ResolvedSchema byName =
                ResolvedSchema.of(
                        Column.physical("order_id", DataTypes.BIGINT()),
                        Column.metadata("subject", DataTypes.STRING(), null, false));
        assertThat(sink(byName, options).routing().subjectField).isEqualTo(-1);
    }

    /** A VIRTUAL metadata column is not written by the planner, so it cannot give a subject. */
    @Test
    void virtual_subject_metadata_column_alone_is_rejected() {
        Map<String, String> options = minimal();
        options.remove("subject");
        ResolvedSchema schema =
                ResolvedSchema.of(
                        Column.physical("order_id", DataTypes.BIGINT()),
                        Column.metadata("topic", DataTypes.STRING(), "subject", true));
        assertRejected(schema, options, new Configuration(), "'subject'");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"subject_field", "reply_to_field", "msg_id_field"})
    void routing_field_naming_a_missing_column_is_rejected(String option) {
        assertRejected(withRouting(option, "no_such_column"), option, "no_such_column");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"subject_field", "reply_to_field", "msg_id_field"})
    void routing_field_naming_a_bigint_column_is_rejected(String option) {
        assertRejected(withRouting(option, "order_id"), option, "order_id", "BIGINT");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"subject_field", "reply_to_field", "msg_id_field"})
    void routing_field_naming_a_metadata_column_is_rejected(String option) {
        ResolvedSchema schema =
                ResolvedSchema.of(
                        Column.physical("order_data", DataTypes.STRING()),
                        Column.metadata("hdr_subject", DataTypes.STRING(), "subject", false));
        Map<String, String> options = withRouting(option, "hdr_subject");
        assertRejected(schema, options, new Configuration(), option, "hdr_subject");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "http://x:1",
                "nats://",
                "[\"nats://a:4222\"",
                "\"nats://a:4222",
                " , ",
                "nats://a b:4222"
            })
    void invalid_servers_are_rejected(String servers) {
        Map<String, String> options = minimal();
        options.put("servers", servers);
        assertRejected(options, "servers");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "{not json",
                "[1,2]",
                "{\"a\":{\"b\":1}}",
                "{\"a\":null}",
                "\"text\"",
                "{\"bad key\":\"v\"}",
                "{\"a:b\":\"v\"}"
            })
    void malformed_headers_are_rejected(String headers) {
        Map<String, String> options = minimal();
        options.put("headers", headers);
        assertRejected(options, "'headers'");
    }

    @Test
    void header_values_and_names_nats_cannot_carry_are_rejected_naming_option_and_header() {
        Map<String, String> options = minimal();
        options.put("headers", "{\"x-note\":\"héllo 日本\"}");
        assertRejected(
                options,
                "Option 'headers': the value of header 'x-note' cannot be sent: it contains the"
                        + " non-ASCII character 'é' (U+00E9) at position 1; NATS header values"
                        + " are US-ASCII without CR or LF");
        options = minimal();
        options.put("headers.x-note", "one\ntwo");
        assertRejected(
                options,
                "Option 'headers.x-note': the value of header 'x-note' cannot be sent: it contains"
                        + " a line break (U+000A) at position 3");
        options = minimal();
        options.put("headers.x:note", "v");
        assertRejected(
                options,
                "Option 'headers.x:note': the header name 'x:note' cannot be sent: it contains ':'"
                        + " at position 1");
    }

    @Test
    void a_static_subject_too_long_for_the_control_line_is_rejected() {
        Map<String, String> options = minimal();
        options.put("subject", "o".repeat(4_001));
        assertRejected(
                options,
                "Option 'subject' = '"
                        + "o".repeat(256)
                        + "...' is not a valid subject: it is"
                        + " 4001 bytes long (UTF-8), over the sink's limit of 4000 bytes");
    }

    @Test
    void exactly_once_without_jetstream_is_rejected() {
        Map<String, String> options = allRoutingFields();
        options.put("sink.delivery-guarantee", "exactly-once");
        assertRejected(options, "sink.delivery-guarantee", "JetStream", "jetstream.enabled");
    }

    @Test
    void exactly_once_without_a_message_id_is_rejected() {
        Map<String, String> options = minimal();
        options.put("sink.delivery-guarantee", "exactly-once");
        options.put("jetstream.enabled", "true");
        assertRejected(options, "sink.delivery-guarantee", "msg_id_field");
    }

    @Test
    void exactly_once_with_jetstream_and_msg_id_field() {
        Map<String, String> options = minimal();
        options.put("sink.delivery-guarantee", "exactly-once");
        options.put("jetstream.enabled", "true");
        options.put("jetstream.stream", "ORDERS");
        options.put("msg_id_field", "msg_id");
        NatsDynamicTableSink sink = sink(SCHEMA, options);
        assertThat(sink.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(sink.jetStream()).isNotNull();
        assertThat(sink.jetStream().getExpectedStream()).isEqualTo("ORDERS");
    }

    @Test
    void exactly_once_with_jetstream_and_msg_id_metadata_column() {
        ResolvedSchema schema =
                ResolvedSchema.of(
                        Column.physical("order_data", DataTypes.STRING()),
                        Column.metadata("id", DataTypes.STRING(), "msg_id", false));
        Map<String, String> options = minimal();
        options.put("sink.delivery-guarantee", "exactly-once");
        options.put("jetstream.enabled", "true");
        assertThat(sink(schema, options).deliveryGuarantee())
                .isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
    }

    @Test
    void jetstream_defaults() {
        assertThat(sink(SCHEMA, minimal()).jetStream()).isNull();
        Map<String, String> options = minimal();
        options.put("jetstream.enabled", "true");
        NatsDynamicTableSink sink = sink(SCHEMA, options);
        assertThat(sink.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(sink.jetStream().getExpectedStream()).isNull();
        assertThat(sink.jetStream().getAckTimeout())
                .isEqualTo(NatsConnectorOptions.JETSTREAM_ACK_TIMEOUT.defaultValue());
        assertThat(sink.jetStream().getMaxPendingAcks())
                .isEqualTo(NatsConnectorOptions.JETSTREAM_MAX_PENDING_ACKS.defaultValue());
    }

    @Test
    void jetstream_domain_api_prefix_and_stream_creation_are_read() {
        Map<String, String> options = minimal();
        options.put("jetstream.enabled", "true");
        options.put("jetstream.domain", "hub");
        options.put("jetstream.stream", "ORDERS");
        options.put("jetstream.stream.create-if-missing", "true");
        options.put("jetstream.stream.storage", "memory");
        options.put("jetstream.stream.replicas", "3");
        options.put("jetstream.stream.duplicate-window", "10 min");
        JetStreamSettings jetStream = sink(SCHEMA, options).jetStream();
        assertThat(jetStream.getApiPrefix()).isEqualTo("$JS.hub.API.");
        JetStreamSettings.StreamCreation creation = jetStream.getStreamCreation();
        assertThat(creation.getSubjects()).containsExactly("orders.new");
        assertThat(creation.getStorage()).isEqualTo(JetStreamSettings.Storage.MEMORY);
        assertThat(creation.getReplicas()).isEqualTo(3);
        assertThat(creation.getDuplicateWindow()).isEqualTo(Duration.ofMinutes(10));

        options.remove("jetstream.domain");
        options.put("jetstream.api-prefix", "JS.hub.API");
        options.put("jetstream.stream.subjects", "orders.>;returns.>");
        jetStream = sink(SCHEMA, options).jetStream();
        assertThat(jetStream.getApiPrefix()).isEqualTo("JS.hub.API.");
        assertThat(jetStream.getStreamCreation().getSubjects())
                .containsExactly("orders.>", "returns.>");
    }

    @Test
    void stream_creation_defaults_to_the_subject_and_twice_the_checkpoint_interval() {
        Map<String, String> options = minimal();
        options.put("jetstream.enabled", "true");
        options.put("jetstream.stream", "ORDERS");
        options.put("jetstream.stream.create-if-missing", "true");
        JetStreamSettings.StreamCreation creation =
                sink(SCHEMA, options).jetStream().getStreamCreation();
        assertThat(creation.getSubjects()).containsExactly("orders.new");
        assertThat(creation.getStorage()).isEqualTo(JetStreamSettings.Storage.FILE);
        assertThat(creation.getReplicas()).isEqualTo(1);
        assertThat(creation.duplicateWindowFor(Duration.ofMinutes(5)))
                .isEqualTo(Duration.ofMinutes(10));
        assertThat(creation.duplicateWindowFor(Duration.ofSeconds(10)))
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(creation.duplicateWindowFor(null)).isEqualTo(Duration.ofMinutes(2));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "jetstream.domain=hub;jetstream.api-prefix=$JS.hub.API | 'domain' and 'apiPrefix'",
                "jetstream.domain=a.b | 'jetstream.domain'",
                "jetstream.api-prefix=JS.*.API | 'jetstream.api-prefix'",
                "jetstream.stream.create-if-missing=true | 'jetstream.stream.create-if-missing'"
                        + " creates the expected stream",
                "jetstream.stream=S;jetstream.stream.storage=memory | 'jetstream.stream.storage'"
                        + " only applies with 'jetstream.stream.create-if-missing'",
                "jetstream.stream=S;jetstream.stream.create-if-missing=true;"
                        + "jetstream.stream.replicas=6 | 'jetstream.stream.replicas'",
                "jetstream.stream=S;jetstream.stream.create-if-missing=true;"
                        + "jetstream.stream.storage=tape | jetstream.stream.storage"
            })
    void invalid_domain_prefix_and_stream_creation_options_are_rejected_naming_them(
            String settings, String fragment) {
        Map<String, String> options = minimal();
        options.put("jetstream.enabled", "true");
        for (String setting : settings.split(";")) {
            String[] kv = setting.split("=", 2);
            options.put(kv[0].trim(), kv[1].trim());
        }
        assertRejected(options, fragment.trim());
    }

    @Test
    void inline_credentials_are_read_and_masked() {
        Map<String, String> options = minimal();
        options.put("jwt", "eyJ0eXAi.secret-jwt");
        options.put("nkey-seed", "SUAsecret-seed");
        ConnectionSettings settings = sink(SCHEMA, options).connectionSettings();
        assertThat(settings.toString())
                .contains("jwt=******")
                .contains("nkeySeed=******")
                .doesNotContain("secret-jwt")
                .doesNotContain("secret-seed");

        Map<String, String> creds = minimal();
        creds.put("credentials", "${NATS_CREDS}");
        assertThat(sink(SCHEMA, creds).connectionSettings().hasEnvironmentReferences()).isTrue();

        Map<String, String> two = minimal();
        two.put("credentials", "${NATS_CREDS}");
        two.put("token", "t");
        assertRejected(two, "Only one authentication method", "'credentials'");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "jetstream.stream, ORDERS",
        "jetstream.ack-timeout, 5 s",
        "jetstream.max-pending-acks, 10",
        "jetstream.domain, hub",
        "jetstream.api-prefix, JS.hub.API",
        "jetstream.stream.create-if-missing, true"
    })
    void jetstream_options_without_jetstream_enabled_are_rejected(String option, String value) {
        Map<String, String> options = minimal();
        options.put(option, value);
        assertRejected(options, option, "jetstream.enabled");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "jetstream.stream, ORD.ERS",
        "jetstream.stream, ORD*",
        "jetstream.ack-timeout, 0 s",
        "jetstream.max-pending-acks, 0"
    })
    void invalid_jetstream_values_are_rejected(String option, String value) {
        Map<String, String> options = minimal();
        options.put("jetstream.enabled", "true");
        options.put(option, value);
        assertRejected(options, "JetStream");
    }

    @Test
    void unknown_delivery_guarantee_is_rejected() {
        Map<String, String> options = minimal();
        options.put("sink.delivery-guarantee", "sometimes");
        assertRejected(options, "sink.delivery-guarantee");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a..b", "orders.*", "orders.>", "orders new", ".orders", "orders."})
    void invalid_static_subject_is_rejected(String subject) {
        Map<String, String> options = minimal();
        options.put("subject", subject);
        assertRejected(options, "'subject'", subject);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "connect-timeout, abc",
        "reconnect.wait, soon",
        "reconnect.max-attempts, many",
        "reconnect.buffer-size, big",
        "sink.confirm-timeout, abc",
        "value.fields-include, SOME",
        "sink.batch.max-size, -1",
        "sink.batch.max-size, 0",
        "sink.requests.max-inflight, 0",
        "sink.requests.max-buffered, -5",
        "sink.flush-buffer.size, 0",
        "sink.flush-buffer.timeout, -1",
        "sink.batch.max-size, ten"
    })
    void invalid_values_are_rejected_naming_the_option(String option, String value) {
        Map<String, String> options = minimal();
        options.put(option, value);
        assertRejected(options, option);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"connect-timeout, 0 s", "reconnect.wait, -1 s", "reconnect.max-attempts, -2"})
    void out_of_range_connection_values_are_rejected(String option, String value) {
        Map<String, String> options = minimal();
        options.put(option, value);
        assertThatThrownBy(() -> sink(SCHEMA, options)).isInstanceOf(ValidationException.class);
    }

    @Test
    void errors_of_the_settings_name_the_options_as_sql_spells_them() {
        Map<String, String> options = minimal();
        options.put("tls.trust-store.path", "/t.p12");
        options.put("tls.ca-cert-file", "/ca.pem");
        assertRejected(options, "'tls.trust-store.path'", "'tls.ca-cert-file'");
        options = minimal();
        options.put("reconnect.max-attempts", "-2");
        assertRejected(options, "'reconnect.max-attempts'", "max reconnects");
        options = minimal();
        options.put("sink.connection-pool-size", "-1");
        assertRejected(options, "'sink.connection-pool-size'");
        options = minimal();
        options.put("sink.dead-letter.subject", "dead.*");
        assertRejected(options, "'sink.dead-letter.subject'", "wildcard");
        options = minimal();
        options.put("sink.order-per-subject", "true");
        options.put("sink.requests.max-inflight", "4");
        assertRejected(options, "'sink.order-per-subject'", "'sink.requests.max-inflight' to 1");
    }

    @Test
    void opentls_is_refused_at_planning_naming_tls_insecure_trust_all() {
        Map<String, String> options = minimal();
        options.put("servers", "opentls://a:4222");
        assertRejected(options, "opentls://a:4222", "'tls.insecure-trust-all'");
        for (String key : Arrays.asList("opentls", "io.nats.client.opentls")) {
            options = minimal();
            options.put("properties." + key, "true");
            assertRejected(options, "'properties." + key + "'", "'tls.insecure-trust-all'");
        }
    }

    @Test
    void the_tls_verification_options_reach_the_settings_without_turning_tls_on() {
        ConnectionSettings defaults = sink(SCHEMA, minimal()).connectionSettings();
        assertThat(defaults.isVerifyHostname()).isTrue();
        assertThat(defaults.isInsecureTrustAll()).isFalse();

        Map<String, String> options = minimal();
        options.put("tls.verify-hostname", "false");
        ConnectionSettings unverified = sink(SCHEMA, options).connectionSettings();
        assertThat(unverified.isVerifyHostname()).isFalse();
        assertThat(unverified.getTls()).isNull();

        options = minimal();
        options.put("servers", "opentls://a:4222");
        options.put("properties.opentls", "true");
        options.put("tls.insecure-trust-all", "true");
        ConnectionSettings trustAll = sink(SCHEMA, options).connectionSettings();
        assertThat(trustAll.isInsecureTrustAll()).isTrue();
        assertThat(trustAll.getTls()).isNull();
    }

    @Test
    void a_jnats_tls_context_property_is_refused_naming_tls_verify_hostname() {
        Map<String, String> options = minimal();
        options.put("properties.trustStore", "/t.p12");
        assertRejected(options, "'properties.trustStore'", "'tls.verify-hostname'", "'tls.*'");
    }

    @Test
    void run_time_connection_errors_name_the_options_as_sql_spells_them() {
        assertThat(
                        NatsConnectorOptions.SETTING_NAMES.rename(
                                "raise 'maxReconnects' (-1 retries forever) or 'reconnectWait';"
                                        + " check 'userInfo', 'certFile'/'keyFile' and 'servers';"
                                        + " set 'verifyHostname' or 'insecureTrustAll'"))
                .isEqualTo(
                        "raise 'reconnect.max-attempts' (-1 retries forever) or 'reconnect.wait';"
                                + " check 'username'/'password', 'tls.cert-file'/'tls.key-file'"
                                + " and 'servers'; set 'tls.verify-hostname' or"
                                + " 'tls.insecure-trust-all'");
    }

    @Test
    void password_without_username_is_rejected() {
        Map<String, String> options = minimal();
        options.put("password", "pw");
        assertRejected(options, "password", "username");
    }

    @Test
    void two_authentication_methods_are_rejected() {
        Map<String, String> options = minimal();
        options.put("token", "t");
        options.put("username", "u");
        options.put("password", "p");
        assertRejected(options, "authentication");
    }

    @Test
    void unknown_option_is_rejected_listing_the_supported_ones() {
        Map<String, String> options = minimal();
        options.put("foo", "bar");
        assertRejected(options, "foo", "Supported options", "subject_field", "servers");
    }

    @Test
    void unknown_option_in_a_near_miss_spelling_is_rejected() {
        Map<String, String> options = minimal();
        options.put("subjectfield", "subject");
        assertRejected(options, "subjectfield");
    }

    // ------------------------------------------------------------------ helpers

    /** order_id BIGINT NOT NULL (the primary key), amount BIGINT. */
    private static final ResolvedSchema KEYED =
            new ResolvedSchema(
                    Arrays.asList(
                            Column.physical("order_id", DataTypes.BIGINT().notNull()),
                            Column.physical("amount", DataTypes.BIGINT())),
                    Collections.emptyList(),
                    UniqueConstraint.primaryKey("pk", Collections.singletonList("order_id")),
                    Collections.emptyList());

    private static Map<String, String> keyValue() {
        Map<String, String> options = minimal();
        options.remove("subject");
        options.put("kv.bucket", "orders");
        return options;
    }

    @Test
    void a_key_value_table_is_an_upsert_sink() {
        NatsDynamicTableSink sink = sink(KEYED, keyValue());
        assertThat(sink.getChangelogMode(ChangelogMode.all())).isEqualTo(ChangelogMode.upsert());
        assertThat(sink(SCHEMA, minimal()).getChangelogMode(ChangelogMode.all()))
                .isEqualTo(ChangelogMode.insertOnly());
    }

    @Test
    void key_value_options_are_checked() {
        Map<String, String> options = keyValue();
        options.put("kv.bucket", "my.bucket");
        assertRejected(KEYED, options, new Configuration(), "'kv.bucket'", "'my.bucket'");
        options = keyValue();
        options.put("kv.key.delimiter", "");
        assertRejected(KEYED, options, new Configuration(), "'kv.key.delimiter'", "empty");
        options = keyValue();
        options.put("kv.key.delimiter", ":");
        assertRejected(KEYED, options, new Configuration(), "'kv.key.delimiter' = ':'");
        options = keyValue();
        options.put("value.fields-include", "EXCEPT_ROUTING");
        assertRejected(KEYED, options, new Configuration(), "'EXCEPT_KEY'");
        options = keyValue();
        options.put("sink.delivery-guarantee", "exactly-once");
        assertRejected(KEYED, options, new Configuration(), "'sink.delivery-guarantee'");
        options = keyValue();
        options.put("sink.requests.max-inflight", "2");
        assertRejected(KEYED, options, new Configuration(), "'sink.requests.max-inflight' to 1");
        for (String option : Arrays.asList("kv.key.delimiter", "kv.delete-mode")) {
            options = minimal();
            options.put(option, option.equals("kv.delete-mode") ? "purge" : "_");
            assertRejected(options, "'" + option + "' only applies with 'kv.bucket'");
        }
        options = minimal();
        options.put("value.fields-include", "EXCEPT_KEY");
        assertRejected(options, "'EXCEPT_KEY' only applies with 'kv.bucket'");
        options = keyValue();
        options.put("value.fields-include", "EXCEPT_KEY");
        options.put("kv.delete-mode", "purge");
        options.put("jetstream.ack-timeout", "5 s");
        assertThat(sink(KEYED, options)).isNotNull();
    }

    private static Map<String, String> minimal() {
        Map<String, String> options = minimalWithoutServers();
        options.put("servers", "nats://localhost:4222");
        return options;
    }

    private static Map<String, String> minimalWithoutServers() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("connector", NatsDynamicTableSinkFactory.IDENTIFIER);
        options.put("subject", "orders.new");
        options.put("format", "json");
        return options;
    }

    private static Map<String, String> withRouting(String option, String column) {
        Map<String, String> options = minimal();
        options.put(option, column);
        return options;
    }

    private static Map<String, String> allRoutingFields() {
        Map<String, String> options = minimal();
        options.put("subject_field", "subject");
        options.put("reply_to_field", "reply_to");
        options.put("msg_id_field", "msg_id");
        return options;
    }

    private static Configuration conn1Profile() {
        Configuration configuration = new Configuration();
        configuration.setString(
                "nats.connection.conn1.servers", "[\"nats://n1:4222\",\"nats://n2:4222\"]");
        configuration.setString("nats.connection.conn1.username", "publisher");
        configuration.setString("nats.connection.conn1.password", "profile-pw");
        return configuration;
    }

    private static NatsDynamicTableSink sink(ResolvedSchema schema, Map<String, String> options) {
        DynamicTableSink sink = FactoryMocks.createTableSink(schema, new HashMap<>(options));
        assertThat(sink).isInstanceOf(NatsDynamicTableSink.class);
        return (NatsDynamicTableSink) sink;
    }

    private static NatsDynamicTableSink sink(
            ResolvedSchema schema, Map<String, String> options, Configuration configuration) {
        ResolvedCatalogTable table =
                new ResolvedCatalogTable(
                        CatalogTable.newBuilder()
                                .schema(Schema.newBuilder().fromResolvedSchema(schema).build())
                                .options(new HashMap<>(options))
                                .build(),
                        schema);
        DynamicTableSink sink =
                FactoryUtil.createDynamicTableSink(
                        null,
                        ObjectIdentifier.of("c", "d", "t"),
                        table,
                        Collections.emptyMap(),
                        configuration,
                        Thread.currentThread().getContextClassLoader(),
                        false);
        assertThat(sink).isInstanceOf(NatsDynamicTableSink.class);
        return (NatsDynamicTableSink) sink;
    }

    private static void assertRejected(Map<String, String> options, String... fragments) {
        assertRejected(SCHEMA, options, new Configuration(), fragments);
    }

    private static void assertRejected(
            Map<String, String> options, Configuration configuration, String... fragments) {
        assertRejected(SCHEMA, options, configuration, fragments);
    }

    /**
     * Creating the sink fails with a {@link ValidationException} whose messages (Flink wraps the
     * factory's exception in "Unable to create a sink ...") contain every fragment.
     */
    private static void assertRejected(
            ResolvedSchema schema,
            Map<String, String> options,
            Configuration configuration,
            String... fragments) {
        assertThatThrownBy(() -> sink(schema, options, configuration))
                .isInstanceOf(ValidationException.class)
                .satisfies(
                        (Consumer<Throwable>)
                                e ->
                                        assertThat(messages(e))
                                                .as("messages of %s", options)
                                                .contains(Arrays.asList(fragments)));
    }

    private static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }
}
