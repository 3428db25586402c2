package io.laminar.flink.connector.nats.connection;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Why a connection that was up is closed, as the job's failure says it. */
class ConnectFailureTest {

    private static ConnectionSettings settings(int maxReconnects) {
        return ConnectionSettings.builder()
                .servers("nats://flink:pw-s3cret@a.example:4222", "nats://b.example:4222")
                .maxReconnects(maxReconnects)
                .reconnectWait(Duration.ofMillis(200))
                .build();
    }

    @Test
    void exhausted_reconnect_attempts_name_servers_budget_and_the_option_to_raise() {
        String message =
                ConnectFailure.closed(
                                settings(2),
                                null,
                                new IOException(
                                        "Unable to connect to nats://flink:pw-s3cret@a.example:4222",
                                        new ConnectException("Connection refused.")))
                        .getMessage();
        assertThat(message)
                .isEqualTo(
                        "The NATS connection to servers [nats://******@a.example:4222,"
                                + " nats://b.example:4222] is closed: reconnect attempts exhausted"
                                + " ('maxReconnects' = 2 per server, 'reconnectWait' = 200 ms), so"
                                + " jnats gave it up; last error:"
                                + " java.net.ConnectException: Connection refused. With a restart"
                                + " strategy, Flink restarts the job from its last checkpoint and"
                                + " publishes the records not confirmed before again. To ride out"
                                + " longer server outages, raise 'maxReconnects' (-1 retries"
                                + " forever) or 'reconnectWait'.");
    }

    @Test
    void no_reconnects_at_all_says_reconnecting_is_disabled() {
        assertThat(ConnectFailure.closed(settings(0), null, null).getMessage())
                .contains("is closed: reconnecting is disabled ('maxReconnects' = 0)")
                .contains("raise 'maxReconnects'");
    }

    @Test
    void unlimited_reconnects_do_not_advise_raising_them() {
        assertThat(ConnectFailure.closed(settings(-1), null, null).getMessage())
                .contains("jnats gave it up although reconnect attempts are unlimited")
                .doesNotContain("raise");
    }

    @Test
    void credentials_refused_on_reconnect_name_the_authentication_option() {
        assertThat(
                        ConnectFailure.closed(
                                        settings(2), "Authorization Violation", new IOException())
                                .getMessage())
                .isEqualTo(
                        "The NATS connection to servers [nats://******@a.example:4222,"
                                + " nats://b.example:4222] is closed: the server refused the"
                                + " credentials on reconnect (Authorization Violation). Check the"
                                + " authentication setting: none is set, but the server requires"
                                + " authentication: set 'userInfo', 'token', 'credentialsFile',"
                                + " 'credentials', 'nkeySeedFile' or 'nkeySeed' (with 'jwt').");
    }
}
