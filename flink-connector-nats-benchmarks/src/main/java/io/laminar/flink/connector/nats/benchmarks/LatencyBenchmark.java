package io.laminar.flink.connector.nats.benchmarks;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.sink.JetStreamSettings;
import io.laminar.flink.connector.nats.sink.NatsSink;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The benchmark's latency mode: a rate-limited source stamps each record with {@code
 * System.nanoTime()}, the sink publishes it with default settings, and a subscriber in the same JVM
 * (same clock) takes the delay when the message arrives. Per path and rate it prints p50, p90, p99
 * and max; the first 5 % of the records (warm-up) are not counted.
 */
final class LatencyBenchmark {

    static final int[] RATES = {100, 1_000, 10_000, 100_000};
    private static final int SQL_RATE = 1_000;
    private static final String STREAM = "LATENCY";

    private final Connection client;
    private final String serverUrl;
    private final Supplier<StreamExecutionEnvironment> environments;
    private final int payloadBytes;

    LatencyBenchmark(
            Connection client,
            String serverUrl,
            Supplier<StreamExecutionEnvironment> environments,
            int payloadBytes) {
        this.client = client;
        this.serverUrl = serverUrl;
        this.environments = environments;
        this.payloadBytes = Math.max(Long.BYTES, payloadBytes);
    }

    /** A payload of {@code size} bytes whose first eight are the current nanoTime. */
    static byte[] stamped(int size) {
        byte[] payload = new byte[Math.max(Long.BYTES, size)];
        ByteBuffer.wrap(payload).putLong(System.nanoTime());
        return payload;
    }

    void run(Path out) throws Exception {
        JetStreamManagement jsm = client.jetStreamManagement();
        jsm.addStream(
                StreamConfiguration.builder()
                        .name(STREAM)
                        .subjects("latency.js")
                        .storageType(StorageType.Memory)
                        .build());
        List<String> rows = new ArrayList<>();
        for (String path : new String[] {"core", "jetstream"}) {
            for (int rate : RATES) {
                rows.add(measure(path, rate, () -> dataStreamJob(path, rate)));
            }
        }
        rows.add(measure("sql", SQL_RATE, () -> sqlJob(SQL_RATE)));
        StringBuilder table =
                new StringBuilder(
                        "\n| path | records/s | records | p50 ms | p90 ms | p99 ms | max ms |\n"
                                + "|---|---:|---:|---:|---:|---:|---:|\n");
        StringBuilder csv = new StringBuilder("path,rate,records,p50_ms,p90_ms,p99_ms,max_ms\n");
        for (String row : rows) {
            String[] f = row.split(",");
            table.append("| ").append(String.join(" | ", f)).append(" |\n");
            csv.append(row).append('\n');
        }
        System.out.print(table);
        Files.createDirectories(out);
        Files.writeString(out.resolve("latency-results.csv"), csv);
        System.out.println("\nWritten: " + out.resolve("latency-results.csv"));
    }

    /** Records for about 5 s at {@code rate} (at least 500, at most 300,000). */
    private static long records(int rate) {
        return Math.min(300_000, Math.max(500, rate * 5L));
    }

    private String measure(String path, int rate, ThrowingSupplier<JobClient> job)
            throws Exception {
        long records = records(rate);
        String subject = path.equals("jetstream") ? "latency.js" : "latency." + path;
        long[] delays = new long[(int) records];
        AtomicInteger count = new AtomicInteger();
        CountDownLatch all = new CountDownLatch((int) records);
        Dispatcher dispatcher =
                client.createDispatcher(
                        m -> {
                            long delay = System.nanoTime() - StampNow.stampOf(m.getData());
                            int i = count.getAndIncrement();
                            if (i < delays.length) {
                                delays[i] = delay;
                                all.countDown();
                            }
                        });
        dispatcher.setPendingLimits(-1, -1);
        dispatcher.subscribe(subject);
        client.flush(Duration.ofSeconds(5));
        try {
            JobClient running = job.get();
            running.getJobExecutionResult().get(10, TimeUnit.MINUTES);
            all.await(30, TimeUnit.SECONDS);
        } finally {
            client.closeDispatcher(dispatcher);
        }
        int received = (int) (records - all.getCount());
        int skip = (int) (received * 0.05);
        long[] counted = Arrays.copyOfRange(delays, skip, received);
        Arrays.sort(counted);
        String row =
                String.format(
                        Locale.ROOT,
                        "%s,%d,%d,%.2f,%.2f,%.2f,%.2f",
                        path,
                        rate,
                        received,
                        millis(counted, 0.50),
                        millis(counted, 0.90),
                        millis(counted, 0.99),
                        counted.length == 0 ? 0 : counted[counted.length - 1] / 1e6);
        System.out.println("  latency " + row);
        return row;
    }

    private static double millis(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * quantile))] / 1e6;
    }

    private JobClient dataStreamJob(String path, int rate) throws Exception {
        StreamExecutionEnvironment env = environments.get();
        int size = payloadBytes;
        GeneratorFunction<Long, byte[]> generator = index -> stamped(size);
        env.fromSource(
                        new DataGeneratorSource<>(
                                generator,
                                records(rate),
                                RateLimiterStrategy.perSecond(rate),
                                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO),
                        WatermarkStrategy.noWatermarks(),
                        "stamped")
                .sinkTo(
                        NatsSink.<byte[]>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder().servers(serverUrl).build())
                                .setSerializationSchema(element -> element)
                                .setSubject(
                                        path.equals("jetstream") ? "latency.js" : "latency.core")
                                .setJetStream(
                                        path.equals("jetstream")
                                                ? JetStreamSettings.defaults()
                                                : null)
                                .build());
        return env.executeAsync("latency " + path + " " + rate);
    }

    /**
     * The SQL path: ids from a rate-limited FLIP-27 source (the {@code datagen} table connector is
     * a legacy source that emits each second's rows in one burst), stamped by a SQL function in the
     * INSERT, through a {@code nats_sink} table with default options.
     */
    private JobClient sqlJob(int rate) {
        StreamExecutionEnvironment env = environments.get();
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.executeSql("CREATE TEMPORARY FUNCTION stamp AS '" + StampNow.class.getName() + "'");
        tEnv.createTemporaryView(
                "stamped_src",
                env.fromSource(
                        new DataGeneratorSource<>(
                                index -> index,
                                records(rate),
                                RateLimiterStrategy.perSecond(rate),
                                Types.LONG),
                        WatermarkStrategy.noWatermarks(),
                        "ids"));
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE latency_out (payload BYTES) WITH ('connector' ="
                        + " 'nats_sink', 'servers' = '"
                        + serverUrl
                        + "', 'subject' = 'latency.sql', 'format' = 'raw')");
        TableResult result =
                tEnv.executeSql(
                        "INSERT INTO latency_out SELECT stamp(f0, "
                                + payloadBytes
                                + ") FROM stamped_src");
        return result.getJobClient().orElseThrow();
    }

    interface ThrowingSupplier<T> {
        T get() throws Exception;
    }
}
