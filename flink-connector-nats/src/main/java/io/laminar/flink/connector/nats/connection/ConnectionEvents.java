package io.laminar.flink.connector.nats.connection;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * What one user of a connection hears from it: disconnects and reconnects are logged and reported
 * to the user's callbacks, the server errors the user cares about are kept until polled (a later
 * error may overwrite the connection's last error), and when jnats gives the connection up, {@link
 * #closedError} explains why.
 */
@Internal
public final class ConnectionEvents implements ConnectionListener, ErrorListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionEvents.class);

    private final ConnectionSettings settings;
    private final Predicate<String> keepServerError;
    private final Runnable onDisconnect;
    private final Runnable onReconnect;
    private final Queue<String> serverErrors = new ConcurrentLinkedQueue<>();
    private final CountDownLatch exceptionReported = new CountDownLatch(1);
    private volatile Exception lastException;

    /**
     * @param keepServerError which server errors ({@code -ERR}) {@link #pollServerError} returns
     */
    public ConnectionEvents(
            ConnectionSettings settings,
            Predicate<String> keepServerError,
            Runnable onDisconnect,
            Runnable onReconnect) {
        this.settings = settings;
        this.keepServerError = keepServerError;
        this.onDisconnect = onDisconnect;
        this.onReconnect = onReconnect;
    }

    @Override
    public void connectionEvent(Connection conn, Events event) {
        switch (event) {
            case DISCONNECTED:
                onDisconnect.run();
                LOG.warn("NATS connection{} lost its server; reconnecting.", nameOf(conn));
                break;
            case RECONNECTED:
                onReconnect.run();
                LOG.info(
                        "NATS connection{} reconnected to server {}.",
                        nameOf(conn),
                        Redaction.url(conn.getConnectedUrl()));
                break;
            case CLOSED:
                LOG.info("NATS connection{} closed.", nameOf(conn));
                break;
            default:
                break;
        }
    }

    /** " 'name'" for a named connection, so the log lines of several sinks can be told apart. */
    private static String nameOf(Connection conn) {
        String name = conn.getOptions() == null ? null : conn.getOptions().getConnectionName();
        return name == null ? "" : " '" + name + "'";
    }

    @Override
    public void errorOccurred(Connection conn, String error) {
        if (keepServerError.test(error)) {
            serverErrors.add(error);
        }
        LOG.warn("NATS server reported an error: {}", error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
        lastException = exp;
        exceptionReported.countDown();
        LOG.debug("NATS connection exception: {}", Redaction.text(exp.toString()));
    }

    /**
     * The last exception jnats reported, waiting up to {@code wait} for one: jnats reports them on
     * its callback thread, so the one that explains a failed connect may arrive just after {@code
     * Nats.connect} has thrown. Null when none arrived.
     */
    Exception awaitLastException(Duration wait) throws InterruptedException {
        exceptionReported.await(wait.toNanos(), TimeUnit.NANOSECONDS);
        return lastException;
    }

    /** A kept server error reported since the last call, or null. */
    public String pollServerError() {
        return serverErrors.poll();
    }

    /**
     * Why jnats closed the connection, as the exception to fail with; call it once the connection's
     * status is {@code CLOSED}.
     */
    public NatsConnectionException closedError(Connection connection) {
        return ConnectFailure.closed(settings, connection.getLastError(), lastException);
    }
}
