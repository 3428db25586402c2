package io.laminar.flink.connector.nats.connection;

import io.nats.client.Connection;
import io.nats.client.Statistics;
import io.nats.client.api.ServerInfo;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Confirmation round trips (PING/PONG) on one jnats connection, for every writer that uses it.
 *
 * <p>They take turns: a writer reads jnats' flush counter before and after its own round trip, and
 * another writer's round trip in between must not count as its own.
 *
 * <p>jnats hands each PONG to the oldest waiter, and it registers the waiter before it queues the
 * PING. When the PING cannot be queued — the outgoing queue stayed full for jnats' push timeout, or
 * the calling thread's interrupt flag was set (jnats then drops the PING without an error) — the
 * waiter stays with no PING behind it. From then on every round trip is answered by the PONG of the
 * next one: each times out, on a connection that is up, until the socket is replaced. So:
 *
 * <ul>
 *   <li>a round trip never starts on an interrupted thread, nor for a writer that no longer wants
 *       it (one closed while it waited for its turn);
 *   <li>when the round trips on one socket that stayed connected show such a waiter — a refused
 *       PING followed by a timed-out round trip, or two timed-out round trips in a row — jnats is
 *       made to reconnect, which drops every waiter. The writers then publish again what they had
 *       not confirmed, as after any reconnect.
 * </ul>
 *
 * <p>One timed-out round trip is not enough: a slow server, or a full queue ahead of the PING,
 * explains it as well, and reconnecting would only send the same records again. Its PONG still
 * comes and is handed to its (abandoned) waiter, so the next round trip is not affected.
 */
@Internal
public final class RoundTrips {

    private static final Logger LOG = LoggerFactory.getLogger(RoundTrips.class);

    private final Connection connection;

    /** " 'name'" for a named connection, "" otherwise: for the log. */
    private final String name;

    private final Object turns = new Object();

    /** The socket of the last failed round trips; guarded by {@link #turns}. */
    private Socket failedOn;

    /** Failed round trips in a row on {@link #failedOn}; guarded by {@link #turns}. */
    private int failures;

    /** The socket jnats was last asked to replace; guarded by {@link #turns}. */
    private Socket replacing;

    /** Set once the connection is about to be closed: no more reconnects. */
    private volatile boolean closing;

    /**
     * @param connectionName the connection's name, or null
     */
    public RoundTrips(Connection connection, String connectionName) {
        this.connection = connection;
        this.name = connectionName == null ? "" : " '" + connectionName + "'";
    }

    /**
     * Runs one round trip, once it is the caller's turn, unless by then {@code wanted} says false
     * or the thread is interrupted.
     */
    public Result run(Duration timeout, BooleanSupplier wanted) {
        Statistics stats = connection.getStatistics();
        synchronized (turns) {
            if (!wanted.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                return Result.NOT_RUN;
            }
            Connection.Status statusBefore = connection.getStatus();
            Socket socket = Socket.of(connection);
            long flushesBefore = stats.getFlushCounter();
            Failure failure = null;
            String why = null;
            try {
                connection.flush(timeout);
            } catch (TimeoutException e) {
                failure = Failure.TIMED_OUT;
                why = e.toString();
            } catch (RuntimeException e) {
                // Thrown after the waiter was registered: jnats could not queue the PING.
                failure = Failure.REFUSED;
                why = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                // Maybe while the PING was being queued, which drops it.
                failure = Failure.REFUSED;
                why = e.toString();
            }
            Connection.Status status = connection.getStatus();
            boolean counted = stats.getFlushCounter() > flushesBefore;
            boolean confirmed = failure == null && counted && status == Connection.Status.CONNECTED;
            boolean sameSocket =
                    statusBefore == Connection.Status.CONNECTED
                            && status == Connection.Status.CONNECTED
                            && socket.equals(Socket.of(connection));
            watch(sameSocket ? socket : null, confirmed, failure, why);
            if (!confirmed && why == null) {
                // jnats' flush returns without an exception in cases where no PONG came back (too
                // many pings outstanding, or the socket closed just before the PING).
                why = "no PONG";
            }
            return new Result(true, confirmed, status, why);
        }
    }

