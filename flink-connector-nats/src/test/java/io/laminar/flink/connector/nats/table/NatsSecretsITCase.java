package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.connection.EnvironmentReferences;
import io.laminar.flink.connector.nats.connection.TlsSettings;
import io.laminar.flink.connector.nats.sink.NatsSink;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.LogCapture;
import io.laminar.flink.connector.nats.testutils.MessageCollector;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.TestCertificates;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;

import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.FileUtils;
import org.apache.flink.util.InstantiationUtil;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Secrets given as {@code ${NAME}} references (a token and a key-store password, set for the test
 * JVM by the surefire configuration) authenticate against a mutual-TLS, token-protected server, and
 * their values appear nowhere: not in {@code toString()}, the serialized sink or job graph, {@code
 * EXPLAIN}, the compiled plan, exception messages or the logs (captured at DEBUG).
 */
class NatsSecretsITCase {

    private static final String TOKEN = "env-t0ken-s3cret";
    private static final String STORE_PASSWORD = "env-st0re-s3cret";
    private static final List<String> SECRETS = Arrays.asList(TOKEN, STORE_PASSWORD);

    private static final Path DIR = tempDir();
    private static final TestCertificates PKI = TestCertificates.generate(DIR, STORE_PASSWORD);

    @RegisterExtension static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final NatsServerExtension NATS =
            NatsServerExtension.builder()
                    .jetStream(false)
                    .config(PKI.serverTlsConfig(true) + "authorization { token: " + TOKEN + " }\n")
                    .build();

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private LogCapture log;

