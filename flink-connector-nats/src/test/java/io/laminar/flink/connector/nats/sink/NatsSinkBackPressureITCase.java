package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.FlinkMetrics;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.NumberedRecordTally;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Back-pressure, not buffering: while the server is frozen (SIGSTOP) the sink stops taking records
 * and holds no more than its settings allow, read from its gauges; once the server runs again the
 * job finishes and every record arrives, once.
 */
class NatsSinkBackPressureITCase {

    private static final Logger LOG = LoggerFactory.getLogger(NatsSinkBackPressureITCase.class);

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkMetrics.miniCluster(METRICS, 1);

    @RegisterExtension static final NatsServerExtension NATS = new NatsServerExtension();

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private static final String SUBJECT = "it.backpressure";
    private static final int RECORDS = 150_000;
    private static final int PAYLOAD_BYTES = 1024;

    /** What the sink counts for each record ({@code NatsMessage#sizeInBytes}): payload, subject. */
    private static final long RECORD_BYTES = PAYLOAD_BYTES + SUBJECT.length();

    private static final int MAX_BATCH_SIZE = 100;
    private static final int MAX_IN_FLIGHT_REQUESTS = 4;
    private static final int MAX_BUFFERED_REQUESTS = 1000;
    private static final long MAX_RECORD_SIZE_IN_BYTES = 2 * 1024;
    private static final long MAX_BATCH_SIZE_IN_BYTES = 128 * 1024;

    // The documented bound for the settings above, worked out by hand (R = 4, S = 100, M = 1000,
    // Br = 2 KiB, Bb = 128 KiB).

    /** R × S. */
    private static final long MAX_IN_FLIGHT_RECORDS = 400;

    /** R × min(Bb, S × Br) = 4 × min(131072, 204800). */
    private static final long MAX_IN_FLIGHT_BYTES = 524_288;

    /** M + R × S. */
    private static final long MAX_BUFFERED_RECORDS = 1_400;

    /** (M + R × S) × Br. */
    private static final long MAX_BUFFERED_BYTES = 2_867_200;

    @RegisterExtension final NatsClientExtension client = NatsClientExtension.of(NATS);