    /**
     * Counts the failed round trips on one socket that stayed connected, and asks jnats for a new
     * socket when they show a waiter with no PING behind it.
     */
    private void watch(Socket socket, boolean confirmed, Failure failure, String why) {
        if (socket == null || !socket.equals(failedOn)) {
            failedOn = socket;
            failures = 0;
        }
        if (socket == null) {
            return;
        }
        if (confirmed) {
            failures = 0;
        } else if (failure != null) {
            failures++;
            // A refused PING alone says the queue is full; the timed-out round trip after it
            // says the queue took PINGs again and still no PONG came.
            if (failure == Failure.TIMED_OUT && failures >= 2) {
                reconnect(socket, why);
            }
        }
    }

    private void reconnect(Socket socket, String why) {
        if (closing || socket.equals(replacing)) {
            return;
        }
        replacing = socket;
        LOG.warn(
                "NATS connection{}: {} confirmation round trips in a row got no PONG although the"
                        + " connection stayed up (last: {}): jnats waits for the PONG of a PING"
                        + " that never left, or the server stopped answering. Reconnecting; what"
                        + " was not confirmed is published again.",
                name,
                failures,
                why);
        // jnats reconnects on the calling thread, and may take long to: not on a writer's.
        Thread thread = new Thread(() -> replace(socket), "nats-round-trips-reconnect" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void replace(Socket socket) {
        // Not if jnats replaced the socket meanwhile (that dropped the waiters too), nor once the
        // connection is closing.
        if (closing
                || connection.getStatus() != Connection.Status.CONNECTED
                || !socket.equals(Socket.of(connection))) {
            return;
        }
        try {
            connection.forceReconnect();
        } catch (IOException e) {
            LOG.warn("NATS connection{} could not reconnect: {}", name, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The last user's flush before the connection is closed (jnats' close() does not send what it
     * still queues); no reconnect after it. Skipped on an interrupted thread, where jnats would
     * drop the PING.
     */
    void flushBeforeClose(Duration timeout) {
        closing = true;
        synchronized (turns) {
            if (connection.getStatus() != Connection.Status.CONNECTED
                    || Thread.currentThread().isInterrupted()) {
                return;
            }
            try {
                connection.flush(timeout);
            } catch (TimeoutException | RuntimeException e) {
                LOG.debug(
                        "Final flush before closing the NATS connection failed: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private enum Failure {
        /** No PONG within the timeout (or none before jnats gave the waiter up). */
        TIMED_OUT,
        /** jnats could not queue the PING. */
        REFUSED
    }

    /** How a round trip ended. */
    public static final class Result {

        static final Result NOT_RUN = new Result(false, false, null, "not run");

        private final boolean ran;
        private final boolean confirmed;
        private final Connection.Status status;
        private final String failure;

        private Result(boolean ran, boolean confirmed, Connection.Status status, String failure) {
            this.ran = ran;
            this.confirmed = confirmed;
            this.status = status;
            this.failure = failure;
        }

        /** False when it did not start: no longer wanted, or the thread was interrupted. */
        public boolean ran() {
            return ran;
        }

        /**
         * A PONG came back for it, and jnats counted it, on a connection still connected: the
         * server has processed everything published on this connection before it started.
         */
        public boolean confirmed() {
            return confirmed;
        }

        /** The connection's status when it ended; null when it did not run. */
        public Connection.Status status() {
            return status;
        }

        /** Why it was not confirmed, for the log; null when it was. */
        public String failure() {
            return failure;
        }
    }

    /**
     * One physical connection: a new socket gets a new INFO (jnats keeps the object until the next
     * one) before its reconnect is counted, and the count tells sockets with equal INFO apart.
     */
    private static final class Socket {
        final long reconnects;
        final ServerInfo info;

        private Socket(long reconnects, ServerInfo info) {
            this.reconnects = reconnects;
            this.info = info;
        }

        static Socket of(Connection connection) {
            return new Socket(
                    connection.getStatistics().getReconnects(), connection.getServerInfo());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Socket
                    && ((Socket) o).reconnects == reconnects
                    && ((Socket) o).info == info;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(reconnects);
        }
    }
}
