package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.connection.TlsSettings;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.TestCertificates;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;

import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.FileUtils;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.laminar.flink.connector.nats.sink.NatsSinkAuthITCase.connection;
import static io.laminar.flink.connector.nats.sink.NatsSinkAuthITCase.failure;
import static io.laminar.flink.connector.nats.sink.NatsSinkAuthITCase.publishesExactly;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS and mutual TLS against nats-servers with a certificate signed by a CA generated for the test:
 * trust stores (PKCS12, JKS) or PEM CA files, client key stores or PEM certificate and key, {@code
 * tls://} and {@code nats://} URLs. Wrong or missing trust or client certificates fail the job at
 * start-up with the TLS error and the options to check.
 */
class NatsSinkTlsITCase {

    private static final String STORE_PASSWORD = "store-s3cret";

    private static final Path DIR = tempDir();
    private static final TestCertificates PKI = TestCertificates.generate(DIR, STORE_PASSWORD);

    @RegisterExtension static final MiniClusterExtension FLINK = new MiniClusterExtension();

    /** Server-side TLS only: clients must trust the test CA. */
    @RegisterExtension
    static final NatsServerExtension TLS =
            NatsServerExtension.builder()
                    .jetStream(false)
                    .config(PKI.serverTlsConfig(false))
                    .build();

    /** Mutual TLS: clients must also present a certificate signed by the test CA. */
    @RegisterExtension
    static final NatsServerExtension MTLS =
            NatsServerExtension.builder()
                    .jetStream(false)
                    .config(PKI.serverTlsConfig(true))
                    .build();

    @AfterAll
    static void deletePki() throws IOException {
        FileUtils.deleteDirectory(DIR.toFile());
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("nats-tls-it");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tlsUrl(NatsServerExtension server) {
        return "tls://127.0.0.1:" + server.port();
    }

    private static TlsSettings.Builder trustingTheCa() {
        return TlsSettings.builder().caCertFile(PKI.caCert.toString());
    }

    /** A subscriber with the same TLS settings, built the way the sink builds its connection. */
    private static Connection subscriber(NatsServerExtension server, TlsSettings tls)
            throws Exception {
        return Nats.connect(
                ConnectionSettings.builder()
                        .servers(tlsUrl(server))
                        .tls(tls)
                        .build()
                        .toOptionsBuilder((c, e) -> {}, new ErrorListener() {})
                        .build());
    }

    // ---------------------------------------------------------------- server TLS

    @Test
    void a_pkcs12_trust_store_with_a_nats_url_connects_over_tls() throws Exception {
        TlsSettings tls =
                TlsSettings.builder().trustStore(PKI.trustStore.toString(), STORE_PASSWORD).build();
        try (Connection subscriber = subscriber(TLS, tls)) {
            // nats:// on purpose: with TLS settings the connection is upgraded anyway.
            publishesExactly(
                    subscriber,
                    b -> b.setConnectionSettings(connection().servers(TLS.url()).tls(tls).build()));
        }
    }

    @Test
    void a_jks_trust_store_and_a_pem_ca_file_with_tls_urls() throws Exception {
        TlsSettings jks =
                TlsSettings.builder()
                        .trustStore(PKI.trustStoreJks.toString(), STORE_PASSWORD)
                        .trustStoreType("JKS")
                        .build();
        TlsSettings pem = trustingTheCa().build();
        try (Connection subscriber = subscriber(TLS, pem)) {
            publishesExactly(
                    subscriber,
                    b ->
                            b.setConnectionSettings(
                                    connection().servers(tlsUrl(TLS)).tls(jks).build()));
            publishesExactly(
                    subscriber,
                    b ->
                            b.setConnectionSettings(
                                    connection().servers(tlsUrl(TLS)).tls(pem).build()));
        }
    }

    @Test
    void an_untrusted_server_certificate_fails_the_job_naming_the_trust_options() {
        // tls:// without settings: the JVM's default trust store, which lacks the test CA.
        assertThat(failure(b -> b.setConnectionSettings(connection().servers(tlsUrl(TLS)).build())))
                .contains("TLS handshake failed")
                .containsIgnoringCase("certification path")
                .contains("'trustStorePath'")
                .contains("'caCertFile'");
        assertThat(
                        failure(
                                b ->
                                        b.setConnectionSettings(
                                                connection()
                                                        .servers(tlsUrl(TLS))
                                                        .tls(
                                                                TlsSettings.builder()
                                                                        .caCertFile(
                                                                                PKI.otherCaCert
                                                                                        .toString())
                                                                        .build())
                                                        .build())))
                .contains("TLS handshake failed")
                .contains("'caCertFile'");
    }

    @Test
    void a_plain_connection_to_a_tls_server_fails_saying_tls_is_required() {
        assertThat(failure(b -> b.setConnectionSettings(connection().servers(TLS.url()).build())))
                .contains("the server requires TLS")
                .contains("tls://");
    }

    @Test
    void a_wrong_trust_store_password_fails_naming_the_option() {
        String message =
                failure(
                        b ->
                                b.setConnectionSettings(
                                        connection()
                                                .servers(TLS.url())
                                                .tls(
                                                        TlsSettings.builder()
                                                                .trustStore(
                                                                        PKI.trustStore.toString(),
                                                                        "wrong-store-pw")
                                                                .build())
                                                .build()));
        assertThat(message).contains("'trustStorePassword'").doesNotContain("wrong-store-pw");
    }

    // ---------------------------------------------------------------- mutual TLS

    @Test
    void mutual_tls_with_a_client_key_store() throws Exception {
        TlsSettings tls =
                TlsSettings.builder()
                        .trustStore(PKI.trustStore.toString(), STORE_PASSWORD)
                        .keyStore(PKI.clientKeyStore.toString(), STORE_PASSWORD)
                        .build();
        try (Connection subscriber = subscriber(MTLS, tls)) {
            publishesExactly(
                    subscriber,
                    b ->
                            b.setConnectionSettings(
                                    connection().servers(tlsUrl(MTLS)).tls(tls).build()));
        }
    }

    @Test
    void mutual_tls_with_pem_certificate_and_pkcs1_key() throws Exception {
        TlsSettings tls =
                trustingTheCa()
                        .clientCertificate(PKI.clientCert.toString(), PKI.clientKey.toString())
                        .build();
        try (Connection subscriber = subscriber(MTLS, tls)) {
            publishesExactly(
                    subscriber,
                    b ->
                            b.setConnectionSettings(
                                    connection().servers(tlsUrl(MTLS)).tls(tls).build()));
        }
    }

    @Test
    void mutual_tls_without_a_client_certificate_fails_naming_the_key_options() {
        String message =
                failure(
                        b ->
                                b.setConnectionSettings(
                                        connection()
                                                .servers(tlsUrl(MTLS))
                                                .tls(trustingTheCa().build())
                                                .build()));
        assertThat(message).contains("'keyStorePath'").contains("'certFile'");
    }

    @Test
    void a_wrong_key_store_password_fails_naming_the_option() {
        String message =
                failure(
                        b ->
                                b.setConnectionSettings(
                                        connection()
                                                .servers(tlsUrl(MTLS))
                                                .tls(
                                                        trustingTheCa()
                                                                .keyStore(
                                                                        PKI.clientKeyStore
                                                                                .toString(),
                                                                        "wrong-key-pw")
                                                                .build())
                                                .build()));
        assertThat(message).contains("'keyStorePassword'").doesNotContain("wrong-key-pw");
    }
}
