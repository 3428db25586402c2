package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.connection.ConnectionEvents;
import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.connection.RoundTrips;
import io.laminar.flink.connector.nats.connection.SharedConnection;
import io.laminar.flink.connector.nats.sink.JetStreamSettings;
import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsSinkException;
import io.laminar.flink.connector.nats.sink.SettingNames;
import io.laminar.flink.connector.nats.testutils.Await;
import io.laminar.flink.connector.nats.testutils.LogCapture;
import io.laminar.flink.connector.nats.testutils.MessageCollector;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A publish jnats drops instead of sending ({@code ErrorListener.messageDiscarded}) fails the
 * writer instead of being confirmed, in both publishing modes, against a real nats-server.
 *
 * <p>jnats drops a publish silently in two cases: its outgoing queue is full and the connection was
 * built with "discard when full", or the publishing thread was interrupted. The connector refuses
 * the property that turns the first on ({@code ConnectionSettingsTest}), so these tests set it on
 * jnats' options builder directly, as no user can: a tiny queue, a paused server, and a batch
 * larger than the socket buffers; once they are full the queue fills, and the rest of the batch is
 * discarded.
 */
class DiscardedPublishITCase {

    @RegisterExtension static final NatsServerExtension SERVER = new NatsServerExtension();

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    /** jnats' outgoing queue, in messages: small, so that a paused server fills it quickly. */
    private static final int QUEUE = 4;

    /**
     * Records of {@link #PAYLOAD} bytes in one batch: more than the socket buffers of a paused
     * server's connection take (a few MiB on Linux), so the last ones find the queue full.
     */
    private static final int RECORDS = 100;

    private static final int PAYLOAD = 512 * 1024;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private NatsPublisher publisher;

    @AfterEach
    void cleanUp() throws Exception {
        SERVER.resume();
        if (publisher != null) {
            publisher.close();
        }
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Test
    void a_core_publish_jnats_discards_fails_the_batch_naming_its_subject_instead_of_confirming_it()
            throws Exception {
        ConnectionSettings settings = ConnectionSettings.builder().servers(SERVER.url()).build();
        ConnectionEvents events = events(settings);
        DiscardWatch watch = new DiscardWatch(events);
        Connection connection = discardingConnection(settings, watch);
        ServerErrors serverErrors = new ServerErrors(events, SettingNames.BUILDER);
        publisher =
                new CorePublisher(
                        context(
                                connection,
                                serverErrors,
                                settings,
                                DeliveryGuarantee.AT_LEAST_ONCE,
                                null));
        Connection subscriber = SERVER.connect();
        toClose.add(subscriber);
        MessageCollector received = MessageCollector.subscribe(subscriber, "orders.>");
        subscriber.flush(DEADLINE);

        RecordingResult result = new RecordingResult();
        SERVER.pause();
        publisher.publish(records("orders.core"), result);
        String discarded = watch.awaitFirstDiscardedSubject();
        SERVER.resume();

        Exception failure = result.awaitFailure();
        assertThat(failure)
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining("discarded")
                .hasMessageContaining("'" + discarded + "'");
        assertThat(discarded).startsWith("orders.core.");

        // The records really are missing: everything sent before a marker has arrived with it.
        connection.publish("orders.marker", new byte[0]);
        connection.flush(DEADLINE);
        Await.until(
                "the marker published after the batch",
                DEADLINE,
                () ->
                        received.messages().stream()
                                .anyMatch(m -> m.getSubject().equals("orders.marker")));
        List<String> arrived =
                received.messages().stream()
                        .map(Message::getSubject)
                        .filter(s -> s.startsWith("orders.core."))
                        .collect(Collectors.toList());
        assertThat(arrived).doesNotContain(discarded).hasSizeLessThan(RECORDS);
    }

    @Test
    void a_jetstream_publish_jnats_discards_fails_the_batch_naming_its_subject() throws Exception {
        ConnectionSettings settings = ConnectionSettings.builder().servers(SERVER.url()).build();
        ConnectionEvents events = events(settings);
        DiscardWatch watch = new DiscardWatch(events);
        Connection connection = discardingConnection(settings, watch);
        connection
                .jetStreamManagement()
                .addStream(
                        StreamConfiguration.builder()
                                .name("DISCARDED")
                                .subjects("orders.js.>")
                                .storageType(StorageType.Memory)
                                .build());
        // The first request subscribes jnats' reply inbox; that must not be what is discarded.
        connection.jetStream().publish("orders.js.warm-up", new byte[0]);
        ServerErrors serverErrors = new ServerErrors(events, SettingNames.BUILDER);
        JetStreamSettings jetStream =
                JetStreamSettings.builder().ackTimeout(Duration.ofSeconds(2)).build();
        publisher =
                new JetStreamPublisher(
                        context(
                                connection,
                                serverErrors,
                                settings,
                                DeliveryGuarantee.AT_LEAST_ONCE,
                                jetStream));

        RecordingResult result = new RecordingResult();
        SERVER.pause();
        publisher.publish(records("orders.js"), result);
        String discarded = watch.awaitFirstDiscardedSubject();
        SERVER.resume();

        Exception failure = result.awaitFailure();
        assertThat(failure)
                .isInstanceOf(NatsSinkException.class)
                .hasMessageContaining("discarded")
                .hasMessageContaining("'" + discarded + "'");
        assertThat(discarded).startsWith("orders.js.");
    }

    /**
     * jnats also drops a publish made on an interrupted thread. The writer whose thread it was sees
     * its interrupt flag and hands the batch back to be published again (or its task is being
     * cancelled), so nothing is lost, and the other writers on a shared connection must not fail
     * for it.
     */
    @Test
    void a_batch_dropped_because_its_thread_was_interrupted_is_handed_back_and_fails_no_writer()
            throws Exception {
        ConnectionSettings settings = ConnectionSettings.builder().servers(SERVER.url()).build();
        ConnectionEvents first = events(settings);
        ConnectionEvents second = events(settings);
        SharedConnection shared = SharedConnection.acquire(settings, null, "interrupted", 0, first);
        toClose.add(() -> shared.release(first, Duration.ofSeconds(1)));
        assertThat(SharedConnection.acquire(settings, null, "interrupted", 0, second))
                .isSameAs(shared);
        toClose.add(() -> shared.release(second, Duration.ofSeconds(1)));
        ServerErrors firstErrors = new ServerErrors(first, SettingNames.BUILDER);
        publisher =
                new CorePublisher(
                        context(
                                shared.connection(),
                                firstErrors,
                                settings,
                                DeliveryGuarantee.AT_LEAST_ONCE,
                                null));
        List<NatsMessage> batch = records("orders.interrupted", 3, 16);
        RecordingResult result = new RecordingResult();

        try (LogCapture log = LogCapture.start("io.laminar.flink.connector.nats", Level.DEBUG)) {
            Thread.currentThread().interrupt();
            try {
                publisher.publish(batch, result);
            } finally {
                assertThat(Thread.interrupted()).as("interrupt flag after publishing").isTrue();
            }
            assertThat(result.awaitRetry()).containsExactlyElementsOf(batch);
            Await.until(
                    "both writers to hear that jnats dropped the batch's publishes",
                    DEADLINE,
                    () -> discardsHeard(log, "orders.interrupted.") == 2 * batch.size());
        }
        assertThat(firstErrors.poll()).isNull();
        assertThat(new ServerErrors(second, SettingNames.BUILDER).poll()).isNull();
    }

    /**
     * How many times a writer logged a dropped publish to a subject starting with {@code prefix}.
     */
    private static long discardsHeard(LogCapture log, String prefix) {
        return log.lines().stream()
                .filter(l -> l.contains("ConnectionEvents") && l.contains("'" + prefix))
                .count();
    }

    private static ConnectionEvents events(ConnectionSettings settings) {
        return new ConnectionEvents(
                settings, PublishErrorClassifier::isFatalServerError, () -> {}, () -> {});
    }

    /**
     * A connection whose jnats drops publishes when its outgoing queue of {@link #QUEUE} is full.
     */
    private Connection discardingConnection(ConnectionSettings settings, DiscardWatch listener)
            throws Exception {
        Connection connection =
                Nats.connect(
                        settings.toOptionsBuilder(listener, listener)
                                .maxMessagesInOutgoingQueue(QUEUE)
                                .discardMessagesWhenOutgoingQueueFull()
                                .build());
        toClose.add(connection::close);
        return connection;
    }

    private static List<NatsMessage> records(String prefix) {
        return records(prefix, RECORDS, PAYLOAD);
    }

    private static List<NatsMessage> records(String prefix, int count, int payloadBytes) {
        List<NatsMessage> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(NatsMessage.of(prefix + "." + i, new byte[payloadBytes]));
        }
        return records;
    }

