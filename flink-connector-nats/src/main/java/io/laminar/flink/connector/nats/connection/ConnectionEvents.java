package io.laminar.flink.connector.nats.connection;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Options;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * What one user of a connection hears from it: disconnects and reconnects are logged and reported
 * to the user's callbacks, the server errors the user cares about are kept until polled (a later
 * error may overwrite the connection's last error), a publish jnats dropped from a full queue is
 * remembered ({@link #discardedSubject}), and when jnats gives the connection up, {@link
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
    private final AtomicReference<String> discardedSubject = new AtomicReference<>();
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
        Options options = conn == null ? null : conn.getOptions();
        String name = options == null ? null : options.getConnectionName();
        return name == null ? "" : " '" + name + "'";
    }

    @Override
    public void errorOccurred(Connection conn, String error) {
        if (keepServerError.test(error)) {
            serverErrors.add(error);
        }
        LOG.warn("NATS server reported an error: {}", error);
    }

    /**
     * jnats drops a publish instead of queuing it in two cases: the queue is full and the
     * connection discards when full, or the publishing thread was interrupted. Only the first loses
     * a record unnoticed. In the second the thread that published sees its interrupt flag and hands
     * its batch back to be published again (or its task is being cancelled and replays from the
     * last checkpoint), so the other writers on the connection must not fail for it. Protocol lines
     * (a PING, a SUB) have no subject and carry no record.
     */
    @Override
    public void messageDiscarded(Connection conn, Message msg) {
        String subject = msg == null ? null : msg.getSubject();
        if (subject == null) {
            LOG.debug("NATS client dropped a protocol message it could not queue.");
            return;
        }
        Options options = conn == null ? null : conn.getOptions();
        if (options != null && !options.isDiscardMessagesWhenOutgoingQueueFull()) {
            LOG.debug(
                    "NATS client dropped a publish to '{}' made on an interrupted thread; the"
                            + " writer that made it publishes its batch again.",
                    subject);
            return;
        }
        if (discardedSubject.compareAndSet(null, subject)) {
            LOG.error(
                    "NATS client{} discarded a publish to '{}' because its outgoing queue was"
                            + " full; the writers on this connection fail.",
                    nameOf(conn),
                    subject);
        }
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

    /**
     * The subject of the first publish jnats discarded from a full outgoing queue, or null while
     * none was; once set it stays, since the record is gone.
     */
    public String discardedSubject() {
        return discardedSubject.get();
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
