package io.laminar.flink.connector.nats.connection;

import io.nats.client.Options;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionSettingsTest {

    @Test
    void user_info_in_urls_is_masked() {
        assertThat(Redaction.url("nats://bob:pw@host:4222")).isEqualTo("nats://******@host:4222");
        assertThat(Redaction.url("nats://host:4222")).isEqualTo("nats://host:4222");
        assertThat(Redaction.url("tok3n@host:4222")).isEqualTo("******@host:4222");
    }

    @Test
    void to_string_masks_password_token_and_url_user_info() {
        ConnectionSettings withPassword =
                ConnectionSettings.builder()
                        .servers("nats://a:x-secret@h1:4222", "nats://h2:4222")
                        .userInfo("publisher", "pw-secret")
                        .build();
        assertThat(withPassword.toString())
                .doesNotContain("x-secret")
                .doesNotContain("pw-secret")
                .contains("nats://******@h1:4222")
                .contains("nats://h2:4222")
                .contains("password=******");
        ConnectionSettings withToken =
                ConnectionSettings.builder().servers("nats://h:4222").token("tk-secret").build();
        assertThat(withToken.toString()).doesNotContain("tk-secret").contains("token=******");
    }

    @Test
    void options_carry_every_setting() {
        ConnectionSettings settings =
                ConnectionSettings.builder()
                        .servers("nats://h1:4222", "nats://h2:4223")
                        .connectionName("orders-sink")
                        .connectionTimeout(java.time.Duration.ofSeconds(3))
                        .reconnectWait(java.time.Duration.ofMillis(250))
                        .maxReconnects(7)
                        .reconnectBufferSize(1234)
                        .build();
        Options options = settings.toOptionsBuilder((c, e) -> {}, null).build();
        assertThat(options.getServers()).hasSize(2);
        assertThat(options.getConnectionName()).isEqualTo("orders-sink");
        assertThat(options.getConnectionTimeout()).isEqualTo(java.time.Duration.ofSeconds(3));
        assertThat(options.getReconnectWait()).isEqualTo(java.time.Duration.ofMillis(250));
        assertThat(options.getMaxReconnect()).isEqualTo(7);
        assertThat(options.getReconnectBufferSize()).isEqualTo(1234);
    }

    @Test
    void the_request_cleanup_interval_is_read_from_the_properties_as_jnats_reads_it() {
        ConnectionSettings.Builder settings = ConnectionSettings.builder().servers("nats://h:4222");
        assertThat(cleanupInterval(settings.build()))
                .isEqualTo(Options.DEFAULT_REQUEST_CLEANUP_INTERVAL);
        assertThat(cleanupInterval(settings.property("cleanupinterval", "20000").build()))
                .isEqualTo(java.time.Duration.ofSeconds(20));
        assertThat(
                        cleanupInterval(
                                ConnectionSettings.builder()
                                        .servers("nats://h:4222")
                                        .property("io.nats.client.cleanupinterval", "PT1M")
                                        .build()))
                .isEqualTo(java.time.Duration.ofMinutes(1));
    }

    /** The interval jnats takes from the settings' properties, which the sink only raises. */
    private static java.time.Duration cleanupInterval(ConnectionSettings settings) {
        return settings.toOptionsBuilder((c, e) -> {}, null).build().getRequestCleanupInterval();
    }

    @Test
    void url_user_info_becomes_the_credentials_for_discovered_servers_too() {
        Options withPassword =
                ConnectionSettings.builder()
                        .servers("nats://flink:p%40ss@h1:4222", "nats://flink:p%40ss@h2:4222")
                        .build()
                        .toOptionsBuilder((c, e) -> {}, null)
                        .build();
        assertThat(withPassword.getUsername()).isEqualTo("flink");
        assertThat(withPassword.getPassword()).isEqualTo("p@ss");

        Options withToken =
                ConnectionSettings.builder()
                        .servers("nats://s3cret-token@h1:4222", "nats://h2:4222")
                        .build()
                        .toOptionsBuilder((c, e) -> {}, null)
                        .build();
        assertThat(withToken.getToken()).isEqualTo("s3cret-token");
        assertThat(withToken.getUsername()).isNull();
    }

    @Test
    void url_user_info_is_left_alone_when_urls_disagree_or_credentials_are_set() {
        Options disagreeing =
                ConnectionSettings.builder()
                        .servers("nats://a:1@h1:4222", "nats://b:2@h2:4222")
                        .build()
                        .toOptionsBuilder((c, e) -> {}, null)
                        .build();
        assertThat(disagreeing.getUsername()).isNull();
        assertThat(disagreeing.getToken()).isNull();

        Options explicit =
                ConnectionSettings.builder()
                        .servers("nats://a:1@h1:4222")
                        .userInfo("publisher", "pw")
                        .build()
                        .toOptionsBuilder((c, e) -> {}, null)
                        .build();
        assertThat(explicit.getUsername()).isEqualTo("publisher");
        assertThat(explicit.getPassword()).isEqualTo("pw");
    }

    // ---------------------------------------------------------------- TLS verification

    @Test
    void tls_sockets_verify_the_host_name_with_tls_settings_and_with_a_tls_url_alone()
            throws Exception {
        List<ConnectionSettings> tlsConnections =
                List.of(
                        ConnectionSettings.builder().servers("tls://h:4222").build(),
                        ConnectionSettings.builder()
                                .servers("nats://h:4222")
                                .tls(TlsSettings.builder().build())
                                .build(),
                        ConnectionSettings.builder()
                                .servers("nats://h:4222")
                                .property("secure", "true")
                                .build());
        for (ConnectionSettings settings : tlsConnections) {
            SSLContext context =
                    settings.toOptionsBuilder((c, e) -> {}, null).build().getSslContext();
            assertThat(context).as("TLS context for %s", settings).isNotNull();
            // The call jnats makes: TLS over the socket it has connected.
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    Socket plain = new Socket(server.getInetAddress(), server.getLocalPort());
                    SSLSocket tls =
                            (SSLSocket)
                                    context.getSocketFactory()
                                            .createSocket(
                                                    plain, "h", server.getLocalPort(), true)) {
                assertThat(tls.getSSLParameters().getEndpointIdentificationAlgorithm())
                        .as("host-name verification for %s", settings)
                        .isEqualTo("HTTPS");
            }
        }
    }

    @Test
    void opentls_urls_are_refused_naming_the_url_and_insecureTrustAll() {
        assertThatThrownBy(
                        () ->
                                ConnectionSettings.builder()
                                        .servers("tls://a:4222", "opentls://bob:pw@b:4222")
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'servers'")
                .hasMessageContaining("opentls://******@b:4222")
                .hasMessageContaining("every server certificate")
                .hasMessageContaining("'insecureTrustAll'")
                .hasMessageNotContaining("pw");
    }

    @Test
    void the_opentls_property_is_refused_with_or_without_the_jnats_prefix() {
        for (String key : List.of("opentls", "io.nats.client.opentls")) {
            assertThatThrownBy(
                            () ->
                                    ConnectionSettings.builder()
                                            .servers("tls://a:4222")
                                            .property(key, "true")
                                            .build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'properties." + key + "'")
                    .hasMessageContaining("'insecureTrustAll'");
        }
    }

    @Test
    void properties_that_make_jnats_build_its_own_tls_context_are_refused() {
        for (String key :
                List.of("trustStore", "io.nats.client.keyStore", "ssl.context.factory.class")) {
            assertThatThrownBy(
                            () ->
                                    ConnectionSettings.builder()
                                            .servers("tls://a:4222")
                                            .property(key, "/x")
                                            .build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'properties." + key + "'")
                    .hasMessageContaining("'verifyHostname'")
                    .hasMessageContaining("'tls'");
        }
    }

    @Test
    void the_opt_outs_allow_what_they_name_and_do_not_turn_tls_on() throws Exception {
        ConnectionSettings trustAll =
                ConnectionSettings.builder()
                        .servers("opentls://a:4222")
                        .property("io.nats.client.opentls", "true")
                        .insecureTrustAll(true)
                        .build();
        assertThat(trustAll.isInsecureTrustAll()).isTrue();
        assertThat(trustAll.toString()).contains("insecureTrustAll=true");
        ConnectionSettings ownContext =
                ConnectionSettings.builder()
                        .servers("tls://a:4222")
                        .property("trustStore", "/x")
                        .verifyHostname(false)
                        .build();
        assertThat(ownContext.isVerifyHostname()).isFalse();
        // Writers share a connection only with equal settings.
        assertThat(ConnectionSettings.builder().servers("tls://a:4222").build())
                .isNotEqualTo(
                        ConnectionSettings.builder()
                                .servers("tls://a:4222")
                                .verifyHostname(false)
                                .build());

        ConnectionSettings plain =
                ConnectionSettings.builder().servers("nats://a:4222").verifyHostname(false).build();
        assertThat(plain.toOptionsBuilder((c, e) -> {}, null).build().getSslContext()).isNull();
        ConnectionSettings unverified =
                ConnectionSettings.builder().servers("tls://h:4222").verifyHostname(false).build();
        SSLContext context =
                unverified.toOptionsBuilder((c, e) -> {}, null).build().getSslContext();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket plainSocket = new Socket(server.getInetAddress(), server.getLocalPort());
                SSLSocket tls =
                        (SSLSocket)
                                context.getSocketFactory()
                                        .createSocket(
                                                plainSocket, "h", server.getLocalPort(), true)) {
            assertThat(tls.getSSLParameters().getEndpointIdentificationAlgorithm()).isNull();
        }
    }

    @Test
    void the_verification_settings_are_kept_when_references_are_resolved() {
        ConnectionSettings settings =
                ConnectionSettings.builder()
                        .servers("opentls://a:4222")
                        .token("${NATS_TEST_PASSWORD}")
                        .verifyHostname(false)
                        .insecureTrustAll(true)
                        .build()
                        .resolveEnvironmentReferences(
                                EnvironmentReferences.allowing("NATS_*", "the test"));
        assertThat(settings.isVerifyHostname()).isFalse();
        assertThat(settings.isInsecureTrustAll()).isTrue();
    }

    @Test
    void settings_that_carry_no_secret_path_or_server_refuse_references() {
        assertThatThrownBy(
                        () ->
                                ConnectionSettings.builder()
                                        .servers("nats://h:4222")
                                        .connectionName("${NATS_PASSWORD}")
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'connectionName' holds the reference ${NATS_PASSWORD}")
                .hasMessageContaining("'userInfo'")
                .hasMessageContaining("$${");
        assertThatThrownBy(
                        () ->
                                ConnectionSettings.builder()
                                        .servers("nats://h:4222")
                                        .property("keystore_password", "${NATS_KS_PW}")
                                        .build())
                .hasMessageContaining("'properties.keystore_password' holds the reference");
        assertThatThrownBy(
                        () ->
                                TlsSettings.builder()
                                        .trustStore("${NATS_DIR}/t.p12", "${NATS_PW}")
                                        .trustStoreType("${NATS_TYPE}")
                                        .build())
                .hasMessageContaining("'trustStoreType' holds the reference ${NATS_TYPE}");
    }

    @Test
    void an_escape_in_a_setting_without_references_is_undone_where_the_connection_is_made() {
        ConnectionSettings settings =
                ConnectionSettings.builder()
                        .servers("nats://h:4222")
                        .connectionName("job-$${NATS_PASSWORD}")
                        .property("inbox_prefix", "_IN$${X}")
                        .build();
        assertThatThrownBy(() -> settings.toOptionsBuilder((c, e) -> {}, null))
                .isInstanceOf(IllegalStateException.class);
        ConnectionSettings resolved =
                settings.resolveEnvironmentReferences(EnvironmentReferences.allowing("", "none"));
        assertThat(resolved.getProperties()).containsEntry("inbox_prefix", "_IN${X}");
        assertThat(resolved.toOptionsBuilder((c, e) -> {}, null).build().getConnectionName())
                .isEqualTo("job-${NATS_PASSWORD}");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "outgoingqueue.discardwhenfull, true, drops a publish",
        "io.nats.client.outgoingqueue.discardwhenfull, TRUE, drops a publish",
        "outgoingqueue.discardwhenfull, ${NATS_DISCARD}, holds the reference",
        "statisticscollector, com.example.MyStatistics, statistics",
        "io.nats.client.statisticscollector, com.example.MyStatistics, statistics",
        "clientsidelimitchecks, false, max_payload",
        "clientsidelimitchecks, ' true', max_payload",
        "clientsidelimitchecks, ${NATS_CHECKS}, holds the reference",
        "noheaders, true, headers",
        "nonoresponders, true, no-responders"
    })
    void properties_that_let_jnats_lose_or_endlessly_republish_records_are_refused_naming_them(
            String key, String value, String why) {
        ConnectionSettings.Builder builder =
                ConnectionSettings.builder().servers("nats://h:4222").property(key, value);
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'properties." + key + "'")
                .hasMessageContaining(why);
    }

    @Test
    void harmless_values_of_those_properties_and_other_properties_pass_to_jnats() {
        Options options =
                ConnectionSettings.builder()
                        .servers("nats://h:4222")
                        .property("outgoingqueue.discardwhenfull", "false")
                        .property("statisticscollector", "")
                        .property("clientsidelimitchecks", "TRUE")
                        .property("noheaders", "false")
                        .property("nonoresponders", "false")
                        .property("io.nats.client.outgoingqueue.maxmessages", "7")
                        .property("pedantic", "true")
                        .build()
                        .toOptionsBuilder((c, e) -> {}, null)
                        .build();
        assertThat(options.isDiscardMessagesWhenOutgoingQueueFull()).isFalse();
        assertThat(options.getMaxMessagesInOutgoingQueue()).isEqualTo(7);
        assertThat(options.isPedantic()).isTrue();
        assertThat(options.clientSideLimitChecks()).isTrue();
        assertThat(options.isNoHeaders()).isFalse();
        assertThat(options.isNoNoResponders()).isFalse();
    }
}
