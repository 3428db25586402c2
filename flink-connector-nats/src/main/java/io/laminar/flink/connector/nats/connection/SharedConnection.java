package io.laminar.flink.connector.nats.connection;

import io.nats.client.AuthenticationException;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A jnats connection that several sink writers of one job in one TaskManager use together: the
 * writers whose (resolved) connection settings are equal and whose subtask index falls into the
 * same pool slot share it, and the last one to leave closes it. Connection events, server errors
 * and discarded publishes go to every writer on it, so each counts its reconnects and sees a
 * permission violation or a lost record.
 *
 * <p>Confirmation round trips (PING/PONG) on it go through its {@link #roundTrips()}, which has the
 * writers take turns and repairs the connection when jnats loses track of a PING.
 */
@Internal
public final class SharedConnection implements ConnectionListener, ErrorListener {

    private static final Logger LOG = LoggerFactory.getLogger(SharedConnection.class);

    /** How long to wait for jnats' report of the exception behind a failed connect. */
    private static final Duration REPORT_WAIT = Duration.ofMillis(500);

    /** The shared connections of this JVM, by key; guarded by itself. */
    private static final Map<List<Object>, SharedConnection> SHARED = new HashMap<>();

    /** What makes writers share it: job, settings (secrets included), pool slot; or null. */
    private final List<Object> key;

    private final List<ConnectionEvents> writers = new CopyOnWriteArrayList<>();

    /** Set once connected; written under this. */
    private volatile Connection connection;

    /** The round trips on {@link #connection}; set with it. */
    private volatile RoundTrips roundTrips;

    private final Object connectLock = new Object();

    /** The thread in {@code Nats.connect}, or null; guarded by {@link #connectLock}. */
    private Thread connectingThread;

    /** The server's refusal of the credentials during a connect; guarded by connectLock. */
    private String refusal;

    /** Writers holding it (connected or connecting); guarded by {@link #SHARED}. */
    private int users;

    private SharedConnection(List<Object> key) {
        this.key = key;
    }

    /**
     * The connection for the settings and pool slot, connecting if no writer of job {@code jobId}
     * in this JVM holds one; {@code events} receives the connection's events from now on. A {@code
     * slot} below 0 gives the caller a connection of its own. {@code ${NAME}} references must have
     * been resolved.
     *
     * <p>{@code requestLifetime} is how long a request made without a timeout of its own (a
     * JetStream {@code publishAsync}) must be able to wait for its reply, or null when the caller
     * makes none. jnats gives such a request its request cleanup interval as its timeout, so the
     * connection is made with an interval at least this long; writers that need different lifetimes
     * do not share a connection.
     *
     * @throws NatsConnectionException when connecting fails (nothing is kept then)
     */
    public static SharedConnection acquire(
            ConnectionSettings settings,
            Duration requestLifetime,
            String jobId,
            int slot,
            ConnectionEvents events) {
        List<Object> key = slot < 0 ? null : Arrays.asList(jobId, settings, requestLifetime, slot);
        SharedConnection shared;
        if (key == null) {
            shared = new SharedConnection(null);
            shared.users = 1;
        } else {
            synchronized (SHARED) {
                shared = SHARED.get(key);
                if (shared == null || shared.isClosed()) {
                    // A connection jnats gave up stays with the writers that still hold it (they
                    // fail with it); new writers, e.g. of the restarted job, get a new one.
                    shared = new SharedConnection(key);
                    SHARED.put(key, shared);
                }
                shared.users++;
            }
        }
        shared.writers.add(events);
        try {
            synchronized (shared) {
                if (shared.connection == null) {
                    shared.connection = connect(settings, requestLifetime, shared, events);
                    shared.roundTrips =
                            new RoundTrips(shared.connection, settings.getConnectionName());
                } else {
                    LOG.debug("Sharing the NATS connection of {} other writer(s).", shared.users);
                }
            }
            return shared;
        } catch (RuntimeException | Error e) {
            shared.leave(events);
            throw e;
        }
    }

    /** Connects; {@code listener} gets the events, {@code events} explains a failure. */
    private static Connection connect(
            ConnectionSettings settings,
            Duration requestLifetime,
            SharedConnection listener,
            ConnectionEvents events) {
        Options options;
        try {
            Options.Builder builder = settings.toOptionsBuilder(listener, listener);
            options = builder.build();
            // Raised, never lowered: jnats' own reading of the properties says what it is.
            if (requestLifetime != null
                    && requestLifetime.compareTo(options.getRequestCleanupInterval()) > 0) {
                options = builder.requestCleanupInterval(requestLifetime).build();
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new NatsConnectionException(
                    "Invalid NATS connection settings: "
                            + Redaction.text(String.valueOf(e.getMessage())),
                    e);
        }
        String refused = null;
        try {
            Connection connection;
            listener.beginConnect();
            try {
                connection = Nats.connect(options);
            } finally {
                refused = listener.endConnect();
            }
            LOG.info(
                    "Connected to NATS server {} (servers {}).",
                    Redaction.url(connection.getConnectedUrl()),
                    settings.redactedServers());
            return connection;
        } catch (IOException e) {
            try {
                // jnats reports the exception behind the failure on its callback thread, which
                // may be just after connect has thrown.
                throw ConnectFailure.explain(settings, e, events.awaitLastException(REPORT_WAIT));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new NatsConnectionException(
                        "Interrupted while connecting to NATS.", interrupted);
            }
        } catch (InterruptedException e) {
            if (refused != null) {
                throw ConnectFailure.explain(settings, new AuthenticationException(refused), null);
            }
            Thread.currentThread().interrupt();
            throw new NatsConnectionException("Interrupted while connecting to NATS.", e);
        }
    }

    /**
     * The calling thread starts connecting. jnats waits for the handshake's PONG until the
     * connection timeout even after the server refused the credentials and closed the connection; a
     * refusal ({@link #errorOccurred}) interrupts that wait instead, so a wrong password fails the
     * job at once.
     */
    private void beginConnect() {
        synchronized (connectLock) {
            connectingThread = Thread.currentThread();
            refusal = null;
        }
    }

    /**
     * The calling thread is done connecting; returns the server's refusal that interrupted it, or
     * null. Clears that interrupt, so it never reaches the caller's later waits.
     */
    private String endConnect() {
        String refused;
        synchronized (connectLock) {
            connectingThread = null;
            refused = refusal;
            refusal = null;
        }
        if (refused != null) {
            Thread.interrupted();
        }
        return refused;
    }

    /** The jnats connection. */
    public Connection connection() {
        return connection;
    }

    private boolean isClosed() {
        Connection c = connection;
        return c != null && c.getStatus() == Connection.Status.CLOSED;
    }

    /** The confirmation round trips on the connection, which its writers take in turns. */
    public RoundTrips roundTrips() {
        return roundTrips;
    }

    /**
     * The writer that registered {@code events} no longer uses the connection. The last one flushes
     * what jnats still queues (its close does not) and closes the connection.
     */
    public void release(ConnectionEvents events, Duration flushTimeout) {
        if (!leave(events)) {
            return;
        }
        Connection toClose;
        synchronized (this) {
            toClose = connection;
            connection = null;
        }
        if (toClose == null) {
            return;
        }
        roundTrips.flushBeforeClose(flushTimeout);
        try {
            toClose.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Unregisters {@code events}; true when that was the last user. */
    private boolean leave(ConnectionEvents events) {
        writers.remove(events);
        if (key == null) {
            return true;
        }
        synchronized (SHARED) {
            users--;
            if (users > 0) {
                return false;
            }
            SHARED.remove(key, this);
            return true;
        }
    }

    @Override
    public void connectionEvent(Connection conn, Events type) {
        for (ConnectionEvents writer : writers) {
            writer.connectionEvent(conn, type);
        }
    }

    @Override
    public void errorOccurred(Connection conn, String error) {
        if (ConnectFailure.isAuthError(error)) {
            synchronized (connectLock) {
                if (connectingThread != null && refusal == null) {
                    refusal = error;
                    connectingThread.interrupt();
                }
            }
        }
        for (ConnectionEvents writer : writers) {
            writer.errorOccurred(conn, error);
        }
    }

    @Override
    public void messageDiscarded(Connection conn, Message msg) {
        for (ConnectionEvents writer : writers) {
            writer.messageDiscarded(conn, msg);
        }
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
        for (ConnectionEvents writer : writers) {
            writer.exceptionOccurred(conn, exp);
        }
    }
}
