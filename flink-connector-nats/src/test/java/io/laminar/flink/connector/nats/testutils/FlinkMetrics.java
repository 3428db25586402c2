package io.laminar.flink.connector.nats.testutils;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** A MiniCluster that reports its metrics in memory, and how to read the sink's metrics. */
public final class FlinkMetrics {

    private FlinkMetrics() {}

    /** One TaskManager with {@code slots} slots, its metrics kept by {@code reporter}. */
    public static MiniClusterExtension miniCluster(InMemoryReporter reporter, int slots) {
        return new MiniClusterExtension(
                () ->
                        new MiniClusterResourceConfiguration.Builder()
                                .setNumberTaskManagers(1)
                                .setNumberSlotsPerTaskManager(slots)
                                .setConfiguration(reporter.addToConfiguration(new Configuration()))
                                .build());
    }

    /**
     * The sink writer's counter {@code name} (e.g. {@code numRecordsOut}, {@code retries}), summed
     * over every subtask and every attempt of the job (a reporter made with {@code
     * createWithRetainedMetrics} keeps those of failed attempts). Only the operator's own scope
     * ({@code <job>.Sink: Writer.<subtask>.<name>}) counts, not the chained task's.
     */
    public static long sinkCounter(InMemoryReporter reporter, JobID job, String name) {
        long sum = 0;
        for (Tuple3<MetricGroup, String, Metric> m : reporter.findJobMetricGroups(job, name)) {
            if (m.f1.equals(name)
                    && m.f0.getMetricIdentifier(name).contains(".Sink: Writer.")
                    && m.f2 instanceof Counter) {
                sum += ((Counter) m.f2).getCount();
            }
        }
        return sum;
    }

    /**
     * The sink writer's numeric gauge {@code name} (e.g. {@code inFlightBytes}) read now, summed
     * over every subtask. With a reporter that retains metrics, a failed attempt's gauges still
     * read the state its writer was left in, so use it on jobs that do not restart.
     */
    public static long sinkGauge(InMemoryReporter reporter, JobID job, String name) {
        long sum = 0;
        for (Tuple3<MetricGroup, String, Metric> m : reporter.findJobMetricGroups(job, name)) {
            if (m.f1.equals(name)
                    && m.f0.getMetricIdentifier(name).contains(".Sink: Writer.")
                    && m.f2 instanceof Gauge) {
                Object value = ((Gauge<?>) m.f2).getValue();
                if (value instanceof Number) {
                    sum += ((Number) value).longValue();
                }
            }
        }
        return sum;
    }
}
