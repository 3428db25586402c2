package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;

import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NatsSinkBuilderTest {

    private static NatsSinkBuilder<String> valid() {
        return NatsSink.<String>builder()
                .setConnectionSettings(
                        ConnectionSettings.builder().servers("nats://localhost:4222").build())
                .setSerializationSchema(new SimpleStringSchema())
                .setSubject("orders");
    }

    @Test
    void a_complete_builder_builds() {
        assertThat(valid().build()).isNotNull();
    }

    @Test
    void the_order_per_subject_keeps_one_batch_in_flight() {
        assertThat(valid().setOrderPerSubject(true).build().toString())
                .contains("orderPerSubject=true");
        assertThatThrownBy(() -> valid().setOrderPerSubject(true).setMaxInFlightRequests(2).build())
                .hasMessageContaining("'orderPerSubject'")
                .hasMessageContaining("'maxInFlightRequests' to 1")
                .hasMessageContaining("was 2");
    }

    @Test
    void key_value_mode_refuses_what_routes_to_subjects() {
        KeyValueSerializer<String> kv = v -> KeyValueEntry.put(v, new byte[0]);
        assertThat(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder()
                                                .servers("nats://localhost:4222")
                                                .build())
                                .setKeyValueBucket("orders")
                                .setKeyValueSerializer(kv)
                                .build()
                                .toString())
                .contains("keyValueBucket=orders")
                .contains("orderPerSubject=true");
        assertThatThrownBy(
                        () -> valid().setKeyValueBucket("orders").setKeyValueSerializer(kv).build())
                .hasMessageContaining("'keyValueBucket'")
                .hasMessageContaining("serialization schema");
        assertThatThrownBy(
                        () ->
                                keyValue(kv)
                                        .setJetStream(
                                                JetStreamSettings.builder()
                                                        .expectedStream("S")
                                                        .build())
                                        .build())
                .hasMessageContaining("'expectedStream'");
        assertThatThrownBy(
                        () ->
                                keyValue(kv)
                                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                                        .build())
                .hasMessageContaining("EXACTLY_ONCE");
        assertThatThrownBy(() -> keyValue(kv).setMaxInFlightRequests(4).build())
                .hasMessageContaining("'keyValueBucket'")
                .hasMessageContaining("'maxInFlightRequests' to 1");
        assertThatThrownBy(() -> keyValue(kv).setKeyValueBucket("a.b").build())
                .hasMessageContaining("'a.b'");
        assertThatThrownBy(() -> keyValue(null).build())
                .hasMessageContaining("setKeyValueSerializer");
    }

    @Test
    void key_value_keys_are_checked_when_made() {
        assertThat(KeyValueEntry.put("u1.eu", new byte[] {1}).getKey()).isEqualTo("u1.eu");
        for (String bad : new String[] {"", ".a", "a.", "a..b", "a b", "a*", "a>", "ä"}) {
            assertThatThrownBy(() -> KeyValueEntry.delete(bad))
                    .as(bad)
                    .isInstanceOf(InvalidKeyException.class);
        }
        assertThatThrownBy(() -> KeyValueEntry.put("a:b", new byte[0]))
                .hasMessageContaining("'a:b'")
                .hasMessageContaining("':'")
                .hasMessageContaining("index 1");
    }

    private static NatsSinkBuilder<String> keyValue(KeyValueSerializer<String> kv) {
        return NatsSink.<String>builder()
                .setConnectionSettings(
                        ConnectionSettings.builder().servers("nats://localhost:4222").build())
                .setKeyValueBucket("orders")
                .setKeyValueSerializer(kv);
    }

    @Test
    void servers_are_required() {
        assertThatThrownBy(
                        () ->
                                NatsSink.<String>builder()
                                        .setSerializationSchema(new SimpleStringSchema())
                                        .setSubject("orders")
                                        .build())
                .hasMessageContaining("servers")
                .hasMessageContaining("at least one");
    }

    @Test
    void a_server_that_is_not_a_url_is_named() {
        assertThatThrownBy(
                        () ->
                                valid().setConnectionSettings(
                                                ConnectionSettings.builder()
                                                        .servers("http://localhost:4222")
                                                        .build())
                                        .build())
                .hasMessageContaining("servers")
                .hasMessageContaining("http://localhost:4222")
                .hasMessageContaining("nats://");
        assertThatThrownBy(
                        () ->
                                valid().setConnectionSettings(
                                                ConnectionSettings.builder()
                                                        .servers("nats://exa mple:4222")
                                                        .build())
                                        .build())
                .hasMessageContaining("servers")
                .hasMessageContaining("not a valid URL");
    }

    @Test
    void a_schema_or_a_serializer_is_required() {
        assertThatThrownBy(
                        () ->
                                NatsSink.<String>builder()
                                        .setConnectionSettings(
                                                ConnectionSettings.builder()
                                                        .servers("nats://localhost:4222")
                                                        .build())
                                        .setSubject("orders")
                                        .build())
                .hasMessageContaining("setSerializationSchema")
                .hasMessageContaining("setMessageSerializer");
    }

    @Test
    void a_subject_or_selector_is_required_but_not_both() {
        assertThatThrownBy(
                        () ->
                                NatsSink.<String>builder()
                                        .setConnectionSettings(
                                                ConnectionSettings.builder()
                                                        .servers("nats://localhost:4222")
                                                        .build())
                                        .setSerializationSchema(new SimpleStringSchema())
                                        .build())
                .hasMessageContaining("setSubject")
                .hasMessageContaining("setSubjectSelector");
        assertThatThrownBy(() -> valid().setSubjectSelector(s -> "x." + s).build())
                .hasMessageContaining("either a subject or a subject selector");
    }

    @Test
    void a_static_subject_is_validated_when_building() {
        assertThatThrownBy(() -> valid().setSubject("orders.*").build())
                .isInstanceOf(InvalidSubjectException.class)
                .hasMessageContaining("'orders.*'")
                .hasMessageContaining("setSubject");
    }

    @Test
    void a_message_serializer_excludes_the_simple_settings() {
        assertThatThrownBy(
                        () -> valid().setMessageSerializer(s -> NatsMessage.of("x", null)).build())
                .hasMessageContaining("message serializer builds the whole message");
    }

    @Test
    void exactly_once_is_refused_for_core_nats() {
        assertThatThrownBy(
                        () -> valid().setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE).build())
                .hasMessageContaining("EXACTLY_ONCE")
                .hasMessageContaining("JetStream");
    }

    @Test
    void one_auth_method_only_and_user_needs_password() {
        assertThatThrownBy(
                        () ->
                                valid().setConnectionSettings(
                                                ConnectionSettings.builder()
                                                        .servers("nats://localhost:4222")
                                                        .userInfo("u", "p")
                                                        .token("t")
                                                        .build())
                                        .build())
                .hasMessageContaining("Only one authentication method");
        assertThatThrownBy(
                        () ->
                                valid().setConnectionSettings(
                                                ConnectionSettings.builder()
                                                        .servers("nats://localhost:4222")
                                                        .userInfo("u", null)
                                                        .build())
                                        .build())
                .hasMessageContaining("password");
    }

    @Test
    void a_jwt_needs_its_seed_and_inline_credentials_are_one_method() {
        assertThatThrownBy(
                        () ->
                                ConnectionSettings.builder()
                                        .servers("nats://localhost:4222")
                                        .jwt("eyJ0eXAi")
                                        .build())
                .hasMessageContaining("'jwt'")
                .hasMessageContaining("'nkeySeed'");
        assertThatThrownBy(
                        () ->
                                ConnectionSettings.builder()
                                        .servers("nats://localhost:4222")
                                        .credentials("-----BEGIN NATS USER JWT-----")
                                        .nkeySeedFile("/seed.nk")
                                        .build())
                .hasMessageContaining("Only one authentication method")
                .hasMessageContaining("'credentials'");
        assertThat(
                        ConnectionSettings.builder()
                                .servers("nats://localhost:4222")
                                .nkeySeed("SUA-seed")
                                .build()
                                .toString())
                .contains("nkeySeed=******")
                .doesNotContain("SUA-seed");
    }

    @Test
    void stream_creation_takes_the_static_subject_or_names_the_subjects_setting() {
        JetStreamSettings creating =
                JetStreamSettings.builder()
                        .expectedStream("ORDERS")
                        .createStreamIfMissing(JetStreamSettings.StreamCreation.ofSinkSubject())
                        .build();
        assertThat(valid().setJetStream(creating).build().toString()).contains("subjects=[orders]");
        assertThatThrownBy(
                        () ->
                                valid().setSubject(null)
                                        .setSubjectSelector(v -> "orders." + v)
                                        .setJetStream(creating)
                                        .build())
                .hasMessageContaining("'streamSubjects'");
        assertThatThrownBy(
                        () ->
                                JetStreamSettings.builder()
                                        .createStreamIfMissing(
                                                JetStreamSettings.StreamCreation.subjects("a"))
                                        .build())
                .hasMessageContaining("'createStreamIfMissing'")
                .hasMessageContaining("'expectedStream'");
        assertThatThrownBy(() -> JetStreamSettings.builder().domain("hub").apiPrefix("X").build())
                .hasMessageContaining("'domain' and 'apiPrefix'");
    }

    @Test
    void bad_timeouts_and_counts_are_named() {
        assertThatThrownBy(
                        () ->
                                valid().setConnectionSettings(
                                                ConnectionSettings.builder()
                                                        .servers("nats://localhost:4222")
                                                        .connectionTimeout(
                                                                java.time.Duration.ofSeconds(-1))
                                                        .build())
                                        .build())
                .hasMessageContaining("connection timeout");
        assertThatThrownBy(
                        () ->
                                valid().setConnectionSettings(
                                                ConnectionSettings.builder()
                                                        .servers("nats://localhost:4222")
                                                        .maxReconnects(-2)
                                                        .build())
                                        .build())
                .hasMessageContaining("max reconnects");
        assertThatThrownBy(() -> valid().setConfirmTimeout(java.time.Duration.ZERO).build())
                .hasMessageContaining("confirm timeout");
    }

    @Test
    void header_keys_and_values_are_checked() {
        assertThatThrownBy(() -> valid().setHeader("", "v"))
                .hasMessage("setHeader: the header key '' cannot be sent: it is empty.");
        assertThatThrownBy(() -> valid().setHeader("k", null))
                .hasMessage(
                        "setHeader: the value of header 'k' cannot be sent: it is null; leave the"
                                + " header out instead.");
        assertThatThrownBy(() -> valid().setHeader("x:note", "v"))
                .hasMessageStartingWith(
                        "setHeader: the header key 'x:note' cannot be sent: it contains ':' at"
                                + " position 1");
        assertThatThrownBy(() -> valid().setHeader("x-note", "héllo 日本"))
                .hasMessageStartingWith(
                        "setHeader: the value of header 'x-note' cannot be sent: it contains the"
                                + " non-ASCII character 'é' (U+00E9) at position 1; NATS header"
                                + " values are US-ASCII without CR or LF")
                .hasMessageNotContaining("llo");
        assertThatThrownBy(() -> valid().setHeader("x-note", "a\r\nb"))
                .hasMessageContaining("it contains a line break (U+000D) at position 1");
    }

    @Test
    void a_static_subject_too_long_for_the_control_line_is_named_when_building() {
        assertThatThrownBy(() -> valid().setSubject("o".repeat(4_001)).build())
                .isInstanceOf(InvalidSubjectException.class)
                .hasMessageContaining("from setSubject: it is 4001 bytes long (UTF-8)");
    }

    @Test
    void secrets_never_show_in_to_string() {
        NatsSink<String> sink =
                valid().setConnectionSettings(
                                ConnectionSettings.builder()
                                        .servers("nats://bob:hunter2@localhost:4222")
                                        .userInfo("publisher", "s3cr3t-pw")
                                        .build())
                        .build();
        assertThat(sink.toString())
                .contains("publisher")
                .doesNotContain("s3cr3t-pw")
                .doesNotContain("hunter2");
        NatsSink<String> tokenSink =
                valid().setConnectionSettings(
                                ConnectionSettings.builder()
                                        .servers("nats://localhost:4222")
                                        .token("t0k3n-value")
                                        .build())
                        .build();
        assertThat(tokenSink.toString()).doesNotContain("t0k3n-value").contains("token=******");
    }
}
