package io.laminar.flink.connector.nats.testutils;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A local {@code nats-server} process on loopback and the files it works with: a temporary
 * directory (JetStream store, config file) and a {@link NatsServerLog}. Starts, stops, kills,
 * pauses and resumes the process; the port and store outlive a stop, so a restart looks like the
 * same server coming back. Not thread-safe: {@link NatsServerExtension} calls it under its lock.
 */
final class NatsServerProcess {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REBIND_TIMEOUT = Duration.ofSeconds(10);
    private static final List<String> EXTRA_BINARY_DIRS =
            List.of(
                    "/usr/sbin",
                    "/usr/local/bin",
                    "/usr/bin",
                    "/usr/local/sbin",
                    "/opt/homebrew/bin");

    private static final Set<NatsServerProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                NatsServerProcess::shutdownAllQuietly,
                                "nats-server-extension-cleanup"));
    }

    private final Path binary;
    private final NatsServerConfig config;
    private final Path tempDir;
    private final Path configFile;
    final Path storeDir;
    final NatsServerLog log;

    // Volatile because the shutdown hook reads it without the extension's lock.
    private volatile Process process;
    private int port;
    private long lastPid = -1;
    private boolean paused;

    /** Prepares the working directory, config file and log file; starts nothing. */
    NatsServerProcess(Path binary, NatsServerConfig config) {
        this.binary = binary;
        this.config = config;
        this.port = config.port > 0 ? config.port : -1;
        Path dir = null;
        try {
            dir = Files.createTempDirectory("nats-server-ext-");
            storeDir = Files.createDirectories(dir.resolve("jetstream"));
            configFile = config.writeTo(dir);
            log = new NatsServerLog(dir);
        } catch (IOException e) {
            deleteRecursively(dir);
            throw new UncheckedIOException(
                    "Failed to prepare the nats-server working directory: " + e.getMessage(), e);
        }
        tempDir = dir;
        LIVE.add(this);
    }

    /** Resolves the nats-server binary, or returns null if there is none. */
    static Path findBinary() {
        String fromEnv = System.getenv(NatsServerExtension.BINARY_ENV);
        if (fromEnv != null && !fromEnv.trim().isEmpty()) {
            Path path = Paths.get(fromEnv.trim());
            if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                throw new IllegalStateException(
                        NatsServerExtension.BINARY_ENV
                                + "="
                                + fromEnv
                                + " is not an executable file. "
                                + NatsServerExtension.NOT_FOUND_MESSAGE);
            }
            return path;
        }
        boolean windows =
                System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win");
        String name = windows ? "nats-server.exe" : "nats-server";
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(
                        Arrays.stream(path.split(File.pathSeparator)), EXTRA_BINARY_DIRS.stream())
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Paths.get(dir, name))
                .filter(
                        candidate ->
                                Files.isRegularFile(candidate) && Files.isExecutable(candidate))
                .findFirst()
                .orElse(null);
    }

    /** Starts the process unless it runs, on the same port as before if it ran before. */
    void start() {
        if (isRunning()) {
            return;
        }
        if (port < 0) {
            startOnFreshPort();
        } else {
            startOnSamePort();
        }
    }

    /** SIGTERM (SIGKILL after 10 s), then waits until the port refuses connections. */
    void stop() {
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
        awaitPortClosed("after nats-server exited");
    }

    /**
     * SIGUSR2: lame duck mode, as operators restart a server; waits until it has closed its clients
     * and exited (the server's {@code lame_duck_grace_period} plus a moment per client).
     */
    void stopInLameDuckMode(Duration timeout) {
        Process p = process;
        if (p == null) {
            return;
        }
        if (paused) {
            resume();
        }
        signal("USR2");
        awaitExit(p, timeout, "SIGUSR2");
        process = null;
        awaitPortClosed("after nats-server left lame duck mode");
    }

    /** SIGKILL, then waits until the port refuses connections. */
    void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        awaitExit(p, STOP_TIMEOUT, "SIGKILL");
        process = null;
        awaitPortClosed("after nats-server was killed");
    }

    /** Waits until {@code p} has exited after {@code signal}, failing after {@code timeout}. */
    private static void awaitExit(Process p, Duration timeout, String signal) {
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(
                        "nats-server (pid "
                                + p.pid()
                                + ") still alive "
                                + timeout
                                + " after "
                                + signal);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "Interrupted waiting for nats-server to exit after " + signal, e);
        }
    }

    /** SIGSTOP; see {@link NatsServerExtension#pause()}. */
    void pause() {
        if (!isRunning()) {
            throw new IllegalStateException("Cannot pause nats-server: it is not running.");
        }
        if (paused) {
            throw new IllegalStateException("nats-server is already paused.");
        }
        signal("STOP");
        paused = true;
        // kill(1) returns once the signal is sent; the server is frozen once the kernel says so.
        Await.until(
                "nats-server (pid " + lastPid + ") is stopped",
                Duration.ofSeconds(10),
                () -> processState(lastPid) == 'T');
    }

    /** The state letter of a process in {@code /proc/<pid>/stat} ('T' when stopped). */
    private static char processState(long pid) {
        try {
            String stat =
                    new String(
                            Files.readAllBytes(Paths.get("/proc", Long.toString(pid), "stat")),
                            StandardCharsets.UTF_8);
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the state of pid " + pid, e);
        }
    }

    /** SIGCONT if paused; nothing otherwise. */
    void resume() {
        if (!paused) {
            return;
        }
        signal("CONT");
        paused = false;
    }

    boolean isPaused() {
        return paused;
    }

    boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Stops the process and deletes the temporary directory; the log file stays. */
    void close() {
        try {
            stop();
        } finally {
            deleteRecursively(tempDir);
            LIVE.remove(this);
        }
    }

    /** The client port, or -1 before a free one has been picked. */
    int port() {
        return port;
    }

    /** PID of the current (or, when stopped, the last) process; -1 before the first start. */
    long pid() {
        return lastPid;
    }

    private void startOnFreshPort() {
        for (int attempt = 1; attempt <= 3; attempt++) {
            int candidate = Loopback.freePort();
            if (launch(candidate) != null) {
                port = candidate;
                return;
            }
        }
        throw new IllegalStateException(
                log.quote("nats-server could not bind a free port after 3 attempts.", 0));
    }

    private void startOnSamePort() {
        final int samePort = port;
        try {
            Await.value(
                    "nats-server to bind port " + samePort + " again",
                    REBIND_TIMEOUT,
                    () -> Loopback.bindable(samePort) ? launch(samePort) : null,
                    started -> started != null);
        } catch (AssertionError e) {
            throw new IllegalStateException(log.quote(e.getMessage() + ".", 0), e);
        }
    }

    /**
     * Launches the server on {@code port} and waits until it accepts connections.
     *
     * @return the running process, or {@code null} if the port was already in use
     */
    private Process launch(int port) {
        List<String> command = config.command(binary, port, storeDir, configFile);
        log.append("==== " + Instant.now() + " starting: " + String.join(" ", command) + "\n");
        long logOffset = log.size();
        Process p;
        try {
            p =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.file.toFile()))
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
                    () -> !p.isAlive() || greets(port));
        } catch (AssertionError e) {
            terminate(p, STOP_TIMEOUT);
            process = null;
            throw new IllegalStateException(log.quote(e.getMessage() + ".", logOffset), e);
        }
        if (p.isAlive()) {
            return p;
        }
        process = null;
        if (log.tail(logOffset).contains("address already in use")) {
            return null;
        }
        throw new IllegalStateException(
                log.quote(
                        "nats-server exited with code "
                                + p.exitValue()
                                + " during startup: "
                                + String.join(" ", command)
                                + "\n",
                        logOffset));
    }

    /** True once the server greets a new client with its {@code INFO} line. */
    private static boolean greets(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(Loopback.HOST, port), 250);
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

    private void awaitPortClosed(String when) {
        final int closedPort = port;
        Await.until(
                "port " + closedPort + " to refuse connections " + when,
                STOP_TIMEOUT,
                () -> !Loopback.acceptsConnections(closedPort));
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
        for (NatsServerProcess server : LIVE) {
            try {
                Process p = server.process;
                if (p != null) {
                    terminate(p, Duration.ofSeconds(5));
                }
                deleteRecursively(server.tempDir);
            } catch (Throwable ignored) {
                // Best effort during JVM shutdown.
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        // Best effort; the OS cleans temp directories eventually.
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException | UncheckedIOException ignored) {
            // Best effort.
        }
    }
}
