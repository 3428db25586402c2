package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.connection.ConnectionEvents;
import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.connection.SharedConnection;
import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.SettingNames;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.LogCapture;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;
import io.laminar.flink.connector.nats.testutils.NumberedRecordTally;
import io.laminar.flink.connector.nats.testutils.Threads;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Confirmation must not stall after jnats lost track of a round trip. jnats registers a waiter for
 * a PONG before it queues the PING; when the PING cannot be queued, the waiter stays with no PING
 * behind it and every later round trip is answered one PONG late, so each times out. Two ways that
 * happened, each driven here on a real nats-server through {@link CorePublisher} and {@link
 * SharedConnection} as the writer uses them: a writer closed (and, before the fix, interrupted)
 * while waiting for its turn on a shared connection, and a PING refused by a full outgoing queue
 * while the server is frozen. After each, the next batches must be confirmed promptly and every
 * record must arrive.
 */
class CorePublisherConfirmationStallITCase {

    private static final Logger LOG =
            LoggerFactory.getLogger(CorePublisherConfirmationStallITCase.class);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.builder().jetStream(false).build();

    @RegisterExtension final NatsClientExtension client = NatsClientExtension.of(NATS);

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    /** A round trip to a running server takes milliseconds; a stalled confirmation never ends. */
    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    private static final String NATS_CONNECTION = "io.nats.client.impl.NatsConnection";

