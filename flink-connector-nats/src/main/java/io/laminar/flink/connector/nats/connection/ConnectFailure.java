package io.laminar.flink.connector.nats.connection;

import io.nats.client.AuthenticationException;

import org.apache.flink.annotation.Internal;
import org.apache.flink.util.TimeUtils;

import javax.net.ssl.SSLException;

import java.io.IOException;
import java.net.ConnectException;
import java.security.GeneralSecurityException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Explains why the connection failed, naming the servers (user info masked) and the setting to
 * check. At start-up: refused credentials, a failed TLS handshake, a TLS mismatch, or no server
 * reachable; jnats tries every server once and then gives up (it does not reconnect on the first
 * connect), so the job never hangs there. Later: jnats gave up reconnecting and closed the
 * connection, usually because the servers were gone for longer than the reconnect budget.
 */
@Internal
final class ConnectFailure {

    private static final String TLS_SETTINGS =
            "the TLS settings: 'trustStorePath' or 'caCertFile' must hold the CA that signed the"
                    + " server's certificate; for mutual TLS, 'keyStorePath' or"
                    + " 'certFile'/'keyFile' must hold a client certificate the server trusts";

    /** What the JDK's host-name check says when the certificate does not name the host. */
    private static final Pattern HOSTNAME_MISMATCH =
            Pattern.compile(
                    "(?i)no (subject alternative (names?|dns name)|name) (matching|present)");

    private ConnectFailure() {}

    /**
     * Why connecting failed.
     *
     * @param thrown what {@code Nats.connect} threw
     * @param reported the last exception jnats reported to the listener, or null
     */
    static NatsConnectionException explain(
            ConnectionSettings settings, IOException thrown, Exception reported) {
        String prefix = "Could not connect to NATS servers " + settings.redactedServers() + ": ";
        if (thrown instanceof AuthenticationException || isAuthError(thrown.getMessage())) {
            return new NatsConnectionException(
                    prefix
                            + "the server refused the credentials ("
                            + Redaction.text(String.valueOf(thrown.getMessage()))
                            + "). Check the authentication setting: "
                            + settings.authenticationSetting()
                            + ".");
        }
        Throwable tls = tlsCause(reported);
        if (tls == null) {
            tls = tlsCause(thrown);
        }
        if (tls != null) {
            return new NatsConnectionException(prefix + tlsAdvice(settings, tls), tls);
        }
        if (isRefused(reported) || isRefused(thrown)) {
            return new NatsConnectionException(
                    prefix
                            + "the connection was refused: nothing accepts connections at that"
                            + " address and port ("
                            + Redaction.text(rootMessage(reported != null ? reported : thrown))
                            + "). Check 'servers' (host and port) and that nats-server is"
                            + " running there.");
        }
        String reason =
                reported == null
                        ? ""
                        : " (last error: " + Redaction.text(rootMessage(reported)) + ")";
        return new NatsConnectionException(
                prefix
                        + "no server answered within the connection timeout of "
                        + settings.getConnectionTimeout()
                        + ": "
                        + Redaction.text(String.valueOf(thrown.getMessage()))
                        + reason
                        + ". Check 'servers' and the credentials."
                        + (usesTls(settings)
                                ? " Over TLS, a server that requires a client certificate (mutual"
                                        + " TLS) and gets none, or one it does not trust, also"
                                        + " ends the connection this way: check 'keyStorePath' or"
                                        + " 'certFile'/'keyFile', and the server's log."
                                : ""));
    }

    /**
     * Why jnats closed a connection that was up: it used up its reconnect attempts, or the server
     * refused the credentials on reconnect.
     *
     * @param lastServerError the server's last {@code -ERR}, or null
     * @param lastException the last exception jnats reported (a failed reconnect attempt), or null
     */
    static NatsConnectionException closed(
            ConnectionSettings settings, String lastServerError, Exception lastException) {
        String prefix =
                "The NATS connection to servers " + settings.redactedServers() + " is closed: ";
        if (isAuthError(lastServerError)) {
            return new NatsConnectionException(
                    prefix
                            + "the server refused the credentials on reconnect ("
                            + Redaction.text(lastServerError)
                            + "). Check the authentication setting: "
                            + settings.authenticationSetting()
                            + ".");
        }
        String last =
                lastException == null
                        ? ""
                        : "; last error: "
                                + Redaction.text(rootMessage(lastException))
                                        .replaceAll("[.\\s]+$", "");
        String restart =
                ". With a restart strategy, Flink restarts the job from its last checkpoint and"
                        + " publishes the records not confirmed before again";
        int attempts = settings.getMaxReconnects();
        if (attempts < 0) {
            return new NatsConnectionException(
                    prefix
                            + "jnats gave it up although reconnect attempts are unlimited"
                            + last
                            + restart
                            + ".");
        }
        String why =
                attempts == 0
                        ? "reconnecting is disabled ('maxReconnects' = 0), so it was given up when it"
                                + " was lost"
                        : "reconnect attempts exhausted ('maxReconnects' = "
                                + attempts
                                + " per server, 'reconnectWait' = "
                                + TimeUtils.formatWithHighestUnit(settings.getReconnectWait())
                                + "), so jnats gave it up";
        return new NatsConnectionException(
                prefix
                        + why
                        + last
                        + restart
                        + ". To ride out longer server outages, raise 'maxReconnects' (-1 retries"
                        + " forever) or 'reconnectWait'.");
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

    private static String tlsAdvice(ConnectionSettings settings, Throwable tls) {
        String message = String.valueOf(tls.getMessage());
        String lower = message.toLowerCase(Locale.ROOT);
        if (settings.isVerifyHostname() && HOSTNAME_MISMATCH.matcher(message).find()) {
            return "the server's certificate does not match the host the sink connected to ("
                    + message
                    + "). Check that the certificate names that host as a DNS or IP subject"
                    + " alternative name (or use a name in 'servers' that it holds), or set"
                    + " 'verifyHostname' to false to accept a certificate of another host.";
        }
        if (lower.contains("ssl required by server")) {
            return "the server requires TLS. Use tls:// URLs in 'servers', or set "
                    + TLS_SETTINGS
                    + ".";
        }
        if (lower.contains("ssl connection wanted by client")) {
            return "TLS is configured ('tls' or a tls:// URL) but the server does not offer TLS."
                    + " Use nats:// URLs without 'tls', or enable TLS on the server.";
        }
        return "the TLS handshake failed ("
                + tls.getClass().getSimpleName()
                + ": "
                + message
                + "). Check "
                + TLS_SETTINGS
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

    /** Whether the TCP connection was refused (nothing listens there, or a firewall rejects). */
    private static boolean isRefused(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** Whether a server error ({@code -ERR}) says the credentials were refused. */
    static boolean isAuthError(String message) {
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
