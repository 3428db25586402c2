package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.connection.ConnectionEvents;
import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.connection.NatsConnectionException;
import io.laminar.flink.connector.nats.connection.SharedConnection;
import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsSinkException;
import io.laminar.flink.connector.nats.sink.SettingNames;

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

/**
 * Publishes the batches {@link AsyncSinkWriter} forms. It only converts, publishes and reports;
 * buffering, batching, back-pressure and state are Flink's.
 */
@Internal
public class NatsSinkWriter<IN> extends AsyncSinkWriter<IN, NatsMessage> {

    private static final Logger LOG = LoggerFactory.getLogger(NatsSinkWriter.class);

    /** The shortest wait before a failed confirmation round trip is tried again. */
    private static final Duration MIN_RETRY_BACKOFF = Duration.ofMillis(100);

    private final HeldRecords held;
    private final ConnectionEvents events;
    private final SharedConnection shared;
    private final NatsPublisher publisher;
    private final Duration closeFlushTimeout;

    public NatsSinkWriter(
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
                withWindow(configuration, held),
                states,
                held.batchCreator(
                        configuration.getMaxBatchSizeInBytes(), settings.isOrderPerSubject()),
                held.buffer());
        this.held = held;
        NatsSinkMetrics metrics = new NatsSinkMetrics(context.metricGroup(), held);
        SettingNames names = settings.getSettingNames();
        ConnectionSettings connection;
        try {
            // ${NAME} references are resolved here, on the TaskManager, never at planning time,
            // and only for the variables the cluster's configuration allows.
            connection =
                    settings.getConnection()
                            .resolveEnvironmentReferences(
                                    ClusterConfiguration.of(context).environmentReferences());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(names.rename(e.getMessage()), e);
        }
        this.events =
                new ConnectionEvents(
                        connection,
                        PublishErrorClassifier::isFatalServerError,
                        metrics::disconnected,
                        metrics::reconnected);
        if (connection.isInsecureTrustAll()) {
            LOG.warn(
                    names.rename(
                            "'insecureTrustAll' is set: with opentls:// URLs or the jnats"
                                    + " property opentls the NATS connection trusts every server"
                                    + " certificate, so anyone on the way to NATS can read and"
                                    + " change what the sink publishes and take its credentials."
                                    + " Do not use it in production."));
        }
        ServerErrors serverErrors = new ServerErrors(events, names);
        int poolSize = settings.getConnectionPoolSize();
        int slot = poolSize == 0 ? -1 : context.getTaskInfo().getIndexOfThisSubtask() % poolSize;
        try {
            this.shared =
                    SharedConnection.acquire(
                            connection,
                            requestLifetime(settings),
                            context.getJobInfo().getJobId().toString(),
                            slot,
                            events);
        } catch (NatsConnectionException e) {
            throw serverErrors.wrap(e);
        }
        this.closeFlushTimeout = min(settings.getConfirmTimeout(), Duration.ofSeconds(5));
        String subtask = context.getTaskInfo().getTaskNameWithSubtasks().replaceAll("\\s+", "-");
        LOG.info("NATS sink writer {} holds {}.", subtask, HeldRecords.limits(configuration));
        PublisherContext publishing =
                new PublisherContext(
                        shared.connection(),
                        shared.roundTrips(),
                        serverErrors,
                        converter instanceof NatsMessageConverter
                                ? ((NatsMessageConverter<IN>) converter).deadLetters()
                                : null,
                        settings,
                        max(connection.getReconnectWait(), MIN_RETRY_BACKOFF),
                        metrics,
                        "nats-sink-" + subtask);
        this.publisher = publisher(publishing);
    }

    /** {@code configuration} with the writer's {@link InFlightWindow} as its rate limiting. */
    private static AsyncSinkWriterConfiguration withWindow(
            AsyncSinkWriterConfiguration configuration, HeldRecords held) {
        return AsyncSinkWriterConfiguration.builder()
                .setMaxBatchSize(configuration.getMaxBatchSize())
                .setMaxBatchSizeInBytes(configuration.getMaxBatchSizeInBytes())
                .setMaxInFlightRequests(configuration.getMaxInFlightRequests())
                .setMaxBufferedRequests(configuration.getMaxBufferedRequests())
                .setMaxTimeInBufferMS(configuration.getMaxTimeInBufferMS())
                .setMaxRecordSizeInBytes(configuration.getMaxRecordSizeInBytes())
                .setRequestTimeoutMS(configuration.getRequestTimeoutMS())
                .setFailOnTimeout(configuration.isFailOnTimeout())
                .setRateLimitingStrategy(
                        new InFlightWindow(
                                configuration.getMaxInFlightRequests(),
                                configuration.getMaxBatchSize(),
                                held::bufferedRecords))
                .build();
    }

    private NatsPublisher publisher(PublisherContext context) {
        if (context.settings.getJetStream() == null) {
            return new CorePublisher(context);
        }
        try {
            return new JetStreamPublisher(context);
        } catch (IOException | RuntimeException e) {
            shared.release(events, closeFlushTimeout);
            if (e instanceof NatsSinkException) {
                throw (NatsSinkException) e;
            }
            throw new NatsSinkException("Could not set up JetStream publishing: " + e, e);
        }
    }

    /**
     * How long jnats must keep a request waiting for its reply: a JetStream publish waits for its
     * ack up to the ack timeout, which only {@link JetStreamPublisher} enforces. Core publishing
     * makes no requests without a timeout of their own.
     */
    private static Duration requestLifetime(NatsSinkSettings settings) {
        return settings.getJetStream() == null ? null : settings.getJetStream().getAckTimeout();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * Publishes and confirms the whole buffer at every checkpoint, not only the requests in flight,
     * whatever {@code endOfInput} says: a completed checkpoint (or savepoint) then means every
     * record before it reached the server, rather than some of them waiting in the checkpoint to be
     * published after a restore.
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
