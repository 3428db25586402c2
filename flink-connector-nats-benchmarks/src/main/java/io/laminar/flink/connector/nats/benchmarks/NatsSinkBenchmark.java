package io.laminar.flink.connector.nats.benchmarks;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.sink.JetStreamSettings;
import io.laminar.flink.connector.nats.sink.KeyValueEntry;
import io.laminar.flink.connector.nats.sink.NatsSink;
import io.laminar.flink.connector.nats.sink.NatsSinkBuilder;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark command: one bounded workload (N records of P bytes) through raw jnats (the
 * limits), our sink in core and JetStream mode, Flink into a discarding sink (the framework
 * ceiling), and a SQL {@code INSERT INTO} a {@code nats_sink} table, all in one JVM against one
 * nats-server it starts. Prints msgs/s, MB/s, delivered/N and the ratios to the limits.
 *
 * <p>Timing: from the first record produced to the moment the server holds all N (core: the
 * server's {@code in_msgs}; JetStream: the stream's message count), so job deployment is not
 * counted against the sink, and delivery is measured where it matters: at the server.
 */
public final class NatsSinkBenchmark {

    static final List<String> ALL_CASES =
            Arrays.asList(
                    "limit-core",
                    "nats-sink-core",
                    "limit-js",
                    "nats-sink-js",
                    "nats-sink-kv",
                    "flink-discard",
                    "sql-raw",
                    "sql-blackhole",
                    "sql-json",
                    "sql-json-blackhole");

    /** First record produced in the current run (nanoTime), shared with the job's tasks. */
    static final AtomicLong FIRST_RECORD = new AtomicLong();

    /** Records the discarding sink has seen, and when it saw the last one. */
    static final AtomicLong DISCARDED = new AtomicLong();

    static final AtomicLong DISCARD_DONE = new AtomicLong();

    private final Options options;
    private final byte[] payload;
    private NatsServerExtension server;
    private int monitorPort;
    private Connection client;
    private MiniCluster flink;

    private NatsSinkBenchmark(Options options) {
        this.options = options;
        this.payload = new byte[options.payloadBytes];
        Arrays.fill(payload, (byte) 'x');
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        NatsSinkBenchmark benchmark = new NatsSinkBenchmark(options);
        try {
            benchmark.start();
            if (options.latency) {
                new LatencyBenchmark(
                                benchmark.client,
                                benchmark.server.url(),
                                benchmark::environment,
                                options.payloadBytes)
                        .run(options.out);
            } else {
                List<BenchmarkReport.Result> results = benchmark.runAll();
                BenchmarkReport.write(results, options);
            }
        } finally {
            benchmark.stop();
        }
        System.exit(0);
    }

