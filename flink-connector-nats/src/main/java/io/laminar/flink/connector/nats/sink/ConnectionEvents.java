package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;

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

/**
 * Listens to one jnats connection: counts and logs disconnects and reconnects, and keeps the server
 * errors that mean a publish can never succeed (a permission violation), so the publisher can fail
 * the job with them even when a later error has overwritten the connection's last error.
 */
@Internal
final class ConnectionEvents implements ConnectionListener, ErrorListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionEvents.class);

    private final NatsSinkMetrics metrics;
    private final Queue<String> fatalServerErrors = new ConcurrentLinkedQueue<>();
    private volatile Exception lastException;
    private final CountDownLatch exceptionReported = new CountDownLatch(1);

    ConnectionEvents(NatsSinkMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void connectionEvent(Connection conn, Events event) {
        switch (event) {
            case DISCONNECTED:
                metrics.disconnected();
                LOG.warn("NATS connection{} lost its server; reconnecting.", nameOf(conn));
                break;
            case RECONNECTED:
                metrics.reconnected();
                LOG.info(
                        "NATS connection{} reconnected to server {}.",
                        nameOf(conn),
                        ConnectionSettings.redactUrl(conn.getConnectedUrl()));
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
        if (PublishErrorClassifier.fatalServerErrorOrNull(error) != null) {
            fatalServerErrors.add(error);
        }
        LOG.warn("NATS server reported an error: {}", error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
        lastException = exp;
        exceptionReported.countDown();
        LOG.debug("NATS connection exception: {}", NatsSinkWriter.redact(exp.toString()));
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

    /** A fatal server error reported since the last call, as the exception to fail with. */
    NatsSinkException pollFatalServerError() {
        String error = fatalServerErrors.poll();
        return error == null ? null : PublishErrorClassifier.fatalServerErrorOrNull(error);
    }
}
