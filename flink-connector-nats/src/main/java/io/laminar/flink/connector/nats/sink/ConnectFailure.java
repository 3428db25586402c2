package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;

import io.nats.client.AuthenticationException;

import org.apache.flink.annotation.Internal;

import javax.net.ssl.SSLException;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Locale;

/**
 * Explains why the first connection failed, so that the job fails at start-up with the server's
 * reason and the option to check: refused credentials, a failed TLS handshake, a TLS mismatch, or
 * no server reachable. jnats tries every server once and then gives up (it does not reconnect on
 * the first connect), so the job never hangs here.
 */
@Internal
final class ConnectFailure {

    /** How long to wait for jnats' asynchronous report of the exception behind the failure. */
    private static final Duration REPORT_WAIT = Duration.ofMillis(500);

    private static final String TLS_OPTIONS =
            "the tls.* options (setTls): 'tls.trust-store.path' or 'tls.ca-cert-file' must hold"
                    + " the CA that signed the server's certificate; for mutual TLS,"
                    + " 'tls.key-store.path' or 'tls.cert-file'/'tls.key-file' must hold a client"
                    + " certificate the server trusts";

    private ConnectFailure() {}

    static NatsSinkException explain(
            ConnectionSettings settings, IOException thrown, ConnectionEvents events)
            throws InterruptedException {
        String prefix = "Could not connect to NATS servers " + settings.redactedServers() + ": ";
        if (thrown instanceof AuthenticationException || isAuthError(thrown.getMessage())) {
            return new NatsSinkException(
                    prefix
                            + "the server refused the credentials ("
                            + NatsSinkWriter.redact(String.valueOf(thrown.getMessage()))
                            + "). Check the authentication option: "
                            + settings.authenticationOptions()
                            + ".");
        }
        Exception reported = events.awaitLastException(REPORT_WAIT);
        Throwable tls = tlsCause(reported);
        if (tls == null) {
            tls = tlsCause(thrown);
        }
        if (tls != null) {
            return new NatsSinkException(prefix + tlsAdvice(tls), tls);
        }
        String reason =
                reported == null
                        ? ""
                        : " (last error: " + NatsSinkWriter.redact(rootMessage(reported)) + ")";
        return new NatsSinkException(
                prefix
                        + "no server answered within the connection timeout of "
                        + settings.getConnectionTimeout()
                        + ": "
                        + NatsSinkWriter.redact(String.valueOf(thrown.getMessage()))
                        + reason
                        + ". Check 'servers' and the credentials."
                        + (usesTls(settings)
                                ? " Over TLS, a server that requires a client certificate (mutual"
                                        + " TLS) and gets none, or one it does not trust, also"
                                        + " ends the connection this way: check"
                                        + " 'tls.key-store.path' or 'tls.cert-file'/'tls.key-file'"
                                        + " (setTls), and the server's log."
                                : ""));
    }

    private static boolean usesTls(ConnectionSettings settings) {
        if (settings.getTls() != null) {
            return true;
        }
        for (String server : settings.getServers()) {
            String lower = server.toLowerCase(Locale.ROOT);
            if (lower.startsWith("tls://")
                    || lower.startsWith("opentls://")
                    || lower.startsWith("wss://")) {
                return true;
            }
        }
        return false;
    }

    private static String tlsAdvice(Throwable tls) {
        String message = String.valueOf(tls.getMessage());
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("ssl required by server")) {
            return "the server requires TLS. Use tls:// URLs in 'servers', or set "
                    + TLS_OPTIONS
                    + ".";
        }
        if (lower.contains("ssl connection wanted by client")) {
            return "TLS is configured (tls.* options or a tls:// URL) but the server does not"
                    + " offer TLS. Use nats:// URLs without tls.* options, or enable TLS on the"
                    + " server.";
        }
        return "the TLS handshake failed ("
                + tls.getClass().getSimpleName()
                + ": "
                + message
                + "). Check "
                + TLS_OPTIONS
                + ".";
    }

    /** The TLS problem in {@code error}'s cause chain, or null. */
    private static Throwable tlsCause(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof GeneralSecurityException) {
                // The deepest security exception says most (e.g. the PKIX path failure).
                Throwable deeper = tlsCause(t.getCause());
                return deeper != null ? deeper : t;
            }
            String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (message.contains("ssl required by server")
                    || message.contains("ssl connection wanted by client")) {
                return t;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static boolean isAuthError(String message) {
        String lower = String.valueOf(message).toLowerCase(Locale.ROOT);
        return lower.contains("authorization violation") || lower.contains("user authentication");
    }

    private static String rootMessage(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }
}