    private void start() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            monitorPort = socket.getLocalPort();
        }
        server =
                NatsServerExtension.builder()
                        .config("http: \"127.0.0.1:" + monitorPort + "\"\n")
                        .build();
        server.start();
        client = server.connect();
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(64));
        flink =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(conf)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(Math.max(2, options.parallelism))
                                .build());
        flink.start();
        TestStreamEnvironment.setAsContext(flink, options.parallelism);
        System.out.printf(
                Locale.ROOT,
                "nats-server %s on %s; N=%,d records of %d bytes; parallelism %d; connection pool"
                        + " size %d; %d warm-up + %d measured runs per case%s%n",
                client.getServerInfo().getVersion(),
                server.url(),
                options.records,
                options.payloadBytes,
                options.parallelism,
                options.poolSize,
                options.warmups,
                options.repeats,
                options.subscriber ? "; with a counting subscriber" : "");
    }

    private void stop() throws Exception {
        TestStreamEnvironment.unsetAsContext();
        if (flink != null) {
            flink.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /**
     * Rounds of every selected case once, each round in an order rotated by one, so that a slow
     * moment of the machine falls on different cases; the first {@code warmups} rounds are not
     * counted.
     */
    private List<BenchmarkReport.Result> runAll() throws Exception {
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        options.cases.forEach(c -> runs.put(c, new ArrayList<>()));
        int rounds = options.warmups + options.repeats;
        try (CpuSampler cpu = new CpuSampler(server.pid())) {
            for (int round = 0; round < rounds; round++) {
                boolean warmup = round < options.warmups;
                for (int k = 0; k < options.cases.size(); k++) {
                    String name = options.cases.get((k + round) % options.cases.size());
                    Run run = runCase(name).withCpu(cpu);
                    if (!warmup) {
                        runs.get(name).add(run);
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "  round %d%s %-18s %,.0f msgs/s, delivered %,d, CPU ns/record: JVM"
                                    + " %,.0f, nats-server %,.0f%n",
                            round + 1,
                            warmup ? " (warm-up)" : "",
                            name,
                            run.msgsPerSecond(options.records),
                            run.delivered,
                            run.jvmCpuNanos / (double) options.records,
                            run.serverCpuNanos / (double) options.records);
                }
            }
        }
        List<BenchmarkReport.Result> results = new ArrayList<>();
        for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
            String base = ratioBase(e.getKey());
            results.add(
                    BenchmarkReport.Result.of(
                            e.getKey(),
                            e.getValue(),
                            base,
                            base == null ? null : runs.get(base),
                            options));
        }
        return results;
    }

    private Run runCase(String name) throws Exception {
        switch (name) {
            case "limit-core":
                return core(this::rawCorePublish);
            case "nats-sink-core":
                return core(() -> runJob(sinkJob(null)));
            case "limit-js":
                return jetStream(this::rawJetStreamPublish);
            case "nats-sink-js":
                return jetStream(() -> runJob(sinkJob(JetStreamSettings.defaults())));
            case "nats-sink-kv":
                return keyValue(() -> runJob(keyValueJob()));
            case "flink-discard":
                return discard();
            case "sql-raw":
                return core(() -> sqlInsert("raw", false));
            case "sql-blackhole":
                return sqlBlackhole("raw");
            case "sql-json":
                return core(() -> sqlInsert("json", false));
            case "sql-json-blackhole":
                return sqlBlackhole("json");
            default:
                throw new IllegalArgumentException(
                        "Unknown case '" + name + "'; cases: " + ALL_CASES);
        }
    }

    // ------------------------------------------------------------------ core cases

    private static final String CORE_SUBJECT = "bench.core";

    private Run core(ThrowingRunnable work) throws Exception {
        long before = inMsgs();
        try (CountingSubscriber ignored =
                options.subscriber ? new CountingSubscriber(client, CORE_SUBJECT) : null) {
            FIRST_RECORD.set(0);
            CompletableFuture<Void> done = runAsync(work);
            long end = awaitServer(() -> inMsgs() - before >= options.records, done);
            done.get();
            return new Run(FIRST_RECORD.get(), end, inMsgs() - before);
        }
    }

    private void rawCorePublish() throws Exception {
        try (Connection connection = server.connect()) {
            FIRST_RECORD.set(System.nanoTime());
            for (long i = 0; i < options.records; i++) {
                connection.publish(CORE_SUBJECT, payload);
            }
            connection.flush(Duration.ofSeconds(30));
        }
    }

    // ------------------------------------------------------------------ JetStream cases

    private static final String JS_STREAM = "BENCH";
    private static final String JS_SUBJECT = "bench.js";

    private Run jetStream(ThrowingRunnable work) throws Exception {
        JetStreamManagement jsm = client.jetStreamManagement();
        try {
            jsm.deleteStream(JS_STREAM);
        } catch (Exception e) {
            // not there yet
        }
        jsm.addStream(
                StreamConfiguration.builder()
                        .name(JS_STREAM)
                        .subjects(JS_SUBJECT)
                        .storageType(StorageType.Memory)
                        .build());
        FIRST_RECORD.set(0);
        CompletableFuture<Void> done = runAsync(work);
        long end = awaitServer(() -> streamCount(jsm) >= options.records, done);
        done.get();
        return new Run(FIRST_RECORD.get(), end, streamCount(jsm));
    }

    private void rawJetStreamPublish() throws Exception {
        try (Connection connection = server.connect()) {
            JetStream js = connection.jetStream();
            Deque<CompletableFuture<PublishAck>> window = new ArrayDeque<>();
            FIRST_RECORD.set(System.nanoTime());
            for (long i = 0; i < options.records; i++) {
                if (window.size() >= options.jsWindow) {
                    window.poll().get(30, TimeUnit.SECONDS);
                }
                window.add(js.publishAsync(JS_SUBJECT, payload));
            }
            for (CompletableFuture<PublishAck> ack : window) {
                ack.get(30, TimeUnit.SECONDS);
            }
        }
    }

    private long streamCount(JetStreamManagement jsm) {
        try {
            return jsm.getStreamInfo(JS_STREAM).getStreamState().getMsgCount();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read stream " + JS_STREAM, e);
        }
    }

    // ------------------------------------------------------------------ Key-Value case

    private static final String KV_BUCKET = "bench";
    private static final int KV_KEYS = 10_000;

    /**
     * Puts to a Key-Value bucket of {@value #KV_KEYS} keys, one value kept per key: the stream's
     * last sequence counts the writes it stored.
     */
    private Run keyValue(ThrowingRunnable work) throws Exception {
        try {
            client.keyValueManagement().delete(KV_BUCKET);
        } catch (Exception e) {
            // not there yet
        }
        client.keyValueManagement()
                .create(
                        KeyValueConfiguration.builder()
                                .name(KV_BUCKET)
                                .maxHistoryPerKey(1)
                                .storageType(StorageType.Memory)
                                .build());
        JetStreamManagement jsm = client.jetStreamManagement();
        FIRST_RECORD.set(0);
        CompletableFuture<Void> done = runAsync(work);
        long end = awaitServer(() -> kvWrites(jsm) >= options.records, done);
        done.get();
        return new Run(FIRST_RECORD.get(), end, kvWrites(jsm));
    }

    private static long kvWrites(JetStreamManagement jsm) {
        try {
            return jsm.getStreamInfo("KV_" + KV_BUCKET).getStreamState().getLastSequence();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read the bucket's stream", e);
        }
    }

    private StreamExecutionEnvironment keyValueJob() {
        StreamExecutionEnvironment env = environment();
        byte[] shared = payload;
        GeneratorFunction<Long, Long> generator =
                index -> {
                    if (FIRST_RECORD.get() == 0) {
                        FIRST_RECORD.compareAndSet(0, System.nanoTime());
                    }
                    return index;
                };
        env.fromSource(
                        new DataGeneratorSource<>(generator, options.records, Types.LONG),
                        WatermarkStrategy.noWatermarks(),
                        "records")
                .sinkTo(
                        NatsSink.<Long>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder().servers(server.url()).build())
                                .setKeyValueBucket(KV_BUCKET)
                                .setKeyValueSerializer(
                                        index -> KeyValueEntry.put("k" + (index % KV_KEYS), shared))
                                .setConnectionPoolSize(options.poolSize)
                                .build());
        return env;
    }

    // ------------------------------------------------------------------ Flink jobs

    private StreamExecutionEnvironment environment() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(options.parallelism);
        env.getConfig().enableObjectReuse();
        return env;
    }

    private DataStream<byte[]> records(StreamExecutionEnvironment env) {
        byte[] shared = payload;
        GeneratorFunction<Long, byte[]> generator =
                index -> {
                    if (FIRST_RECORD.get() == 0) {
                        FIRST_RECORD.compareAndSet(0, System.nanoTime());
                    }
                    return shared;
                };
        return env.fromSource(
                new DataGeneratorSource<>(
                        generator,
                        options.records,
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO),
                WatermarkStrategy.noWatermarks(),
                "records");
    }

    private StreamExecutionEnvironment sinkJob(JetStreamSettings jetStream) {
        StreamExecutionEnvironment env = environment();
        records(env)
                .sinkTo(
                        NatsSink.<byte[]>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder().servers(server.url()).build())
                                .setSerializationSchema(element -> element)
                                .setSubject(jetStream == null ? CORE_SUBJECT : JS_SUBJECT)
                                .setJetStream(jetStream)
                                .setConnectionPoolSize(options.poolSize)
                                .build());
        return env;
    }

    private void runJob(StreamExecutionEnvironment env) throws Exception {
        env.execute("benchmark");
    }

    private Run discard() throws Exception {
        DISCARDED.set(0);
        DISCARD_DONE.set(0);
        FIRST_RECORD.set(0);
        StreamExecutionEnvironment env = environment();
        long records = options.records;
        records(env).sinkTo(new CountingDiscardSink(records));
        env.execute("benchmark discard");
        return new Run(FIRST_RECORD.get(), DISCARD_DONE.get(), DISCARDED.get());
    }

    /** The SQL pipeline of {@code sql-<format>} into Flink's blackhole sink: its ceiling. */
    private Run sqlBlackhole(String format) throws Exception {
        FIRST_RECORD.set(0);
        sqlInsert(format, true);
        return new Run(FIRST_RECORD.get(), System.nanoTime(), options.records);
    }

    /**
     * {@code INSERT INTO} a {@code nats_sink} table (or a blackhole) from {@code datagen}: with
     * format {@code raw} one BYTES column of the payload size; with {@code json} the row's id and
     * the payload as a STRING.
     */
    private void sqlInsert(String format, boolean blackhole) throws Exception {
        StreamExecutionEnvironment env = environment();
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.executeSql(
                "CREATE TEMPORARY FUNCTION mark_first AS '"
                        + MarkFirstRecord.class.getName()
                        + "'");
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE src (id BIGINT) WITH ('connector' = 'datagen',"
                        + " 'number-of-rows' = '"
                        + options.records
                        + "', 'rows-per-second' = '1000000000', 'fields.id.kind' = 'sequence',"
                        + " 'fields.id.start' = '1', 'fields.id.end' = '"
                        + options.records
                        + "')");
        boolean json = format.equals("json");
        String columns = json ? "id BIGINT, payload STRING" : "payload BYTES";
        tEnv.executeSql(
                blackhole
                        ? "CREATE TEMPORARY TABLE nats_out ("
                                + columns
                                + ") WITH ('connector' = 'blackhole')"
                        : "CREATE TEMPORARY TABLE nats_out ("
                                + columns
                                + ") WITH ('connector' = 'nats_sink', 'servers' = '"
                                + server.url()
                                + "', 'subject' = '"
                                + CORE_SUBJECT
                                + "', 'format' = '"
                                + format
                                + "', 'sink.connection-pool-size' = '"
                                + options.poolSize
                                + "')");
        // With json the payload column carries the payload size minus the JSON around it.
        int size = json ? Math.max(1, options.payloadBytes - 30) : options.payloadBytes;
        String payload = "mark_first(id, " + size + ")";
        tEnv.executeSql(
                        "INSERT INTO nats_out SELECT "
                                + (json ? "id, CAST(" + payload + " AS STRING)" : payload)
                                + " FROM src")
                .await();
    }

    // ------------------------------------------------------------------ measuring

    private CompletableFuture<Void> runAsync(ThrowingRunnable work) {
        return CompletableFuture.runAsync(
                () -> {
                    try {
                        work.run();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
    }

    /** Polls the server until {@code delivered}; returns the nanoTime it was first seen. */
    private long awaitServer(Check delivered, CompletableFuture<Void> work) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (delivered.done()) {
                return System.nanoTime();
            }
            if (work.isDone()) {
                work.get(); // rethrows a failure
                if (delivered.done()) {
                    return System.nanoTime();
                }
                // The work finished but the server does not hold every record: report it.
                return System.nanoTime();
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
        throw new IllegalStateException("The server did not receive every record in 10 minutes");
    }

    private static final Pattern IN_MSGS = Pattern.compile("\"in_msgs\"\\s*:\\s*(\\d+)");

    private long inMsgs() {
        try (InputStream in = new URL("http://127.0.0.1:" + monitorPort + "/varz").openStream()) {
            String varz = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = IN_MSGS.matcher(varz);
            if (!m.find()) {
                throw new IllegalStateException("No in_msgs in /varz");
            }
            return Long.parseLong(m.group(1));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the server's /varz", e);
        }
    }

    // ------------------------------------------------------------------ report

    private static String ratioBase(String name) {
        switch (name) {
            case "nats-sink-core":
                return "limit-core";
            case "nats-sink-js":
            case "nats-sink-kv":
                return "limit-js";
            case "sql-raw":
                return "sql-blackhole";
            case "sql-json":
                return "sql-json-blackhole";
            case "flink-discard":
                return "limit-core";
            default:
                return null;
        }
    }

    // ------------------------------------------------------------------ small types

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    interface Check {
        boolean done();
    }

    /** One measured run, with the CPU time the JVM and nats-server spent in its window. */
    static final class Run {
        final long startNanos;
        final long endNanos;
        final long delivered;
        long jvmCpuNanos;
        long serverCpuNanos;

        Run(long startNanos, long endNanos, long delivered) {
            this.startNanos = startNanos;
            this.endNanos = endNanos;
            this.delivered = delivered;
        }

        Run withCpu(CpuSampler cpu) {
            long[] spent = cpu.between(startNanos, endNanos);
            jvmCpuNanos = spent[0];
            serverCpuNanos = spent[1];
            return this;
        }

        double msgsPerSecond(long records) {
            return records / ((endNanos - startNanos) / 1e9);
        }
    }

    /** Counts core messages on a subject, as a consumer would. */
    static final class CountingSubscriber implements AutoCloseable {
        private final Connection connection;
        private final Dispatcher dispatcher;
        final AtomicLong count = new AtomicLong();

        CountingSubscriber(Connection connection, String subject) throws Exception {
            this.connection = connection;
            this.dispatcher = connection.createDispatcher(m -> count.incrementAndGet());
            dispatcher.setPendingLimits(-1, -1);
            dispatcher.subscribe(subject);
            connection.flush(Duration.ofSeconds(5));
        }

        @Override
        public void close() {
            connection.closeDispatcher(dispatcher);
        }
    }

    /** Discards records, noting when it has seen all of them. */
    static final class CountingDiscardSink implements Sink<byte[]> {
        private final long expected;

        CountingDiscardSink(long expected) {
            this.expected = expected;
        }

        @Override
        public SinkWriter<byte[]> createWriter(WriterInitContext context) {
            return new SinkWriter<byte[]>() {
                @Override
                public void write(byte[] element, Context ctx) {
                    if (DISCARDED.incrementAndGet() == expected) {
                        DISCARD_DONE.set(System.nanoTime());
                    }
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    /** Command-line options. */
    static final class Options {
        long records = 1_000_000;
        int payloadBytes = 100;
        int repeats = 3;
        int warmups = 1;
        int parallelism = 1;
        int poolSize = NatsSinkBuilder.DEFAULT_CONNECTION_POOL_SIZE;
        int jsWindow = 2_000;
        boolean subscriber;
        boolean latency;
        List<String> cases = ALL_CASES;
        Path out = Paths.get("target", "benchmark");

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--records":
                        o.records = Long.parseLong(args[++i].replace("_", ""));
                        break;
                    case "--payload":
                        o.payloadBytes = Integer.parseInt(args[++i]);
                        break;
                    case "--repeat":
                        o.repeats = Integer.parseInt(args[++i]);
                        break;
                    case "--warmup":
                        o.warmups = Integer.parseInt(args[++i]);
                        break;
                    case "--parallelism":
                        o.parallelism = Integer.parseInt(args[++i]);
                        break;
                    case "--pool-size":
                        o.poolSize = Integer.parseInt(args[++i]);
                        break;
                    case "--js-window":
                        o.jsWindow = Integer.parseInt(args[++i]);
                        break;
                    case "--subscriber":
                        o.subscriber = true;
                        break;
                    case "--latency":
                        o.latency = true;
                        break;
                    case "--cases":
                        o.cases = Arrays.asList(args[++i].split(","));
                        break;
                    case "--out":
                        o.out = Paths.get(args[++i]);
                        break;
                    default:
                        throw new IllegalArgumentException(
                                "Unknown argument '"
                                        + arg
                                        + "'. Use --records N --payload BYTES --repeat R --warmup W"
                                        + " --parallelism P --pool-size S --js-window W --subscriber --latency --cases "
                                        + String.join(",", ALL_CASES)
                                        + " --out DIR");
                }
            }
            return o;
        }
    }
}
