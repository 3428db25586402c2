package io.laminar.flink.connector.nats.sink.writer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;

import java.util.Arrays;

/**
 * A histogram over the most recent samples (a ring buffer), for JetStream ack latency in
 * milliseconds. Updated from jnats threads, read by metric reporters; both synchronized, and cheap
 * next to a network round trip.
 */
@Internal
final class AckLatencyHistogram implements Histogram {

    private final long[] window;
    private long count;

    AckLatencyHistogram(int size) {
        this.window = new long[size];
    }

    @Override
    public synchronized void update(long value) {
        window[(int) (count % window.length)] = value;
        count++;
    }

    @Override
    public synchronized long getCount() {
        return count;
    }

    @Override
    public HistogramStatistics getStatistics() {
        long[] values;
        synchronized (this) {
            values = Arrays.copyOf(window, (int) Math.min(count, window.length));
        }
        Arrays.sort(values);
        return new Snapshot(values);
    }

    private static final class Snapshot extends HistogramStatistics {
        private final long[] sorted;

        Snapshot(long[] sorted) {
            this.sorted = sorted;
        }

        @Override
        public double getQuantile(double quantile) {
            if (sorted.length == 0) {
                return 0;
            }
            int index = (int) Math.ceil(quantile * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
        }

        @Override
        public long[] getValues() {
            return sorted.clone();
        }

        @Override
        public int size() {
            return sorted.length;
        }

        @Override
        public double getMean() {
            return sorted.length == 0 ? 0 : Arrays.stream(sorted).average().orElse(0);
        }

        @Override
        public double getStdDev() {
            if (sorted.length < 2) {
                return 0;
            }
            double mean = getMean();
            double sum = 0;
            for (long v : sorted) {
                sum += (v - mean) * (v - mean);
            }
            return Math.sqrt(sum / (sorted.length - 1));
        }

        @Override
        public long getMax() {
            return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
        }

        @Override
        public long getMin() {
            return sorted.length == 0 ? 0 : sorted[0];
        }
    }
}
