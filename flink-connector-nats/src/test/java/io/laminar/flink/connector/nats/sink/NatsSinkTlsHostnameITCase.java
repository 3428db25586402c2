package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.connection.TlsSettings;
import io.laminar.flink.connector.nats.testutils.LogCapture;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.TestCertificates;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;

import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.FileUtils;

import org.apache.logging.log4j.Level;
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
 * Host-name verification over TLS: the server's certificate must name the host the sink connects
 * to, even when it is signed by a trusted CA; {@code verifyHostname} turns that off. {@code
 * opentls://} works only with {@code insecureTrustAll}, and the sink warns about it.
 */
class NatsSinkTlsHostnameITCase {

    private static final Path DIR = tempDir();
    private static final TestCertificates PKI = TestCertificates.generate(DIR, "store-pw");

    @RegisterExtension static final MiniClusterExtension FLINK = new MiniClusterExtension();

    /** A certificate from the trusted CA, but for another host: "other.example" only. */
    @RegisterExtension
    static final NatsServerExtension OTHER_HOST =
            NatsServerExtension.builder()
                    .jetStream(false)
                    .config(PKI.serverTlsConfigFor("DNS:other.example"))
                    .build();

    /** A certificate that names the server by its DNS name only, no IP address. */
    @RegisterExtension
    static final NatsServerExtension DNS_NAME_ONLY =
            NatsServerExtension.builder()
                    .jetStream(false)
                    .config(PKI.serverTlsConfigFor("DNS:localhost"))
                    .build();

    @AfterAll
    static void deletePki() throws IOException {
        FileUtils.deleteDirectory(DIR.toFile());
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("nats-tls-hostname-it");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TlsSettings trustingTheCa() {
        return TlsSettings.builder().caCertFile(PKI.caCert.toString()).build();
    }

    /** A subscriber to {@code server} that trusts the CA and does not check the host name. */
    private static Connection subscriberTo(NatsServerExtension server) throws Exception {
        return Nats.connect(
                connection()
                        .servers("tls://127.0.0.1:" + server.port())
                        .tls(trustingTheCa())
                        .verifyHostname(false)
                        .build()
                        .toOptionsBuilder((c, e) -> {}, new ErrorListener() {})
                        .build());
    }

    @Test
    void a_server_certificate_for_another_host_fails_the_job_naming_the_host_and_the_setting() {
        String message =
                failure(
                        b ->
                                b.setConnectionSettings(
                                        connection()
                                                .servers("tls://127.0.0.1:" + OTHER_HOST.port())
                                                .tls(trustingTheCa())
                                                .build()));
        assertThat(message)
                .contains("does not match the host")
                .contains("127.0.0.1")
                .contains("'verifyHostname'");
    }

    @Test
    void a_certificate_naming_the_host_by_dns_name_only_is_accepted_for_that_name()
            throws Exception {
        // jnats resolves "localhost" to 127.0.0.1 before it connects; the name in the URL, not the
        // address, is what the certificate must match.
        ConnectionSettings settings =
                connection()
                        .servers("tls://localhost:" + DNS_NAME_ONLY.port())
                        .tls(trustingTheCa())
                        .build();
        try (Connection subscriber =
                Nats.connect(
                        settings.toOptionsBuilder((c, e) -> {}, new ErrorListener() {}).build())) {
            publishesExactly(subscriber, b -> b.setConnectionSettings(settings));
        }
    }

    @Test
    void with_verifyHostname_off_a_certificate_for_another_host_connects_and_records_arrive()
            throws Exception {
        try (Connection subscriber = subscriberTo(OTHER_HOST)) {
            publishesExactly(
                    subscriber,
                    b ->
                            b.setConnectionSettings(
                                    connection()
                                            .servers("tls://127.0.0.1:" + OTHER_HOST.port())
                                            .tls(trustingTheCa())
                                            .verifyHostname(false)
                                            .build()));
        }
    }

    @Test
    void with_insecureTrustAll_an_opentls_url_connects_and_the_sink_warns() throws Exception {
        try (LogCapture log = LogCapture.start("io.laminar.flink.connector.nats", Level.WARN);
                Connection subscriber = subscriberTo(OTHER_HOST)) {
            // No TLS settings: jnats trusts the test CA it was never given.
            publishesExactly(
                    subscriber,
                    b ->
                            b.setConnectionSettings(
                                    connection()
                                            .servers("opentls://127.0.0.1:" + OTHER_HOST.port())
                                            .insecureTrustAll(true)
                                            .build()));
            assertThat(log.lines())
                    .anySatisfy(
                            line ->
                                    assertThat(line)
                                            .startsWith("WARN")
                                            .contains("'insecureTrustAll'")
                                            .contains("trusts every server certificate"));
        }
    }
}