    private final List<Writer> writers = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        NATS.resume();
        for (Writer writer : writers) {
            writer.close();
        }
    }

    /**
     * Trigger (a): writers A and B share a connection; B's round trip holds the turn while the
     * server is frozen, A's confirmer waits for it, and A's writer is closed (a region failover).
     * Before the fix, close() interrupted A's confirmer, which later entered jnats' flush with the
     * interrupt flag set: jnats dropped the PING but kept its waiter.
     */
    @Test
    void a_writer_closed_while_waiting_for_its_turn_leaves_the_other_writers_confirmations_prompt()
            throws Exception {
        String subject = "stall.turn";
        int batchSize = 100;
        ConnectionSettings settings =
                ConnectionSettings.builder().servers(NATS.url()).connectionName(subject).build();
        // Longer than the test keeps the server frozen: B's round trip must not time out.
        Duration confirmTimeout = Duration.ofSeconds(20);
        Writer a = writer(settings, subject, "a", confirmTimeout, Duration.ofMillis(100));
        Writer b = writer(settings, subject, "b", confirmTimeout, Duration.ofMillis(100));
        assertThat(a.shared).as("one connection for both writers").isSameAs(b.shared);

        try (NumberedRecordTally tally =
                NumberedRecordTally.subscribe(client.connection(), subject, 6 * batchSize)) {
            Delivery.start(b.publisher, records(subject, 0, batchSize, 16)).awaitComplete(PROMPTLY);

            Delivery held;
            CompletableFuture<Void> closing;
            NATS.pause();
            try {
                held = Delivery.start(b.publisher, records(subject, 1 * batchSize, batchSize, 16));
                Await.until(
                        "B's round trip to wait for the frozen server, holding the turn",
                        DEADLINE,
                        () -> Threads.isInside(b.confirmer(), NATS_CONNECTION, "flush"));
                Delivery.start(a.publisher, records(subject, 2 * batchSize, batchSize, 16));
                Await.until(
                        "A's confirmer to wait for its turn",
                        DEADLINE,
                        () ->
                                a.confirmer().getState() == Thread.State.BLOCKED
                                        && Threads.isInside(
                                                a.confirmer(),
                                                CorePublisher.class.getName(),
                                                "confirm"));
                Thread confirmerOfA = a.confirmer();
                // As a region failover closes A's writer while B's round trip is under way.
                closing = CompletableFuture.runAsync(a::close);
                Await.until(
                        "A's writer to be closing (its confirmer interrupted, or close returned)",
                        DEADLINE,
                        () -> confirmerOfA.isInterrupted() || closing.isDone());
            } finally {
                NATS.resume();
            }
            Duration heldFor = held.awaitComplete(confirmTimeout);
            closing.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            Await.until(
                    "A's confirmer to end", DEADLINE, () -> Threads.named(a.threadName).isEmpty());
            LOG.info(
                    "B's batch published while the server was frozen: confirmed {} after", heldFor);

            for (int batch = 3; batch < 6; batch++) {
                Duration took =
                        Delivery.start(
                                        b.publisher,
                                        records(subject, batch * batchSize, batchSize, 16))
                                .awaitComplete(PROMPTLY);
                LOG.info("B's batch {} after A closed: confirmed in {} ms", batch, took.toMillis());
            }
            tally.awaitAll(DEADLINE);
        }
    }

    /**
     * Trigger (b): the server is frozen and a batch fills the socket buffers and jnats' outgoing
     * queue (64 messages here, 5000 by default); the round trip for it cannot queue its PING within
     * jnats' push timeout. Once the server runs again, the batch and the next ones must be
     * confirmed promptly.
     */
    @Test
    void a_ping_refused_by_a_full_outgoing_queue_leaves_confirmations_prompt_once_the_server_runs()
            throws Exception {
        String subject = "stall.refused";
        int payloadBytes = 32 * 1024;
        // ~4 MB of socket buffers and 64 queued messages hold ~200 of these: 400 is plenty.
        int bigBatch = 400;
        int smallBatch = 10;
        ConnectionSettings settings =
                ConnectionSettings.builder()
                        .servers(NATS.url())
                        .connectionName(subject)
                        .property("outgoingqueue.maxmessages", "64")
                        .property("writeQueuePushTimeout", "500")
                        .build();
        Duration confirmTimeout = Duration.ofSeconds(3);
        // The first retry of the refused round trip comes after the test resumed the server, as
        // it would after a short stall of a real server.
        Duration retryBackoff = Duration.ofSeconds(2);
        Writer writer = writer(settings, subject, "w", confirmTimeout, retryBackoff);
        int total = smallBatch + bigBatch + 3 * smallBatch;

        try (LogCapture log = LogCapture.start("io.laminar.flink.connector.nats", Level.DEBUG);
                NumberedRecordTally tally =
                        NumberedRecordTally.subscribe(client.connection(), subject, total)) {
            // Confirmed: no PING is outstanding when the server freezes.
            Delivery.start(writer.publisher, records(subject, 0, smallBatch, 16))
                    .awaitComplete(PROMPTLY);

            Delivery frozen;
            NATS.pause();
            try {
                frozen =
                        Delivery.start(
                                writer.publisher,
                                records(subject, smallBatch, bigBatch, payloadBytes));
                Await.until(
                        "a confirmation round trip refused by the full outgoing queue",
                        DEADLINE,
                        () -> refusedRoundTrip(log.text()));
            } finally {
                NATS.resume();
            }
            Duration took = frozen.awaitComplete(PROMPTLY.plus(confirmTimeout).plus(retryBackoff));
            LOG.info(
                    "The batch of the refused PING: confirmed {} ms after the resume",
                    took.toMillis());
            int next = smallBatch + bigBatch;
            for (int i = 0; i < 3; i++, next += smallBatch) {
                Duration each =
                        Delivery.start(writer.publisher, records(subject, next, smallBatch, 16))
                                .awaitComplete(PROMPTLY);
                LOG.info("A later batch: confirmed in {} ms", each.toMillis());
            }
            tally.awaitAll(DEADLINE);
        }
    }

    private static boolean refusedRoundTrip(String log) {
        for (String line : log.split("\n")) {
            if (line.contains("round trip") && line.contains("Output queue is")) {
                return true;
            }
        }
        return false;
    }

    private Writer writer(
            ConnectionSettings settings,
            String job,
            String name,
            Duration confirmTimeout,
            Duration retryBackoff) {
        Writer writer = new Writer(settings, job, name, confirmTimeout, retryBackoff);
        writers.add(writer);
        return writer;
    }

    /** {@code count} records numbered from {@code first}, each padded to {@code bytes}. */
    private static List<NatsMessage> records(String subject, int first, int count, int bytes) {
        List<NatsMessage> batch = new ArrayList<>(count);
        for (int n = first; n < first + count; n++) {
            byte[] number = (n + " ").getBytes(StandardCharsets.UTF_8);
            byte[] payload = Arrays.copyOf(number, Math.max(bytes, number.length));
            Arrays.fill(payload, number.length, payload.length, (byte) 'x');
            batch.add(NatsMessage.of(subject, payload));
        }
        return batch;
    }

    /**
     * One sink writer's part: a core publisher with at-least-once on the connection of pool slot 0
     * of {@code job}, as {@code NatsSinkWriter} makes it, closed as it closes it.
     */
    private static final class Writer implements AutoCloseable {
        final ConnectionEvents events;
        final SharedConnection shared;
        final CorePublisher publisher;
        final String threadName;
        private boolean closed;

        Writer(
                ConnectionSettings settings,
                String job,
                String name,
                Duration confirmTimeout,
                Duration retryBackoff) {
            this.events =
                    new ConnectionEvents(
                            settings,
                            PublishErrorClassifier::isFatalServerError,
                            () -> {},
                            () -> {});
            this.shared = SharedConnection.acquire(settings, null, job, 0, events);
            this.threadName = "nats-sink-" + job + "-" + name;
            NatsSinkSettings sinkSettings =
                    new NatsSinkSettings(
                            settings,
                            DeliveryGuarantee.AT_LEAST_ONCE,
                            confirmTimeout,
                            null,
                            1,
                            false,
                            null,
                            SettingNames.BUILDER);
            this.publisher =
                    new CorePublisher(
                            new PublisherContext(
                                    shared.connection(),
                                    shared.roundTrips(),
                                    new ServerErrors(events, SettingNames.BUILDER),
                                    null,
                                    sinkSettings,
                                    retryBackoff,
                                    new NatsSinkMetrics(
                                            UnregisteredMetricsGroup.createSinkWriterMetricGroup(),
                                            new HeldRecords()),
                                    threadName));
        }

        /** The publisher's confirmer thread. */
        Thread confirmer() {
            List<Thread> threads = Threads.named(threadName);
            assertThat(threads).as("the confirmer thread " + threadName).hasSize(1);
            return threads.get(0);
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                publisher.close();
                shared.release(events, Duration.ofSeconds(5));
            }
        }
    }

    /**
     * One batch handed to a publisher and followed until it is complete; what the publisher hands
     * back is published again, as {@code AsyncSinkWriter} does.
     */
    private static final class Delivery {
        private final CorePublisher publisher;
        private final long startedNanos = System.nanoTime();
        private RecordingResult result = new RecordingResult();

        private Delivery(CorePublisher publisher, List<NatsMessage> batch) {
            this.publisher = publisher;
            publisher.publish(batch, result);
        }

        static Delivery start(CorePublisher publisher, List<NatsMessage> batch) {
            return new Delivery(publisher, batch);
        }

        /**
         * Waits until the batch is complete and returns how long that took from now.
         *
         * @throws AssertionError when it fails, or is not complete within {@code deadline}
         */
        Duration awaitComplete(Duration deadline) {
            long from = System.nanoTime();
            long end = from + deadline.toNanos();
            while (true) {
                RecordingResult.Outcome outcome =
                        Await.value(
                                        "the batch to be confirmed (published "
                                                + Duration.ofNanos(from - startedNanos).toMillis()
                                                + " ms before the wait)",
                                        Duration.ofNanos(Math.max(0, end - System.nanoTime())),
                                        result::outcomes,
                                        outcomes -> !outcomes.isEmpty())
                                .get(0);
                if (outcome.completed) {
                    return Duration.ofNanos(System.nanoTime() - from);
                }
                if (outcome.failure != null) {
                    throw new AssertionError("The batch failed", outcome.failure);
                }
                result = new RecordingResult();
                publisher.publish(outcome.retried, result);
            }
        }
    }
}
