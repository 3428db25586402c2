package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.MessageCollector;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.OperatorMode;
import io.laminar.flink.connector.nats.testutils.StreamCapture;

import io.nats.client.Connection;
import io.nats.client.NKey;
import io.nats.client.Nats;

import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every authentication method against a nats-server that requires it: the right credentials
 * publish, wrong or missing ones fail the job at start-up, quickly, with the server's reason and
 * the option to check. Also: a JetStream publish the user may not make fails naming the subject.
 */
class NatsSinkAuthITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = new MiniClusterExtension();

    /** Far below anything that could be a reconnect loop or a hang. */
    static final Duration FAST = Duration.ofSeconds(20);

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String[] PAYLOADS = {"alpha", "beta", "gamma"};

    @TempDir Path dir;

    // ---------------------------------------------------------------- username and password

    @Test
    void username_and_password() throws Exception {
        try (NatsServerExtension server =
                server("authorization { users = [ { user: publisher, password: right-pw } ] }")) {
            Connection admin =
                    Nats.connect(server.optionsBuilder().userInfo("publisher", "right-pw").build());
            publishesExactly(
                    admin,
                    b ->
                            b.setConnectionSettings(
                                    connection()
                                            .servers(server.url())
                                            .userInfo("publisher", "right-pw")
                                            .build()));

            assertThat(
                            failure(
                                    b ->
                                            b.setConnectionSettings(
                                                    connection()
                                                            .servers(server.url())
                                                            .userInfo("publisher", "wrong-pw")
                                                            .build())))
                    .containsIgnoringCase("Authorization Violation")
                    .contains("'userInfo'")
                    .doesNotContain("wrong-pw");
            assertThat(
                            failure(
                                    b ->
                                            b.setConnectionSettings(
                                                    connection().servers(server.url()).build())))
                    .containsIgnoringCase("Authorization Violation")
                    .contains(
                            "'userInfo', 'token', 'credentialsFile', 'credentials', 'nkeySeedFile' or"
                                    + " 'nkeySeed' (with 'jwt')");
            // User info in the URL is jnats' other way to pass them: masked in the message.
            assertThat(
                            failure(
                                    b ->
                                            b.setConnectionSettings(
                                                    connection()
                                                            .servers(
                                                                    "nats://publisher:url-wrong-pw@127.0.0.1:"
                                                                            + server.port())
                                                            .build())))
                    .containsIgnoringCase("Authorization Violation")
                    .doesNotContain("url-wrong-pw");
            admin.close();
        }
    }

    /**
     * The server says "Authorization Violation" the moment it reads the credentials; jnats alone
     * waits for the handshake's PONG until the connection timeout anyway (here a minute).
     */
    @Test
    void refused_credentials_fail_the_job_at_once_not_after_the_connection_timeout()
            throws Exception {
        try (NatsServerExtension server =
                server("authorization { users = [ { user: publisher, password: right-pw } ] }")) {
            long started = System.nanoTime();
            assertThat(
                            failure(
                                    b ->
                                            b.setConnectionSettings(
                                                    connection()
                                                            .servers(server.url(), server.url())
                                                            .userInfo("publisher", "wrong-pw")
                                                            .connectionTimeout(
                                                                    Duration.ofSeconds(60))
                                                            .build())))
                    .containsIgnoringCase("Authorization Violation")
                    .contains("the server refused the credentials")
                    .contains("'userInfo'")
                    .doesNotContain("wrong-pw");
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .as("time until the job failed, against a connection timeout of 60 s")
                    .isLessThan(FAST);
        }
    }

    // ---------------------------------------------------------------- token

    @Test
    void token() throws Exception {
        try (NatsServerExtension server = server("authorization { token: right-token }")) {
            Connection admin =
                    Nats.connect(
                            server.optionsBuilder().token("right-token".toCharArray()).build());
            publishesExactly(
                    admin,
                    b ->
                            b.setConnectionSettings(
                                    connection()
                                            .servers(server.url())
                                            .token("right-token")
                                            .build()));

            assertThat(
                            failure(
                                    b ->
                                            b.setConnectionSettings(
                                                    connection()
                                                            .servers(server.url())
                                                            .token("wrong-token")
                                                            .build())))
                    .containsIgnoringCase("Authorization Violation")
                    .contains("'token'")
                    .doesNotContain("wrong-token");
            assertThat(
                            failure(
                                    b ->
                                            b.setConnectionSettings(
                                                    connection().servers(server.url()).build())))
                    .containsIgnoringCase("Authorization Violation")
                    .contains("'token'");
            admin.close();
        }
    }

    // ---------------------------------------------------------------- NKey seed file

    @Test
    void nkey_seed_file() throws Exception {
        NKey user = NKey.createUser(new SecureRandom());
        NKey stranger = NKey.createUser(new SecureRandom());
        Path seedFile = write("user.nk", new String(user.getSeed()) + "\n");
        Path strangerSeedFile = write("stranger.nk", new String(stranger.getSeed()) + "\n");
        try (NatsServerExtension server =
                server(
                        "authorization { users = [ { nkey: "
                                + new String(user.getPublicKey())
                                + " } ] }")) {
            Connection admin =
                    Nats.connect(
                            server.optionsBuilder()
                                    .authHandler(Nats.staticCredentials(null, user.getSeed()))
                                    .build());
            publishesExactly(
                    admin,
                    b ->
                            b.setConnectionSettings(
                                    connection()
                                            .servers(server.url())
                                            .nkeySeedFile(seedFile.toString())
                                            .build()));

            String wrong =
                    failure(
                            b ->
                                    b.setConnectionSettings(
                                            connection()
                                                    .servers(server.url())
                                                    .nkeySeedFile(strangerSeedFile.toString())
                                                    .build()));
            assertThat(wrong)
                    .containsIgnoringCase("Authorization Violation")
                    .contains("'nkeySeedFile'")
                    .doesNotContain(new String(stranger.getSeed()));
            assertThat(
                            failure(
                                    b ->
                                            b.setConnectionSettings(
                                                    connection()
                                                            .servers(server.url())
                                                            .nkeySeedFile(
                                                                    dir.resolve("missing.nk")
                                                                            .toString())
                                                            .build())))
                    .contains("'nkeySeedFile'")
                    .contains("cannot read");
            admin.close();
        }
    }

    // ---------------------------------------------------------------- credentials file (operator
    // mode)

    @Test
    void credentials_file_with_the_server_in_operator_mode() throws Exception {
        OperatorMode operatorMode = OperatorMode.create();
        Path creds = write("user.creds", operatorMode.user().creds);
        OperatorMode.User stranger = OperatorMode.stranger();
        Path strangerCreds = write("stranger.creds", stranger.creds);

        try (NatsServerExtension server =
                NatsServerExtension.builder()
                        .jetStream(false)
                        .config(operatorMode.serverConfig())
                        .build()) {
            server.start();
            Connection admin =
                    Nats.connect(
                            server.optionsBuilder()
                                    .authHandler(Nats.credentials(creds.toString()))
                                    .build());
            publishesExactly(
                    admin,
                    b ->
                            b.setConnectionSettings(
                                    connection()
                                            .servers(server.url())
                                            .credentialsFile(creds.toString())
                                            .build()));

            assertThat(
                            failure(
                                    b ->
                                            b.setConnectionSettings(
                                                    connection()
                                                            .servers(server.url())
                                                            .credentialsFile(
                                                                    strangerCreds.toString())
                                                            .build())))
                    .containsIgnoringCase("Authorization Violation")
                    .contains("'credentialsFile'")
                    .doesNotContain(stranger.seed);
            assertThat(
                            failure(
                                    b ->
                                            b.setConnectionSettings(
                                                    connection().servers(server.url()).build())))
                    .containsIgnoringCase("Authorization Violation")
                    .contains("'credentialsFile'");
            admin.close();
        }
    }

    // ---------------------------------------------------------------- permissions, JetStream

    @Test
    void a_jetstream_publish_the_user_may_not_make_fails_the_job_naming_the_subject()
            throws Exception {
        try (NatsServerExtension server =
                server(
                        "authorization { users = [\n"
                                + "  { user: orders, password: orders-pw, permissions: {"
                                + " publish: [\"orders.>\", \"$JS.API.>\"], subscribe: \"_INBOX.>\" } }\n"
                                + "  { user: admin, password: admin-pw }\n"
                                + "] }")) {
            Connection admin =
                    Nats.connect(server.optionsBuilder().userInfo("admin", "admin-pw").build());
            // The stream exists, so only the permission stands in the way.
            StreamCapture.createFileStream(admin, "OTHER", "other.>");
            long started = System.nanoTime();
            String message =
                    failure(
                            b ->
                                    b.setConnectionSettings(
                                                    connection()
                                                            .servers(server.url())
                                                            .userInfo("orders", "orders-pw")
                                                            .build())
                                            .setSubject("other.x")
                                            .setJetStream(
                                                    JetStreamSettings.builder()
                                                            .ackTimeout(Duration.ofSeconds(3))
                                                            .build()));
            assertThat(message)
                    .containsIgnoringCase("permissions violation")
                    .contains("other.x")
                    .doesNotContain("orders-pw");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(FAST);
            admin.close();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static NatsServerExtension server(String config) {
        NatsServerExtension server = NatsServerExtension.builder().config(config).build();
        server.start();
        return server;
    }

    private Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, content.getBytes(StandardCharsets.US_ASCII));
        return file;
    }

    private static NatsSinkBuilder<String> base() {
        return NatsSink.<String>builder()
                .setSerializationSchema(new SimpleStringSchema())
                .setSubject("auth.it");
    }

    /** Connection settings with the defaults (a connection timeout of 5 s). */
    static ConnectionSettings.Builder connection() {
        return ConnectionSettings.builder();
    }

    /** Runs a job through the sink and checks a subscriber receives exactly the payloads. */
    static void publishesExactly(Connection subscriber, UnaryOperator<NatsSinkBuilder<String>> sink)
            throws Exception {
        try (MessageCollector collector = MessageCollector.subscribe(subscriber, "auth.it")) {
            StreamExecutionEnvironment env = FlinkEnvironment.create();
            env.fromData(PAYLOADS).sinkTo(sink.apply(base()).build());
            env.execute("publishes");
            collector.awaitCount(PAYLOADS.length, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly(PAYLOADS);
        }
    }

    /**
     * Runs a job that must fail, well within {@link #FAST}, and returns the sink's error message.
     */
    static String failure(UnaryOperator<NatsSinkBuilder<String>> sink) {
        StreamExecutionEnvironment env = FlinkEnvironment.create();
        env.fromData(PAYLOADS).sinkTo(sink.apply(base()).build());
        long started = System.nanoTime();
        try {
            env.execute("must fail");
        } catch (Exception e) {
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(took).as("time until the job failed").isLessThan(FAST);
            return ExceptionUtils.findThrowable(e, NatsSinkException.class)
                    .map(Throwable::getMessage)
                    .orElseThrow(
                            () -> new AssertionError("no NatsSinkException in the failure", e));
        }
        return fail("the job did not fail");
    }
}