    /**
     * Core NATS, at-least-once. The in-flight window (400 records) is far smaller than jnats'
     * outgoing queue (5000 messages), so jnats never refuses a publish: the pause only delays
     * confirmation, which stops the window, which stops the writer, which stops the source.
     */
    @Test
    void a_paused_server_back_pressures_the_source_and_the_writer_holds_no_more_than_its_limits()
            throws Exception {
        try (NumberedRecordTally tally =
                NumberedRecordTally.subscribe(client.connection(), SUBJECT, RECORDS)) {
            StreamExecutionEnvironment env = FlinkEnvironment.create();
            DataGeneratorSource<byte[]> source =
                    new DataGeneratorSource<>(
                            NatsSinkBackPressureITCase::payload,
                            RECORDS,
                            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
            env.fromSource(source, WatermarkStrategy.noWatermarks(), "numbered payloads")
                    .sinkTo(
                            NatsSink.<byte[]>builder()
                                    .setConnectionSettings(
                                            ConnectionSettings.builder()
                                                    .servers(NATS.url())
                                                    .build())
                                    .setSerializationSchema(
                                            (SerializationSchema<byte[]>) bytes -> bytes)
                                    .setSubject(SUBJECT)
                                    .setMaxBatchSize(MAX_BATCH_SIZE)
                                    .setMaxInFlightRequests(MAX_IN_FLIGHT_REQUESTS)
                                    .setMaxBufferedRequests(MAX_BUFFERED_REQUESTS)
                                    .setMaxRecordSizeInBytes(MAX_RECORD_SIZE_IN_BYTES)
                                    .setMaxBatchSizeInBytes(MAX_BATCH_SIZE_IN_BYTES)
                                    .build());
            JobClient job = env.executeAsync("back-pressure");
            Samples samples = new Samples(job.getJobID());

            Await.until(
                    "the sink has published 10000 records",
                    DEADLINE,
                    () -> samples.take().recordsOut >= 10_000);

            Sample stalled;
            Sample endOfPause;
            NATS.pause();
            try {
                long pausedAt = System.nanoTime();
                // Longer than a publish may wait for room in jnats' outgoing queue (2 s).
                Await.until(
                        "the sink takes no more records for 3 s while the server is paused",
                        Duration.ofSeconds(20),
                        () -> {
                            samples.take();
                            return samples.unchangedFor(Duration.ofSeconds(3));
                        });
                stalled = samples.last();
                Await.until(
                        "2 s more of pause",
                        Duration.ofSeconds(10),
                        () -> {
                            samples.take();
                            return samples.unchangedFor(Duration.ofSeconds(5));
                        });
                endOfPause = samples.last();
                LOG.info(
                        "Paused for {} ms; the writer stopped at {}",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt),
                        stalled);
            } finally {
                NATS.resume();
            }

            JobStatus status =
                    Await.value(
                            "the job ends after the server resumed",
                            Duration.ofMinutes(2),
                            () -> {
                                samples.take();
                                return job.getJobStatus().join();
                            },
                            JobStatus::isGloballyTerminalState);
            assertThat(status).as(failureOf(job)).isEqualTo(JobStatus.FINISHED);
            tally.awaitAll(DEADLINE);
            Sample end = samples.take();
            LOG.info(
                    "Peaks over {} samples {}; at the end {}",
                    samples.count(),
                    samples.peaks(),
                    end);

            // While paused the writer stopped with records still to come: for 5 s nothing was
            // published and nothing taken from the source (a record enters the writer only
            // through the buffer). It held no more than the window and the buffer allow. The
            // buffer need not be full: a write that finds it full, and the timer that sends a
            // partial batch, both wait on the task thread for a free window slot, and while they
            // wait the task takes no input.
            assertThat(stalled.recordsOut).isLessThan(RECORDS);
            assertThat(endOfPause).isEqualTo(stalled);
            assertThat(stalled.inFlightRecords)
                    .isPositive()
                    .isLessThanOrEqualTo(MAX_IN_FLIGHT_RECORDS);
            assertThat(stalled.inFlightBytes).isEqualTo(stalled.inFlightRecords * RECORD_BYTES);
            assertThat(stalled.bufferedRecords).isLessThanOrEqualTo(MAX_BUFFERED_REQUESTS);
            assertThat(stalled.bufferedBytes).isEqualTo(stalled.bufferedRecords * RECORD_BYTES);
            assertThat(stalled.bufferedRecords + stalled.inFlightRecords)
                    .isLessThanOrEqualTo(MAX_BUFFERED_RECORDS);

            // At no sample, before, during or after the pause, did it hold more.
            Sample peaks = samples.peaks();
            assertThat(peaks.inFlightRecords).isLessThanOrEqualTo(MAX_IN_FLIGHT_RECORDS);
            assertThat(peaks.inFlightBytes).isLessThanOrEqualTo(MAX_IN_FLIGHT_BYTES);
            assertThat(peaks.bufferedRecords).isLessThanOrEqualTo(MAX_BUFFERED_RECORDS);
            assertThat(peaks.bufferedBytes).isLessThanOrEqualTo(MAX_BUFFERED_BYTES);

            // A pause shorter than the confirm timeout only delays confirmation: nothing was
            // refused, retried or published twice, and nothing is left held.
            assertThat(end.recordsOut).isEqualTo(RECORDS);
            assertThat(end.inFlightRecords).isZero();
            assertThat(end.inFlightBytes).isZero();
            assertThat(end.bufferedRecords).isZero();
            assertThat(end.bufferedBytes).isZero();
            assertThat(counter(job.getJobID(), "numRecordsOutErrors")).isZero();
            assertThat(counter(job.getJobID(), "retries")).isZero();
            assertThat(counter(job.getJobID(), "publishErrors")).isZero();
            assertThat(counter(job.getJobID(), "disconnects")).isZero();
            assertThat(tally.distinct()).isEqualTo(RECORDS);
            assertThat(tally.malformed()).isZero();
            assertThat(tally.messages()).isEqualTo(RECORDS);
        }
    }

