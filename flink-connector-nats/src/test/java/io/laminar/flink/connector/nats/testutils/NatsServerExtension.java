package io.laminar.flink.connector.nats.testutils;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * JUnit 5 extension that runs a real {@code nats-server} process on a free loopback port for the
 * duration of a test class.
 *
 * <pre>{@code
 * @RegisterExtension static final NatsServerExtension NATS = new NatsServerExtension();
 *
 * @RegisterExtension
 * static final NatsServerExtension SECURED =
 *         NatsServerExtension.builder().config("authorization { token: s3cret }").build();
 * }</pre>
 *
 * <p>The binary is taken from {@code $NATS_SERVER_BIN}, else from {@code PATH} (and a few usual
 * install directories such as {@code /usr/sbin}). Without a binary the extension falls back to a
 * Testcontainers {@code nats:2.10} container if Docker is available, and otherwise fails. JetStream
 * is enabled by default with a file store in a per-instance temporary directory, so file streams
 * survive {@link #stop()} / {@link #start()} (which reuses the same port).
 *
 * <p>The extension can also be used without JUnit: call {@link #start()} and {@link #close()}.
 * Server output is appended to {@link #logFile()}; its tail is included in startup failures.
 */
public final class NatsServerExtension
        implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    /** Environment variable naming the {@code nats-server} binary to use. */
    public static final String BINARY_ENV = "NATS_SERVER_BIN";

    /** Failure message when neither a binary nor Docker is available. */
    public static final String NOT_FOUND_MESSAGE =
            "nats-server not found: install it (Debian/Ubuntu: apt-get install nats-server), put it"
                    + " on PATH, or set NATS_SERVER_BIN=/path/to/nats-server";

    private static final ErrorListener QUIET_ERROR_LISTENER = new ErrorListener() {};

    private final NatsServerConfig config;
    private final NatsMonitoring monitoring;

    // Mutated under "this". The first start() picks a process if there is a binary, else a
    // container (created when it starts); close() forgets the choice.
    private NatsServerProcess server;
    private boolean inContainer;
    private NatsContainerBackend container;
    private int scopes;

    /** Extension with JetStream enabled and no extra configuration. */
    public NatsServerExtension() {
        this(new NatsServerConfig(true, 0, -1, null, 0));
    }

    /** For {@link Builder#build()} and {@link NatsClusterExtension}, which picks its own ports. */
    NatsServerExtension(NatsServerConfig config) {
        this.config = config;
        this.monitoring = config.monitorPort > 0 ? new NatsMonitoring(config.monitorPort) : null;
    }

    /** Returns a builder for a customised extension. */
    /**
     * A loopback port nothing listens on right now, for configuration that names another server's
     * port (a leaf node's remote, a cluster route).
     */
    public static int freePort() {
        return Loopback.freePort();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts the server (if not already running). {@code context} may be {@code null}. */
    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        scopes++;
        start();
    }

    /**
     * Stops the server and deletes its temporary directory once the outermost test class that
     * registered it has finished. {@code context} may be {@code null}.
     */
    @Override
    public synchronized void afterAll(ExtensionContext context) {
        scopes--;
        if (scopes <= 0) {
            scopes = 0;
            close();
        }
    }

    /**
     * Starts the server and waits until it accepts connections. The first start picks a free port;
     * later starts reuse the same port and JetStream store directory, retrying briefly while the
     * port cannot be bound yet. Does nothing if the server is already running.
     *
     * @throws IllegalStateException if no server can be found or it fails to start (the message
     *     contains the tail of the server log)
     * @throws UnsupportedOperationException when restarting a Docker-based server
     */
    public synchronized void start() {
        if (server == null && !inContainer) {
            initialize();
        }
        if (server != null) {
            server.start();
            return;
        }
        if (container == null) {
            NatsContainerBackend backend =
                    new NatsContainerBackend(config.text(), config.jetStream);
            backend.start();
            container = backend;
            return;
        }
        if (container.isRunning()) {
            return;
        }
        throw new UnsupportedOperationException(
                "Restarting nats-server on the same port is not supported in Docker container"
                        + " mode (no local nats-server binary was found). "
                        + NOT_FOUND_MESSAGE);
    }

    /**
     * Stops the server: terminates the process (forcibly after 10 s) and waits until its port
     * refuses connections. The port and store directory are kept for {@link #start()}. Does nothing
     * if the server is not running.
     */
    public synchronized void stop() {
        if (inContainer) {
            if (container != null && container.isRunning()) {
                container.stop();
            }
        } else if (server != null) {
            server.stop();
        }
    }

    /**
     * Kills the server with SIGKILL, as a crash would: no goodbye to clients or cluster peers, and
     * whatever sits in its buffers is gone. Waits until the port refuses connections. The port and
     * store directory are kept for {@link #start()}. Does nothing if the server is not running.
     */
    public synchronized void kill() {
        requireProcessMode("kill()").kill();
    }

    /**
     * {@link #stop()}, an outage of {@code outage} (timed, not slept), then {@link #start()} on the
     * same port and store directory: what a job sees when its server restarts.
     */
    public void restartAfter(Duration outage) {
        stop();
        waitOut(outage);
        start();
    }

    /**
     * {@link #stopInLameDuckMode(Duration)}, an outage of {@code outage}, then {@link #start()}:
     * the way operators restart a server.
     */
    public void restartInLameDuckModeAfter(Duration outage) {
        stopInLameDuckMode(Duration.ofSeconds(20));
        waitOut(outage);
        start();
    }

    private static void waitOut(Duration outage) {
        long downSince = System.nanoTime();
        Await.until(
                "an outage of " + outage,
                outage.plusSeconds(10),
                () -> System.nanoTime() - downSince >= outage.toNanos());
    }

    /**
     * Stops the server the way operators restart one: lame duck mode (SIGUSR2) closes its clients,
     * JetStream stores what it received, then it exits. Needs {@code lame_duck_duration} (at least
     * 30 s) and a short {@code lame_duck_grace_period} in the config to finish within {@code
     * timeout}. The port and store directory are kept for {@link #start()}.
     */
    public synchronized void stopInLameDuckMode(Duration timeout) {
        requireProcessMode("stopInLameDuckMode()").stopInLameDuckMode(timeout);
    }

    /** {@link #stop()} followed by {@link #start()} on the same port and store directory. */
    public synchronized void restart() {
        if (inContainer) {
            throw new UnsupportedOperationException(
                    "restart() is not supported in Docker container mode (no local nats-server"
                            + " binary was found). "
                            + NOT_FOUND_MESSAGE);
        }
        stop();
        start();
    }

    /**
     * Freezes the server process (SIGSTOP): its connections stay open, but it reads, writes and
     * answers nothing, like a server that stalls. Clients' writes pile up in socket buffers and
     * then block. Undo with {@link #resume()} in a {@code finally}; {@link #stop()} resumes a
     * paused server before terminating it.
     *
     * @throws IllegalStateException if the server is not running or already paused
     * @throws UnsupportedOperationException in Docker container mode
     */
    public synchronized void pause() {
        requireProcessMode("pause()").pause();
    }

    /** Lets a {@link #pause() paused} server run again (SIGCONT). Does nothing otherwise. */
    public synchronized void resume() {
        if (server != null) {
            server.resume();
        }
    }

    /** True between {@link #pause()} and {@link #resume()}. */
    public synchronized boolean isPaused() {
        return server != null && server.isPaused();
    }

    /** True if the server process (or container) is currently running. */
    public synchronized boolean isRunning() {
        if (inContainer) {
            return container != null && container.isRunning();
        }
        return server != null && server.isRunning();
    }

    /**
     * Stops the server and deletes the temporary directory (including the JetStream store). The
     * extension may be started again afterwards, with a new port and an empty store.
     */
    @Override
    public synchronized void close() {
        try {
            if (container != null) {
                container.stop();
            }
            if (server != null) {
                server.close();
            }
        } finally {
            inContainer = false;
            server = null;
            container = null;
        }
    }

    /** Client URL, e.g. {@code nats://127.0.0.1:4222}. Stays valid while the server is stopped. */
    public synchronized String url() {
        if (inContainer && container != null) {
            return "nats://" + container.host() + ":" + container.port();
        }
        return "nats://" + Loopback.HOST + ":" + port();
    }

    /** Client port. Stays the same across {@link #stop()} / {@link #start()}. */
    public synchronized int port() {
        if (inContainer && container != null) {
            return container.port();
        }
        if (server == null || server.port() < 0) {
            throw notStarted();
        }
        return server.port();
    }

    /** JetStream store directory passed to {@code -sd} (the server stores data below it). */
    public synchronized Path storeDir() {
        return requireProcessMode("storeDir()").storeDir;
    }

    /** PID of the current (or, when stopped, the last) server process. */
    public synchronized long pid() {
        return requireProcessMode("pid()").pid();
    }

    /** File the server's stdout and stderr are appended to (kept after {@link #close()}). */
    public synchronized Path logFile() {
        return requireProcessMode("logFile()").log.file;
    }

    /** True if a TCP connection to the client port currently succeeds. */
    public synchronized boolean acceptsConnections() {
        if (inContainer && container != null) {
            return container.isRunning();
        }
        return Loopback.acceptsConnections(port());
    }

    /**
     * The body of a GET to the server's monitoring endpoint {@code path} (e.g. {@code /connz}), or
     * null when it does not answer. Needs {@link Builder#monitoring()}.
     */
    public String monitor(String path) {
        return monitoring().get(path);
    }

    /**
     * How many client connections named {@code name} the server has now (from {@code /connz}).
     * Needs {@link Builder#monitoring()}.
     */
    public int connectionsNamed(String name) {
        int count = monitoring().connectionsNamed(name);
        if (count < 0) {
            throw new IllegalStateException("the monitoring port did not answer");
        }
        return count;
    }

    /**
     * When the server accepted the client connection named {@code name} (from {@code /connz}), or
     * null when it has none. Needs {@link Builder#monitoring()}.
     */
    public Instant connectedAt(String name) {
        return monitoring().connectedAt(name);
    }

    /** The server's monitoring endpoint; throws unless it was built with monitoring. */
    NatsMonitoring monitoring() {
        if (monitoring == null) {
            throw new IllegalStateException("monitoring is off: build with .monitoring()");
        }
        return monitoring;
    }

    /**
     * Options pre-filled for this server: its URL, 5 s connection timeout, unlimited reconnects
     * every 200 ms and a silent error listener. Add credentials etc. and pass it to {@link
     * #connect(Options.Builder)}.
     */
    public Options.Builder optionsBuilder() {
        return new Options.Builder()
                .server(url())
                .connectionTimeout(Duration.ofSeconds(5))
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(200))
                .errorListener(QUIET_ERROR_LISTENER);
    }

    /** Connects with {@link #optionsBuilder()}. The caller closes the connection. */
    public Connection connect() {
        return connect(optionsBuilder());
    }

    /**
     * Connects with the given options, used as they are; start from {@link #optionsBuilder()} so
     * the server URL is set. The caller closes the connection.
     */
    public Connection connect(Options.Builder options) {
        try {
            return Nats.connect(options.build());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Failed to connect to " + url() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while connecting to " + url(), e);
        }
    }

    private void initialize() {
        Path binary = NatsServerProcess.findBinary();
        if (binary != null) {
            server = new NatsServerProcess(binary, config);
        } else if (dockerAvailable()) {
            inContainer = true;
        } else {
            throw new IllegalStateException(NOT_FOUND_MESSAGE);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return NatsContainerBackend.dockerAvailable();
        } catch (LinkageError e) {
            // Testcontainers is not on the class path.
            return false;
        }
    }

    private NatsServerProcess requireProcessMode(String what) {
        if (inContainer) {
            throw new UnsupportedOperationException(
                    what + " is not available in Docker container mode");
        }
        if (server == null) {
            throw notStarted();
        }
        return server;
    }

    private static IllegalStateException notStarted() {
        return new IllegalStateException(
                "NatsServerExtension has not been started: register it with @RegisterExtension"
                        + " on a static field, or call start()");
    }

    /** Builder for {@link NatsServerExtension}. */
    public static final class Builder {
        private boolean jetStream = true;
        private String config;
        private int maxPayload;
        private int port;
        private boolean monitoring;

        private Builder() {}

        /** Enables JetStream ({@code -js}) with a file store in a temp directory; default true. */
        public Builder jetStream(boolean enabled) {
            this.jetStream = enabled;
            return this;
        }

        /**
         * Extra nats-server configuration (e.g. {@code authorization { token: s3cret }}), written
         * to a config file passed with {@code -c}. Host, port and store dir flags still win.
         */
        public Builder config(String config) {
            this.config = config;
            return this;
        }

        /** Sets {@code max_payload} (bytes) in the generated config file. */
        public Builder maxPayload(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxPayload must be positive: " + bytes);
            }
            this.maxPayload = bytes;
            return this;
        }

        /**
         * Listens on this client port instead of a free one picked at start (needed when other
         * servers' configuration must name it, as in a cluster).
         */
        public Builder port(int port) {
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** Opens the monitoring port on loopback, for {@link NatsServerExtension#monitor}. */
        public Builder monitoring() {
            this.monitoring = true;
            return this;
        }

        public NatsServerExtension build() {
            int monitorPort = monitoring ? Loopback.freePort() : -1;
            return new NatsServerExtension(
                    new NatsServerConfig(jetStream, port, monitorPort, config, maxPayload));
        }
    }
}