    @AfterAll
    static void deletePki() throws IOException {
        FileUtils.deleteDirectory(DIR.toFile());
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("nats-secrets-it");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything logged during a test, at DEBUG, from every logger. */
    @BeforeEach
    void captureLogs() {
        log = LogCapture.everything(Level.DEBUG);
    }

    @AfterEach
    void stopCapturing() throws IOException {
        log.close();

        assertThat(log.text()).as("DEBUG log").isNotEmpty();
        assertNoSecret("the DEBUG log", log.text());
        Path testLog = Paths.get(System.getProperty("log.dir", "target"), "test.log");
        if (Files.exists(testLog)) {
            assertNoSecret(
                    "target/test.log",
                    new String(Files.readAllBytes(testLog), StandardCharsets.UTF_8));
        }
    }

    private static void assertNoSecret(String where, String text) {
        for (String secret : SECRETS) {
            assertThat(text).as(where).doesNotContain(secret);
        }
    }

    private static TlsSettings.Builder tls() {
        return TlsSettings.builder()
                .caCertFile(PKI.caCert.toString())
                .keyStore(PKI.clientKeyStore.toString(), "${NATS_TEST_STORE_PASSWORD}");
    }

    private static Connection subscriber() throws Exception {
        return Nats.connect(
                ConnectionSettings.builder()
                        .servers(NATS.url())
                        .token("${NATS_TEST_TOKEN}")
                        .tls(tls().build())
                        .build()
                        .resolveEnvironmentReferences(
                                EnvironmentReferences.allowing("NATS_TEST_*", "the test"))
                        .toOptionsBuilder((c, e) -> {}, new ErrorListener() {})
                        .build());
    }

    @Test
    void datastream_references_stay_references_until_the_writer_connects() throws Exception {
        NatsSink<String> sink =
                NatsSink.<String>builder()
                        .setConnectionSettings(
                                ConnectionSettings.builder()
                                        .servers("tls://127.0.0.1:" + NATS.port())
                                        .token("${NATS_TEST_TOKEN}")
                                        .tls(tls().build())
                                        .build())
                        .setSerializationSchema(new SimpleStringSchema())
                        .setSubject("secret.ds")
                        .build();
        StreamExecutionEnvironment env = FlinkEnvironment.create();
        env.fromData("one", "two").sinkTo(sink);

        String serializedSink = latin1(InstantiationUtil.serializeObject(sink));
        assertThat(serializedSink).contains("${NATS_TEST_TOKEN}");
        assertNoSecret("the serialized sink", serializedSink);
        assertNoSecret(
                "the serialized job graph",
                latin1(InstantiationUtil.serializeObject(env.getStreamGraph(false).getJobGraph())));

        try (Connection subscriber = subscriber();
                MessageCollector collector = MessageCollector.subscribe(subscriber, "secret.ds")) {
            env.execute("secrets by reference");
            collector.awaitCount(2, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("one", "two");
        }
    }

    @Test
    void literal_secrets_are_masked_in_to_string() {
        ConnectionSettings settings =
                ConnectionSettings.builder()
                        .servers("nats://user:" + TOKEN + "@127.0.0.1:4222")
                        .token(TOKEN)
                        .tls(
                                TlsSettings.builder()
                                        .trustStore("/t.p12", STORE_PASSWORD)
                                        .keyStore("/k.p12", STORE_PASSWORD)
                                        .build())
                        .property("keystore_password", STORE_PASSWORD)
                        .build();
        assertNoSecret("toString()", settings.toString());
        assertThat(settings.toString()).contains("/t.p12").contains("******");
        // Log it, so the log scan covers what a debug statement would print.
        LogManager.getLogger(NatsSecretsITCase.class).debug("settings: {}", settings);
    }

    @Test
    void sql_named_connection_with_references_publishes_and_keeps_them_out_of_the_plan()
            throws Exception {
        StreamExecutionEnvironment env = FlinkEnvironment.create();
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        String prefix = "nats.connection.secured.";
        tEnv.getConfig().set(prefix + "servers", "tls://127.0.0.1:" + NATS.port());
        tEnv.getConfig().set(prefix + "token", "${NATS_TEST_TOKEN}");
        tEnv.getConfig().set(prefix + "tls.ca-cert-file", PKI.caCert.toString());
        tEnv.getConfig().set(prefix + "tls.cert-file", PKI.clientCert.toString());
        tEnv.getConfig().set(prefix + "tls.key-file", PKI.clientKey.toString());
        tEnv.executeSql(
                "CREATE TABLE secured (v STRING) WITH ('connector' = 'nats_sink', 'connection' ="
                        + " 'secured', 'subject' = 'secret.sql', 'format' = 'raw')");
        // A key store given in the table, its password by reference.
        tEnv.executeSql(
                "CREATE TABLE secured_ks (v STRING) WITH ('connector' = 'nats_sink', 'connection' ="
                        + " 'secured', 'tls.cert-file' = '', 'tls.key-file' = '',"
                        + " 'tls.key-store.path' = '"
                        + PKI.clientKeyStore
                        + "', 'tls.key-store.password' = '${NATS_TEST_STORE_PASSWORD}',"
                        + " 'subject' = 'secret.sql', 'format' = 'raw')");
        String insert = "INSERT INTO secured_ks VALUES ('ks')";

        String plan = tEnv.compilePlanSql(insert).asJsonString();
        assertThat(plan).contains("${NATS_TEST_STORE_PASSWORD}");
        assertNoSecret("the compiled plan", plan);
        assertNoSecret("EXPLAIN", tEnv.explainSql(insert));

        try (Connection subscriber = subscriber();
                MessageCollector collector = MessageCollector.subscribe(subscriber, "secret.sql")) {
            tEnv.executeSql("INSERT INTO secured VALUES ('pem')").await();
            tEnv.executeSql(insert).await();
            collector.awaitCount(2, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("pem", "ks");
        }
    }

    @Test
    void a_wrong_token_fails_without_echoing_it() {
        StreamExecutionEnvironment env = FlinkEnvironment.create();
        String wrong = TOKEN + "-but-wrong";
        env.fromData("x")
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder()
                                                .servers(NATS.url())
                                                .token(wrong)
                                                .tls(tls().build())
                                                .connectionTimeout(Duration.ofSeconds(2))
                                                .build())
                                .setSerializationSchema(new SimpleStringSchema())
                                .setSubject("secret.wrong")
                                .build());
        assertThatThrownBy(() -> env.execute("wrong token"))
                .satisfies(
                        e -> {
                            String all = ExceptionUtils.stringifyException(e);
                            assertThat(all).containsIgnoringCase("Authorization Violation");
                            assertNoSecret("the exception", all);
                        });
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
