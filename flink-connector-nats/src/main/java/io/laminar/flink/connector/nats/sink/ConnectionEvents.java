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
 * errors that mean a publish can never succeed (a permission violation, a control line over the
 * server's limit), so the publisher can fail the job with them even when a later error has
 * overwritten the connection's last error. When jnats gives the connection up, it explains why.
 */
@Internal
final class ConnectionEvents implements ConnectionListener, ErrorListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionEvents.class);

    private final NatsSinkMetrics metrics;
    private final ConnectionSettings settings;
    private final Queue<String> fatalServerErrors = new ConcurrentLinkedQueue<>();
    private volatile Exception lastException;
    private final CountDownLatch exceptionReported = new CountDownLatch(1);

    /** Length of the longest subject plus reply-to published so far; task thread only. */
    private int longestSubjectChars = -1;

    /** That subject and its reply-to (or null), for a control-line error. */
    private volatile String[] longestSubject;

    ConnectionEvents(NatsSinkMetrics metrics, ConnectionSettings settings) {
        this.metrics = metrics;
        this.settings = settings;
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
        return fatalServerErrorOrNull(fatalServerErrors.poll());
    }

    /** {@code serverError} as the exception to fail with, or null when it is not fatal. */
    NatsSinkException fatalServerErrorOrNull(String serverError) {
        return serverError == null
                ? null
                : PublishErrorClassifier.fatalServerErrorOrNull(
                        serverError, longestSubjectPublished());
    }

    /**
     * Notes a message about to be handed to jnats, on the task thread: a server that finds a
     * control line too long says neither which message nor which subject.
     */
    void publishing(String subject, String replyTo) {
        int chars = subject.length() + (replyTo == null ? 0 : replyTo.length());
        if (chars > longestSubjectChars) {
            longestSubjectChars = chars;
            longestSubject = new String[] {subject, replyTo};
        }
    }

    private String longestSubjectPublished() {
        String[] longest = longestSubject;
        if (longest == null) {
            return null;
        }
        int bytes = Subjects.utf8Length(longest[0]);
        if (longest[1] == null) {
            return "'" + Subjects.printable(longest[0]) + "' (" + bytes + " bytes)";
        }
        return "'"
                + Subjects.printable(longest[0])
                + "' with reply-to '"
                + Subjects.printable(longest[1])
                + "' ("
                + (bytes + Subjects.utf8Length(longest[1]))
                + " bytes together)";
    }

    /**
     * Why jnats closed the connection, as the exception to fail the job with; call it once the
     * connection's status is {@code CLOSED}.
     */
    NatsSinkException closedError(Connection connection) {
        return ConnectFailure.closed(settings, connection.getLastError(), lastException);
    }
}
