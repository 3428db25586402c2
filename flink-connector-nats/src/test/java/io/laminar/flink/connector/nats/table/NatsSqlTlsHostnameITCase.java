package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.connection.TlsSettings;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.LogCapture;
import io.laminar.flink.connector.nats.testutils.MessageCollector;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.TestCertificates;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;

import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.FileUtils;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Host-name verification and {@code opentls://} in SQL: the run-time failure and the WARN name the
 * SQL options {@code tls.verify-hostname} and {@code tls.insecure-trust-all}, and both opt-outs
 * deliver the rows.
 */
class NatsSqlTlsHostnameITCase {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
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

    private StreamTableEnvironment tEnv;

    @AfterAll
    static void deletePki() throws IOException {
        FileUtils.deleteDirectory(DIR.toFile());
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("nats-sql-tls-hostname-it");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeEach
    void createEnvironment() {
        tEnv = StreamTableEnvironment.create(FlinkEnvironment.create());
    }

    private void createTable(String name, String scheme, String extraOptions) {
        tEnv.executeSql(
                "CREATE TABLE "
                        + name
                        + " (v STRING) WITH ('connector' = 'nats_sink', 'servers' = '"
                        + scheme
                        + "://127.0.0.1:"
                        + OTHER_HOST.port()
                        + "', 'connect-timeout' = '2 s', 'subject' = 'tls.sql', 'format' = 'raw'"
                        + extraOptions
                        + ")");
    }

    private static Connection subscriber() throws Exception {
        return Nats.connect(
                ConnectionSettings.builder()
                        .servers("tls://127.0.0.1:" + OTHER_HOST.port())
                        .tls(TlsSettings.builder().caCertFile(PKI.caCert.toString()).build())
                        .verifyHostname(false)
                        .build()
                        .toOptionsBuilder((c, e) -> {}, new ErrorListener() {})
                        .build());
    }

    @Test
    void a_certificate_for_another_host_fails_naming_tls_verify_hostname_and_false_delivers()
            throws Exception {
        String trustTheCa = ", 'tls.ca-cert-file' = '" + PKI.caCert + "'";
        createTable("verified", "tls", trustTheCa);
        assertThatThrownBy(() -> tEnv.executeSql("INSERT INTO verified VALUES ('x')").await())
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("does not match the host")
                                        .contains("127.0.0.1")
                                        .contains("'tls.verify-hostname'"));

        createTable("unverified", "tls", trustTheCa + ", 'tls.verify-hostname' = 'false'");
        try (Connection subscriber = subscriber();
                MessageCollector collector = MessageCollector.subscribe(subscriber, "tls.sql")) {
            tEnv.executeSql("INSERT INTO unverified VALUES ('a'), ('b')").await();
            collector.awaitCount(2, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("a", "b");
        }
    }

    @Test
    void opentls_with_tls_insecure_trust_all_delivers_and_warns_naming_the_option()
            throws Exception {
        createTable("trusting", "opentls", ", 'tls.insecure-trust-all' = 'true'");
        try (LogCapture log = LogCapture.start("io.laminar.flink.connector.nats", Level.WARN);
                Connection subscriber = subscriber();
                MessageCollector collector = MessageCollector.subscribe(subscriber, "tls.sql")) {
            tEnv.executeSql("INSERT INTO trusting VALUES ('c')").await();
            collector.awaitCount(1, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("c");
            assertThat(log.text()).contains("WARN").contains("'tls.insecure-trust-all'");
        }
    }
}