    private static PublisherContext context(
            Connection connection,
            ServerErrors serverErrors,
            ConnectionSettings settings,
            DeliveryGuarantee guarantee,
            JetStreamSettings jetStream) {
        return new PublisherContext(
                connection,
                new RoundTrips(connection, null),
                serverErrors,
                null,
                new NatsSinkSettings(
                        settings,
                        guarantee,
                        DEADLINE,
                        jetStream,
                        0,
                        false,
                        null,
                        SettingNames.BUILDER),
                Duration.ofMillis(100),
                new NatsSinkMetrics(
                        UnregisteredMetricsGroup.createSinkWriterMetricGroup(), new HeldRecords()),
                "discard-test");
    }

    /**
     * Passes everything on to the writer's {@link ConnectionEvents} and notes the subjects of the
     * publishes jnats reports discarded, so the test knows when and which.
     */
    private static final class DiscardWatch implements ConnectionListener, ErrorListener {
        private final ConnectionEvents events;
        private final List<String> discarded = new CopyOnWriteArrayList<>();

        DiscardWatch(ConnectionEvents events) {
            this.events = events;
        }

        String awaitFirstDiscardedSubject() {
            return Await.value(
                    "jnats to report a discarded record",
                    DEADLINE,
                    () -> discarded.isEmpty() ? null : discarded.get(0),
                    subject -> subject != null);
        }

        @Override
        public void connectionEvent(Connection conn, Events type) {
            events.connectionEvent(conn, type);
        }

        @Override
        public void errorOccurred(Connection conn, String error) {
            events.errorOccurred(conn, error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            events.exceptionOccurred(conn, exp);
        }

        @Override
        public void messageDiscarded(Connection conn, Message msg) {
            if (msg.getSubject() != null) {
                discarded.add(msg.getSubject());
            }
            events.messageDiscarded(conn, msg);
        }
    }
}
