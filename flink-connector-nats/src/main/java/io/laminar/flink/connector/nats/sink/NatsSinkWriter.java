package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriter;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Publishes the batches {@link AsyncSinkWriter} forms. It only converts, publishes and reports;
 * buffering, batching, back-pressure and state are Flink's.
 */
@Internal
class NatsSinkWriter<IN> extends AsyncSinkWriter<IN, NatsMessage> {

    private static final Logger LOG = LoggerFactory.getLogger(NatsSinkWriter.class);

    /** The shortest wait before a failed confirmation round trip is tried again. */
    private static final Duration MIN_RETRY_BACKOFF = Duration.ofMillis(100);

    private static final Pattern USER_INFO = Pattern.compile("(\\w+://)[^/@\\s,\\]]+@");

    private final HeldRecords held;
    private final NatsSinkMetrics metrics;
    private final ConnectionEvents events;
    private final SharedConnection shared;
    private final NatsPublisher publisher;
    private final Duration closeFlushTimeout;

    NatsSinkWriter(
            ElementConverter<IN, NatsMessage> converter,
            WriterInitContext context,
            AsyncSinkWriterConfiguration configuration,
            Collection<BufferedRequestState<NatsMessage>> states,
            NatsSinkSettings settings) {
        this(converter, context, configuration, states, settings, new HeldRecords());
    }

    private NatsSinkWriter(
            ElementConverter<IN, NatsMessage> converter,
            WriterInitContext context,
            AsyncSinkWriterConfiguration configuration,
            Collection<BufferedRequestState<NatsMessage>> states,
            NatsSinkSettings settings,
            HeldRecords held) {
        super(
                converter,
                context,
                configuration,
                states,
                held.batchCreator(configuration.getMaxBatchSizeInBytes()),
                held.buffer());
        this.held = held;
        this.metrics = new NatsSinkMetrics(context.metricGroup(), held);
        // ${NAME} references are resolved here, on the TaskManager, never at planning time.
        ConnectionSettings connectionSettings =
                settings.getConnection().resolveEnvironmentReferences();
        this.events = new ConnectionEvents(metrics, connectionSettings);
        int poolSize = settings.getConnectionPoolSize();
        SharedConnection.Key key =
                poolSize == 0
                        ? null
                        : new SharedConnection.Key(
                                context.getJobInfo().getJobId().toString(),
                                connectionSettings,
                                context.getTaskInfo().getIndexOfThisSubtask() % poolSize);
        this.shared =
                SharedConnection.acquire(
                        key, events, listener -> connect(connectionSettings, listener, events));
        Connection connection = shared.connection();
        this.closeFlushTimeout = min(settings.getConfirmTimeout(), Duration.ofSeconds(5));
        String subtask = context.getTaskInfo().getTaskNameWithSubtasks().replaceAll("\\s+", "-");
        LOG.info("NATS sink writer {} holds {}.", subtask, HeldRecords.limits(configuration));
        Duration retryBackoff = max(settings.getConnection().getReconnectWait(), MIN_RETRY_BACKOFF);
        String threadName = "nats-sink-" + subtask;
        DeadLetters deadLetters =
                converter instanceof NatsMessageConverter
                        ? ((NatsMessageConverter<IN>) converter).deadLetters()
                        : null;
        this.publisher =
                settings.getJetStream() == null
                        ? new CorePublisher(
                                connection,
                                shared.roundTripLock(),
                                events,
                                deadLetters,
                                settings.getDeliveryGuarantee(),
                                settings.getConfirmTimeout(),
                                retryBackoff,
                                metrics,
                                threadName)
                        : jetStreamPublisher(
                                connection,
                                events,
                                deadLetters,
                                settings,
                                retryBackoff,
                                threadName);
    }

    private JetStreamPublisher jetStreamPublisher(
            Connection connection,
            ConnectionEvents events,
            DeadLetters deadLetters,
            NatsSinkSettings settings,
            Duration retryBackoff,
            String threadName) {
        try {
            return new JetStreamPublisher(
                    connection,
                    events,
                    deadLetters,
                    settings.getDeliveryGuarantee(),
                    settings.getJetStream(),
                    retryBackoff,
                    metrics,
                    threadName);
        } catch (IOException | RuntimeException e) {
            shared.release(events, Duration.ZERO);
            if (e instanceof NatsSinkException) {
                throw (NatsSinkException) e;
            }
            throw new NatsSinkException("Could not set up JetStream publishing: " + e, e);
        }
    }

    /**
     * Connects with {@code settings}; {@code listener} gets the connection's events, {@code events}
     * (one of its writers) explains a failure.
     */
    private static Connection connect(
            ConnectionSettings settings, SharedConnection listener, ConnectionEvents events) {
        Options options;
        try {
            options = settings.toOptionsBuilder(listener, listener).build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new NatsSinkException(
                    "Invalid NATS connection settings: " + redact(String.valueOf(e.getMessage())),
                    e);
        }
        try {
            Connection connection = Nats.connect(options);
            LOG.info(
                    "Connected to NATS server {} (servers {}).",
                    ConnectionSettings.redactUrl(connection.getConnectedUrl()),
                    settings.redactedServers());
            return connection;
        } catch (IOException e) {
            try {
                throw ConnectFailure.explain(settings, e, events);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new NatsSinkException("Interrupted while connecting to NATS.", interrupted);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsSinkException("Interrupted while connecting to NATS.", e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Masks user info in URLs that jnats puts in its messages. */
    static String redact(String text) {
        return USER_INFO.matcher(text).replaceAll("$1******@");
    }

    /**
     * Publishes and confirms the whole buffer at every checkpoint, not only the requests in flight:
     * a completed checkpoint (or savepoint) then means every record before it reached the server,
     * rather than some of them waiting in the checkpoint to be published after a restore.
     */
    @Override
    public void flush(boolean endOfInput) throws InterruptedException {
        super.flush(true);
    }

    @Override
    protected void submitRequestEntries(
            List<NatsMessage> requestEntries, ResultHandler<NatsMessage> resultHandler) {
        publisher.publish(requestEntries, held.inFlight(requestEntries, resultHandler));
    }

    @Override
    protected long getSizeInBytes(NatsMessage requestEntry) {
        return requestEntry.sizeInBytes();
    }

    @Override
    public void close() {
        publisher.close();
        // The last writer on the connection flushes it (jnats' close() does not send what is
        // still queued; with delivery guarantee NONE nothing else made sure it left) and closes it.
        shared.release(events, closeFlushTimeout);
        super.close();
    }
}
