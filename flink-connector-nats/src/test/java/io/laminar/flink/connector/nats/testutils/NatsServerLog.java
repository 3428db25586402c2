package io.laminar.flink.connector.nats.testutils;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The file a test {@code nats-server}'s stdout and stderr are appended to, one per server across
 * its restarts. It lives under {@code target/nats-server-logs} when there is a {@code target}
 * directory, so it outlives the server's temporary directory; failures quote its tail.
 */
final class NatsServerLog {

    private static final int TAIL_BYTES = 8 * 1024;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    final Path file;

    /** Names a new log file; it goes into {@code fallbackDir} when there is no target directory. */
    NatsServerLog(Path fallbackDir) throws IOException {
        Path target = Paths.get("target");
        Path dir = Files.isDirectory(target) ? target.resolve("nats-server-logs") : fallbackDir;
        String name =
                String.format(
                        "nats-server-%d-%d-%d.log",
                        System.currentTimeMillis(),
                        ProcessHandle.current().pid(),
                        COUNTER.incrementAndGet());
        file = Files.createDirectories(dir).resolve(name);
    }

    void append(String line) {
        try {
            Files.writeString(file, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The current length, as an offset for {@link #tail} and {@link #quote}. */
    long size() {
        return file.toFile().length();
    }

    /** {@code message}, then the log file's name and its {@link #tail} from {@code fromOffset}. */
    String quote(String message, long fromOffset) {
        String separator = message.endsWith("\n") ? "" : " ";
        return message + separator + "Log " + file + ":\n" + tail(fromOffset);
    }

    /** Up to the last {@value #TAIL_BYTES} bytes of the log written after {@code fromOffset}. */
    String tail(long fromOffset) {
        try (RandomAccessFile log = new RandomAccessFile(file.toFile(), "r")) {
            long length = log.length();
            long start = Math.max(fromOffset, length - TAIL_BYTES);
            if (start >= length) {
                return "(no output)";
            }
            byte[] bytes = new byte[(int) (length - start)];
            log.seek(start);
            log.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(could not read " + file + ": " + e.getMessage() + ")";
        }
    }
}
