package io.laminar.flink.connector.nats.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples, every few milliseconds, the CPU time the benchmark JVM and nats-server have used (user +
 * system, from {@code /proc/<pid>/stat}), so that a run can tell the CPU time spent inside its
 * timed window, whatever else the machine was doing.
 */
final class CpuSampler implements AutoCloseable {

    private static final long SAMPLE_MILLIS = 5;

    private final Path jvmStat;
    private final Path serverStat;
    private final long nanosPerTick;
    private final List<long[]> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    CpuSampler(long serverPid) {
        this.jvmStat = Paths.get("/proc/self/stat");
        this.serverStat = Paths.get("/proc/" + serverPid + "/stat");
        this.nanosPerTick = 1_000_000_000L / clockTicksPerSecond();
        this.thread = new Thread(this::sample, "cpu-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void sample() {
        while (running) {
            long[] sample = {System.nanoTime(), cpuNanos(jvmStat), cpuNanos(serverStat)};
            synchronized (samples) {
                samples.add(sample);
            }
            try {
                Thread.sleep(SAMPLE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * CPU nanoseconds of the JVM and of nats-server between the samples nearest to {@code
     * startNanos} and {@code endNanos} (System.nanoTime).
     */
    long[] between(long startNanos, long endNanos) {
        synchronized (samples) {
            long[] start = nearest(startNanos);
            long[] end = nearest(endNanos);
            if (start == null || end == null) {
                return new long[] {0, 0};
            }
            return new long[] {end[1] - start[1], end[2] - start[2]};
        }
    }

    private long[] nearest(long nanos) {
        long[] best = null;
        for (long[] s : samples) {
            if (best == null || Math.abs(s[0] - nanos) < Math.abs(best[0] - nanos)) {
                best = s;
            }
        }
        return best;
    }

    private long cpuNanos(Path stat) {
        try {
            String text = new String(Files.readAllBytes(stat), StandardCharsets.US_ASCII);
            // Fields after "(comm)": state is field 3, utime 14, stime 15.
            String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * nanosPerTick;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long clockTicksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            p.waitFor();
            return Long.parseLong(out.trim());
        } catch (Exception e) {
            return 100;
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join();
    }
}
