package io.laminar.flink.connector.nats.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark's results: per case medians and round-by-round ratios, as a table, CSV, JSON and a
 * chart.
 */
final class BenchmarkReport {

    private BenchmarkReport() {}

    static void write(List<Result> results, NatsSinkBenchmark.Options options) throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        StringBuilder table =
                new StringBuilder(
                        String.format(
                                Locale.ROOT,
                                "%n| case | msgs/s | MB/s | delivered/N | CPU ns/rec JVM |"
                                        + " CPU ns/rec nats-server | CPU bound (%d cores) |"
                                        + " of bound | ratio, median of rounds (min..max) |%n"
                                        + "|---|---:|---:|---:|---:|---:|---:|---:|---|%n",
                                cores));
        StringBuilder csv =
                new StringBuilder(
                        "case,msgs_per_s,mb_per_s,delivered_ratio,jvm_cpu_ns_per_record,"
                                + "server_cpu_ns_per_record,cpu_bound_msgs_per_s,of_bound,ratio,"
                                + "ratio_min,ratio_max,ratio_to\n");
        List<String> jsonCases = new ArrayList<>();
        for (Result r : results) {
            String ratioText =
                    r.ratio == null
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    "%.2f × %s (%.2f..%.2f)",
                                    r.ratio,
                                    r.ratioTo,
                                    r.ratioMin,
                                    r.ratioMax);
            table.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %,.0f | %.1f | %.3f | %,.0f | %,.0f | %,.0f | %.2f | %s |%n",
                            r.name,
                            r.msgsPerSecond,
                            r.megabytesPerSecond,
                            r.deliveredRatio,
                            r.jvmCpuPerRecord,
                            r.serverCpuPerRecord,
                            r.cpuBound,
                            r.ofBound,
                            ratioText));
            csv.append(
                    String.format(
                            Locale.ROOT,
                            "%s,%.0f,%.2f,%.4f,%.0f,%.0f,%.0f,%.4f,%s,%s,%s,%s%n",
                            r.name,
                            r.msgsPerSecond,
                            r.megabytesPerSecond,
                            r.deliveredRatio,
                            r.jvmCpuPerRecord,
                            r.serverCpuPerRecord,
                            r.cpuBound,
                            r.ofBound,
                            number(r.ratio, ""),
                            number(r.ratioMin, ""),
                            number(r.ratioMax, ""),
                            r.ratioTo == null ? "" : r.ratioTo));
            jsonCases.add(
                    String.format(
                            Locale.ROOT,
                            "{\"case\":\"%s\",\"msgs_per_s\":%.0f,\"mb_per_s\":%.2f,"
                                    + "\"delivered_ratio\":%.4f,\"jvm_cpu_ns_per_record\":%.0f,"
                                    + "\"server_cpu_ns_per_record\":%.0f,\"cpu_bound_msgs_per_s\":%.0f,"
                                    + "\"of_bound\":%.4f,\"ratio\":%s,\"ratio_min\":%s,"
                                    + "\"ratio_max\":%s,\"ratio_to\":%s}",
                            r.name,
                            r.msgsPerSecond,
                            r.megabytesPerSecond,
                            r.deliveredRatio,
                            r.jvmCpuPerRecord,
                            r.serverCpuPerRecord,
                            r.cpuBound,
                            r.ofBound,
                            number(r.ratio, "null"),
                            number(r.ratioMin, "null"),
                            number(r.ratioMax, "null"),
                            r.ratioTo == null ? "null" : "\"" + r.ratioTo + "\""));
        }
        String json =
                String.format(
                        Locale.ROOT,
                        "{\"records\":%d,\"payload_bytes\":%d,\"parallelism\":%d,"
                                + "\"connection_pool_size\":%d,\"rounds\":%d,\"cores\":%d,"
                                + "\"cases\":[%s]}%n",
                        options.records,
                        options.payloadBytes,
                        options.parallelism,
                        options.poolSize,
                        options.repeats,
                        cores,
                        String.join(",", jsonCases));
        System.out.print(table);
        Files.createDirectories(options.out);
        Files.writeString(options.out.resolve("benchmark-results.csv"), csv);
        Files.writeString(options.out.resolve("benchmark-results.json"), json);
        BenchmarkChart.write(
                results,
                String.format(
                        Locale.ROOT,
                        "N = %,d × %d B, parallelism %d, median of %d interleaved rounds",
                        options.records,
                        options.payloadBytes,
                        options.parallelism,
                        options.repeats),
                options.out.resolve("benchmark-results.png"));
        System.out.println(
                "\nWritten: " + options.out.resolve("benchmark-results.csv") + ", .json and .png");
    }

    private static String number(Double value, String none) {
        return value == null ? none : String.format(Locale.ROOT, "%.4f", value);
    }

    /** A case over the measured rounds: medians, and its ratio round by round. */
    static final class Result {
        final String name;
        final double msgsPerSecond;
        final double megabytesPerSecond;
        final double deliveredRatio;
        final double jvmCpuPerRecord;
        final double serverCpuPerRecord;

        /** Records per second this machine's cores allow at the case's CPU cost. */
        final double cpuBound;

        /** The measured rate as a fraction of {@link #cpuBound}. */
        final double ofBound;

        final String ratioTo;
        final Double ratio;
        final Double ratioMin;
        final Double ratioMax;

        private Result(
                String name,
                List<NatsSinkBenchmark.Run> runs,
                String ratioTo,
                List<Double> ratios,
                NatsSinkBenchmark.Options options) {
            this.name = name;
            List<Double> rates = new ArrayList<>();
            List<Double> jvm = new ArrayList<>();
            List<Double> server = new ArrayList<>();
            List<Double> delivered = new ArrayList<>();
            for (NatsSinkBenchmark.Run run : runs) {
                rates.add(run.msgsPerSecond(options.records));
                jvm.add(run.jvmCpuNanos / (double) options.records);
                server.add(run.serverCpuNanos / (double) options.records);
                delivered.add((double) run.delivered / options.records);
            }
            this.msgsPerSecond = median(rates);
            this.megabytesPerSecond = msgsPerSecond * options.payloadBytes / 1e6;
            this.deliveredRatio = median(delivered);
            this.jvmCpuPerRecord = median(jvm);
            this.serverCpuPerRecord = median(server);
            double perRecord = jvmCpuPerRecord + serverCpuPerRecord;
            this.cpuBound =
                    perRecord <= 0
                            ? 0
                            : Runtime.getRuntime().availableProcessors() * 1e9 / perRecord;
            this.ofBound = cpuBound <= 0 ? 0 : msgsPerSecond / cpuBound;
            this.ratioTo = ratios == null ? null : ratioTo;
            this.ratio = ratios == null ? null : median(ratios);
            this.ratioMin = ratios == null ? null : ratios.stream().min(Double::compare).get();
            this.ratioMax = ratios == null ? null : ratios.stream().max(Double::compare).get();
        }

        /**
         * The result of {@code runs}; with {@code baseRuns} (the same rounds of the ratio's base
         * case) the ratio is taken round by round.
         */
        static Result of(
                String name,
                List<NatsSinkBenchmark.Run> runs,
                String ratioTo,
                List<NatsSinkBenchmark.Run> baseRuns,
                NatsSinkBenchmark.Options options) {
            List<Double> ratios = null;
            if (baseRuns != null && baseRuns.size() == runs.size() && !runs.isEmpty()) {
                ratios = new ArrayList<>();
                for (int i = 0; i < runs.size(); i++) {
                    ratios.add(
                            runs.get(i).msgsPerSecond(options.records)
                                    / baseRuns.get(i).msgsPerSecond(options.records));
                }
            }
            return new Result(name, runs, ratioTo, ratios, options);
        }

        private static double median(List<Double> values) {
            if (values.isEmpty()) {
                return 0;
            }
            List<Double> sorted = new ArrayList<>(values);
            sorted.sort(Double::compare);
            return sorted.get(sorted.size() / 2);
        }
    }
}