    /** Record {@code index}: its decimal number, padded with dots to {@value #PAYLOAD_BYTES} B. */
    private static byte[] payload(long index) {
        byte[] payload = new byte[PAYLOAD_BYTES];
        Arrays.fill(payload, (byte) '.');
        byte[] number = Long.toString(index).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(number, 0, payload, 0, number.length);
        return payload;
    }

    private static String failureOf(JobClient job) {
        try {
            job.getJobExecutionResult().get(10, TimeUnit.SECONDS);
            return "job result";
        } catch (ExecutionException e) {
            return "job failed: " + e.getCause();
        } catch (Exception e) {
            return "job result unavailable: " + e;
        }
    }

    private static long counter(JobID job, String name) {
        return FlinkMetrics.sinkCounter(METRICS, job, name);
    }

    private static long gauge(JobID job, String name) {
        return FlinkMetrics.sinkGauge(METRICS, job, name);
    }

    /** What the writer reported at one moment. */
    private static final class Sample {
        final long recordsOut;
        final long bufferedRecords;
        final long bufferedBytes;
        final long inFlightRecords;
        final long inFlightBytes;

        Sample(
                long recordsOut,
                long bufferedRecords,
                long bufferedBytes,
                long inFlightRecords,
                long inFlightBytes) {
            this.recordsOut = recordsOut;
            this.bufferedRecords = bufferedRecords;
            this.bufferedBytes = bufferedBytes;
            this.inFlightRecords = inFlightRecords;
            this.inFlightBytes = inFlightBytes;
        }

        static Sample of(JobID job) {
            return new Sample(
                    counter(job, "numRecordsOut"),
                    gauge(job, "bufferedRecords"),
                    gauge(job, "bufferedBytes"),
                    gauge(job, "inFlightRecords"),
                    gauge(job, "inFlightBytes"));
        }

        Sample max(Sample other) {
            return new Sample(
                    Math.max(recordsOut, other.recordsOut),
                    Math.max(bufferedRecords, other.bufferedRecords),
                    Math.max(bufferedBytes, other.bufferedBytes),
                    Math.max(inFlightRecords, other.inFlightRecords),
                    Math.max(inFlightBytes, other.inFlightBytes));
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Sample)) {
                return false;
            }
            Sample that = (Sample) o;
            return recordsOut == that.recordsOut
                    && bufferedRecords == that.bufferedRecords
                    && bufferedBytes == that.bufferedBytes
                    && inFlightRecords == that.inFlightRecords
                    && inFlightBytes == that.inFlightBytes;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(recordsOut) * 31 + Long.hashCode(inFlightBytes);
        }

        @Override
        public String toString() {
            return "{numRecordsOut="
                    + recordsOut
                    + ", bufferedRecords="
                    + bufferedRecords
                    + ", bufferedBytes="
                    + bufferedBytes
                    + ", inFlightRecords="
                    + inFlightRecords
                    + ", inFlightBytes="
                    + inFlightBytes
                    + '}';
        }
    }

    /** Every sample taken, kept as the peaks and the last one, and since when it is unchanged. */
    private static final class Samples {
        private final JobID job;
        private Sample last = new Sample(0, 0, 0, 0, 0);
        private Sample peaks = last;
        private long unchangedSince = System.nanoTime();
        private int count;

        Samples(JobID job) {
            this.job = job;
        }

        Sample take() {
            Sample sample = Sample.of(job);
            if (!sample.equals(last)) {
                unchangedSince = System.nanoTime();
            }
            last = sample;
            peaks = peaks.max(sample);
            count++;
            return sample;
        }

        boolean unchangedFor(Duration duration) {
            return System.nanoTime() - unchangedSince >= duration.toNanos();
        }

        Sample last() {
            return last;
        }

        Sample peaks() {
            return peaks;
        }

        int count() {
            return count;
        }
    }
}
