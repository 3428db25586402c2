package io.laminar.flink.connector.nats.testutils;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

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

    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REBIND_TIMEOUT = Duration.ofSeconds(10);
    private static final int FRESH_PORT_ATTEMPTS = 3;
    private static final int LOG_TAIL_BYTES = 8 * 1024;
    private static final List<String> EXTRA_BINARY_DIRS =
            Arrays.asList(
                    "/usr/sbin",
                    "/usr/local/bin",
                    "/usr/bin",
                    "/usr/local/sbin",
                    "/opt/homebrew/bin");

    private static final ErrorListener QUIET_ERROR_LISTENER = new ErrorListener() {};
    private static final AtomicInteger INSTANCE_COUNTER = new AtomicInteger();
    private static final Set<NatsServerExtension> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                NatsServerExtension::shutdownAllQuietly,
                                "nats-server-extension-cleanup"));
    }

    private enum Mode {
        PROCESS,
        CONTAINER
    }

    private final boolean jetStream;
    private final String config;
    private final int maxPayload;
    private final int fixedPort;
    private final int monitorPort;

    // Mutated under "this"; volatile where the shutdown hook reads them without the lock.
    private Mode mode;
    private Path binary;
    private volatile Path tempDir;
    private Path storeDir;
    private Path configFile;
    private Path logFile;
    private int port = -1;
    private volatile Process process;
    private long lastPid = -1;
    private NatsContainerBackend container;
    private int scopes;
    private boolean paused;

    /** Extension with JetStream enabled and no extra configuration. */
    public NatsServerExtension() {
        this(builder());
    }

    private NatsServerExtension(Builder builder) {
        this.jetStream = builder.jetStream;
        this.config = builder.config;
        this.maxPayload = builder.maxPayload;
        this.fixedPort = builder.port;
        this.monitorPort = builder.monitoring ? freePort() : -1;
    }

    /** Returns a builder for a customised extension. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------
    // JUnit callbacks
    // ------------------------------------------------------------------------------------------

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

    // ------------------------------------------------------------------------------------------
    // Lifecycle
    // ------------------------------------------------------------------------------------------

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
        if (mode == null) {
            initialize();
        }
        if (mode == Mode.CONTAINER) {
            if (container == null) {
                NatsContainerBackend backend =
                        new NatsContainerBackend(effectiveConfigText(), jetStream);
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
        if (process != null && process.isAlive()) {
            return;
        }
        if (port < 0 && fixedPort > 0) {
            port = fixedPort;
            startOnSamePort();
        } else if (port < 0) {
            startOnFreshPort();
        } else {
            startOnSamePort();
        }
    }

    /**
     * Stops the server: terminates the process (forcibly after 10 s) and waits until its port
     * refuses connections. The port and store directory are kept for {@link #start()}. Does nothing
     * if the server is not running.
     */
    public synchronized void stop() {
        if (mode == Mode.CONTAINER) {
            if (container != null && container.isRunning()) {
                container.stop();
            }
            return;
        }
        Process p = process;
        if (p == null) {
            return;
        }
        // A stopped process only acts on SIGTERM once it runs again.
        if (p.isAlive()) {
            resume();
        }
        paused = false;
        terminate(p, STOP_TIMEOUT);
        process = null;
        final int stoppedPort = port;
        Await.until(
                "port " + stoppedPort + " to refuse connections after nats-server exited",
                STOP_TIMEOUT,
                () -> !acceptsConnections(stoppedPort));
    }

    /**
     * Kills the server with SIGKILL, as a crash would: no goodbye to clients or cluster peers, and
     * whatever sits in its buffers is gone. Waits until the port refuses connections. The port and
     * store directory are kept for {@link #start()}. Does nothing if the server is not running.
     */
    public synchronized void kill() {
        requireProcessMode("kill()");
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(
                        "nats-server (pid "
                                + p.pid()
                                + ") still alive "
                                + STOP_TIMEOUT
                                + " after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while killing nats-server", e);
        }
        process = null;
        final int killedPort = port;
        Await.until(
                "port " + killedPort + " to refuse connections after nats-server was killed",
                STOP_TIMEOUT,
                () -> !acceptsConnections(killedPort));
    }

    /** {@link #stop()} followed by {@link #start()} on the same port and store directory. */
    public synchronized void restart() {
        if (mode == Mode.CONTAINER) {
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
        requireProcessMode("pause()");
        if (!isRunning()) {
            throw new IllegalStateException("Cannot pause nats-server: it is not running.");
        }
        if (paused) {
            throw new IllegalStateException("nats-server is already paused.");
        }
        signal("STOP");
        paused = true;
    }

    /** Lets a {@link #pause() paused} server run again (SIGCONT). Does nothing otherwise. */
    public synchronized void resume() {
        if (!paused) {
            return;
        }
        signal("CONT");
        paused = false;
    }

    /** True between {@link #pause()} and {@link #resume()}. */
    public synchronized boolean isPaused() {
        return paused;
    }

    private void signal(String name) {
        String what = "kill -" + name + " " + lastPid;
        try {
            Process kill =
                    new ProcessBuilder("kill", "-" + name, Long.toString(lastPid))
                            .redirectErrorStream(true)
                            .start();
            String output =
                    new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException(what + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(what + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during " + what, e);
        }
    }

    /** True if the server process (or container) is currently running. */
    public synchronized boolean isRunning() {
        if (mode == Mode.CONTAINER) {
            return container != null && container.isRunning();
        }
        Process p = process;
        return p != null && p.isAlive();
    }

    /**
     * Stops the server and deletes the temporary directory (including the JetStream store). The
     * extension may be started again afterwards, with a new port and an empty store.
     */
    @Override
    public synchronized void close() {
        try {
            if (mode == Mode.CONTAINER) {
                if (container != null) {
                    container.stop();
                }
            } else {
                stop();
            }
        } finally {
            deleteRecursively(tempDir);
            LIVE.remove(this);
            mode = null;
            container = null;
            tempDir = null;
            storeDir = null;
            configFile = null;
            port = -1;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Accessors
    // ------------------------------------------------------------------------------------------

    /** Client URL, e.g. {@code nats://127.0.0.1:4222}. Stays valid while the server is stopped. */
    public synchronized String url() {
        if (mode == Mode.CONTAINER && container != null) {
            return "nats://" + container.host() + ":" + container.port();
        }
        return "nats://" + LOOPBACK + ":" + port();
    }

    /** Client port. Stays the same across {@link #stop()} / {@link #start()}. */
    public synchronized int port() {
        if (mode == Mode.CONTAINER && container != null) {
            return container.port();
        }
        if (port < 0) {
            throw notStarted();
        }
        return port;
    }

    /** JetStream store directory passed to {@code -sd} (the server stores data below it). */
    public synchronized Path storeDir() {
        requireProcessMode("storeDir()");
        return storeDir;
    }

    /** PID of the current (or, when stopped, the last) server process. */
    public synchronized long pid() {
        requireProcessMode("pid()");
        return lastPid;
    }

    /** File the server's stdout and stderr are appended to (kept after {@link #close()}). */
    public synchronized Path logFile() {
        requireProcessMode("logFile()");
        return logFile;
    }

    /** True if a TCP connection to the client port currently succeeds. */
    public synchronized boolean acceptsConnections() {
        if (mode == Mode.CONTAINER && container != null) {
            return container.isRunning();
        }
        return acceptsConnections(port());
    }

    /**
     * The body of a GET to the server's monitoring endpoint {@code path} (e.g. {@code /connz}), or
     * null when it does not answer. Needs {@link Builder#monitoring()}.
     */
    public String monitor(String path) {
        if (monitorPort < 0) {
            throw new IllegalStateException("monitoring is off: build with .monitoring()");
        }
        return httpGet(monitorPort, path);
    }

    /**
     * How many client connections named {@code name} the server has now (from {@code /connz}).
     * Needs {@link Builder#monitoring()}.
     */
    public int connectionsNamed(String name) {
        String connz = monitor("/connz?limit=100000");
        if (connz == null) {
            throw new IllegalStateException("the monitoring port did not answer");
        }
        String needle = "\"name\": \"" + name + "\"";
        int count = 0;
        for (int at = connz.indexOf(needle); at >= 0; at = connz.indexOf(needle, at + 1)) {
            count++;
        }
        return count;
    }

    /** The body of a GET to {@code http://127.0.0.1:port/path}, or null when it does not answer. */
    static String httpGet(int port, String path) {
        HttpURLConnection http = null;
        try {
            http =
                    (HttpURLConnection)
                            URI.create("http://" + LOOPBACK + ":" + port + path)
                                    .toURL()
                                    .openConnection();
            http.setConnectTimeout(2000);
            http.setReadTimeout(2000);
            if (http.getResponseCode() != 200) {
                return null;
            }
            try (InputStream body = http.getInputStream()) {
                return new String(body.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            return null;
        } finally {
            if (http != null) {
                http.disconnect();
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Clients
    // ------------------------------------------------------------------------------------------

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

    // ------------------------------------------------------------------------------------------
    // Internals: setup
    // ------------------------------------------------------------------------------------------

    private void initialize() {
        Path found = findBinary();
        if (found == null) {
            if (dockerAvailable()) {
                mode = Mode.CONTAINER;
                return;
            }
            throw new IllegalStateException(NOT_FOUND_MESSAGE);
        }
        try {
            Path dir = Files.createTempDirectory("nats-server-ext-");
            tempDir = dir;
            LIVE.add(this);
            storeDir = dir.resolve("jetstream");
            Files.createDirectories(storeDir);
            String configText = effectiveConfigText();
            configFile = null;
            if (configText != null) {
                configFile = dir.resolve("nats-server.conf");
                Files.write(configFile, configText.getBytes(StandardCharsets.UTF_8));
            }
            Path logDir = Paths.get("target");
            logDir = Files.isDirectory(logDir) ? logDir.resolve("nats-server-logs") : dir;
            Files.createDirectories(logDir);
            logFile =
                    logDir.resolve(
                            "nats-server-"
                                    + System.currentTimeMillis()
                                    + "-"
                                    + ProcessHandle.current().pid()
                                    + "-"
                                    + INSTANCE_COUNTER.incrementAndGet()
                                    + ".log");
        } catch (IOException e) {
            deleteRecursively(tempDir);
            LIVE.remove(this);
            tempDir = null;
            throw new UncheckedIOException(
                    "Failed to prepare the nats-server working directory: " + e.getMessage(), e);
        }
        binary = found;
        mode = Mode.PROCESS;
    }

    private String effectiveConfigText() {
        if (config == null && maxPayload <= 0 && monitorPort < 0) {
            return null;
        }
        StringBuilder text = new StringBuilder("# Generated by NatsServerExtension\n");
        if (monitorPort > 0) {
            text.append("http: \"").append(LOOPBACK).append(':').append(monitorPort).append("\"\n");
        }
        if (config != null) {
            text.append(config).append('\n');
        }
        if (maxPayload > 0) {
            text.append("max_payload: ").append(maxPayload).append('\n');
        }
        return text.toString();
    }

    /** Resolves the nats-server binary, or returns null if there is none. */
    static Path findBinary() {
        String fromEnv = System.getenv(BINARY_ENV);
        if (fromEnv != null && !fromEnv.trim().isEmpty()) {
            Path path = Paths.get(fromEnv.trim());
            if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                throw new IllegalStateException(
                        BINARY_ENV
                                + "="
                                + fromEnv
                                + " is not an executable file. "
                                + NOT_FOUND_MESSAGE);
            }
            return path;
        }
        List<String> dirs = new ArrayList<>();
        String pathEnv = System.getenv("PATH");
        if (pathEnv != null) {
            dirs.addAll(Arrays.asList(pathEnv.split(File.pathSeparator)));
        }
        dirs.addAll(EXTRA_BINARY_DIRS);
        boolean windows =
                System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win");
        String name = windows ? "nats-server.exe" : "nats-server";
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Paths.get(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static boolean dockerAvailable() {
        try {
            return NatsContainerBackend.dockerAvailable();
        } catch (LinkageError e) {
            // Testcontainers is not on the class path.
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Internals: process handling
    // ------------------------------------------------------------------------------------------

    private void startOnFreshPort() {
        for (int attempt = 1; attempt <= FRESH_PORT_ATTEMPTS; attempt++) {
            int candidate = freePort();
            Process started = launch(candidate);
            if (started != null) {
                port = candidate;
                return;
            }
        }
        throw new IllegalStateException(
                "nats-server could not bind a free port after "
                        + FRESH_PORT_ATTEMPTS
                        + " attempts. Log "
                        + logFile
                        + ":\n"
                        + logTail(0));
    }

    private void startOnSamePort() {
        final int samePort = port;
        try {
            Await.value(
                    "nats-server to bind port " + samePort + " again",
                    REBIND_TIMEOUT,
                    () -> portBindable(samePort) ? launch(samePort) : null,
                    started -> started != null);
        } catch (AssertionError e) {
            throw new IllegalStateException(
                    e.getMessage() + ". Log " + logFile + ":\n" + logTail(0), e);
        }
    }

    /**
     * Launches the server on {@code port} and waits until it accepts connections.
     *
     * @return the running process, or {@code null} if the port was already in use
     */
    private Process launch(int port) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("-a");
        command.add(LOOPBACK);
        command.add("-p");
        command.add(String.valueOf(port));
        if (jetStream) {
            command.add("-js");
            command.add("-sd");
            command.add(storeDir.toString());
        }
        if (configFile != null) {
            command.add("-c");
            command.add(configFile.toString());
        }
        appendToLog("==== " + Instant.now() + " starting: " + String.join(" ", command) + "\n");
        long logOffset = logSize();
        Process p;
        try {
            p =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                            .start();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Failed to launch " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
        process = p;
        lastPid = p.pid();
        try {
            Await.until(
                    "nats-server (pid " + p.pid() + ") to accept connections on port " + port,
                    STARTUP_TIMEOUT,
                    () -> !p.isAlive() || probe(port));
        } catch (AssertionError e) {
            terminate(p, STOP_TIMEOUT);
            process = null;
            throw new IllegalStateException(
                    e.getMessage() + ". Log " + logFile + ":\n" + logTail(logOffset), e);
        }
        if (p.isAlive()) {
            return p;
        }
        process = null;
        String output = logTail(logOffset);
        if (output.contains("address already in use")) {
            return null;
        }
        throw new IllegalStateException(
                "nats-server exited with code "
                        + p.exitValue()
                        + " during startup: "
                        + String.join(" ", command)
                        + "\nLog "
                        + logFile
                        + ":\n"
                        + output);
    }

    /** True once the server greets a new client with its {@code INFO} line. */
    private static boolean probe(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 250);
            socket.setSoTimeout(1000);
            BufferedReader reader =
                    new BufferedReader(
                            new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line = reader.readLine();
            return line != null && line.startsWith("INFO ");
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean acceptsConnections(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 250);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** True if the port can be bound right now (it is free and not lingering in the kernel). */
    private static boolean portBindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to find a free port: " + e.getMessage(), e);
        }
    }

    /** SIGTERM, then SIGKILL if the process has not exited within {@code timeout}. */
    private static void terminate(Process p, Duration timeout) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void shutdownAllQuietly() {
        for (NatsServerExtension extension : LIVE) {
            try {
                Process p = extension.process;
                if (p != null) {
                    terminate(p, Duration.ofSeconds(5));
                }
                deleteRecursively(extension.tempDir);
            } catch (Throwable ignored) {
                // Best effort during JVM shutdown.
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Internals: files
    // ------------------------------------------------------------------------------------------

    private void appendToLog(String line) {
        try {
            Files.write(
                    logFile,
                    line.getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to write " + logFile + ": " + e.getMessage(), e);
        }
    }

    private long logSize() {
        try {
            return Files.size(logFile);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Up to the last {@value #LOG_TAIL_BYTES} bytes of the log written after {@code fromOffset}.
     */
    private String logTail(long fromOffset) {
        try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
            long length = file.length();
            long start = Math.max(fromOffset, length - LOG_TAIL_BYTES);
            if (start >= length) {
                return "(no output)";
            }
            byte[] bytes = new byte[(int) (length - start)];
            file.seek(start);
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(could not read " + logFile + ": " + e.getMessage() + ")";
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(
                            path -> {
                                try {
                                    Files.deleteIfExists(path);
                                } catch (IOException ignored) {
                                    // Best effort; the OS cleans temp directories eventually.
                                }
                            });
        } catch (IOException | UncheckedIOException ignored) {
            // Best effort.
        }
    }

    private void requireProcessMode(String what) {
        if (mode == Mode.CONTAINER) {
            throw new UnsupportedOperationException(
                    what + " is not available in Docker container mode");
        }
        if (mode == null) {
            throw notStarted();
        }
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
            return new NatsServerExtension(this);
        }
    }
}
