package io.laminar.flink.connector.nats.e2e;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started by the e2e test, with stdout and stderr in one file under {@code target/}. It is
 * stopped by its PID: SIGTERM first (Flink's shutdown hooks clean their directories), SIGKILL if it
 * has not exited after a grace period. A JVM shutdown hook stops whatever is still running when the
 * test JVM exits, so an aborted build leaves no cluster behind.
 */
final class JavaProcess implements AutoCloseable {

    private static final long STOP_GRACE_SECONDS = 30;
    private static final int TAIL_BYTES = 6 * 1024;
    private static final Set<JavaProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> LIVE.forEach(JavaProcess::stopQuietly),
                                "e2e-java-process-cleanup"));
    }

    private final String name;
    private final Process process;
    private final Path output;

    private JavaProcess(String name, Process process, Path output) {
        this.name = name;
        this.process = process;
        this.output = output;
    }

    /**
     * Starts {@code java <jvmArgs> -cp <classpath> <mainClass> <args>} with the JDK running the
     * test.
     *
     * @param output file that receives stdout and stderr
     * @param environment variables added to the inherited environment
     */
    static JavaProcess start(
            String name,
            List<String> jvmArgs,
            String classpath,
            String mainClass,
            List<String> args,
            Map<String, String> environment,
            Path workingDir,
            Path output)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        Files.createDirectories(output.getParent());
        Files.writeString(output, "$ " + String.join(" ", command) + "\n");
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .directory(workingDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                        .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        builder.environment().putAll(environment);
        JavaProcess started = new JavaProcess(name, builder.start(), output);
        LIVE.add(started);
        return started;
    }

    private static java.io.File nullDevice() {
        return new java.io.File(
                System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path output() {
        return output;
    }

    /** Waits for the process to exit; returns its exit code, or -1 after killing it on timeout. */
    int waitFor(long timeoutSeconds) throws InterruptedException {
        if (process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            LIVE.remove(this);
            return process.exitValue();
        }
        close();
        return -1;
    }

    /** Everything the process wrote so far. */
    String outputText() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the process by PID (SIGTERM, then SIGKILL after a grace period). Idempotent. */
    @Override
    public void close() {
        stopQuietly();
    }

    private void stopQuietly() {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            LIVE.remove(this);
        }
    }

    /** The last few KiB of {@code file}, or a note if it does not exist. */
    static String tail(Path file) {
        if (!Files.exists(file)) {
            return "(no " + file + ")";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, in.length() - TAIL_BYTES);
            byte[] bytes = new byte[(int) (in.length() - start)];
            in.seek(start);
            in.readFully(bytes);
            return (start > 0 ? "[...]\n" : "") + new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
