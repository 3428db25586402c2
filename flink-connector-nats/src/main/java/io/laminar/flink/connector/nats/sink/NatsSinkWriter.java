package io.laminar.flink.connector.nats.sink;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriter;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.DequeRequestBuffer;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.connector.base.sink.writer.SimpleBatchCreator;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
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

    private static final Pattern USER_INFO = Pattern.compile("(\\w+://)[^/@\\s,\\]]+@");

    private final NatsSinkMetrics metrics;
    private final Connection connection;
    private final NatsPublisher publisher;

    NatsSinkWriter(
            ElementConverter<IN, NatsMessage> converter,
            WriterInitContext context,
            AsyncSinkWriterConfiguration configuration,
            Collection<BufferedRequestState<NatsMessage>> states,
            NatsSinkSettings settings) {
        super(
                converter,
                context,
                configuration,
                states,
                new SimpleBatchCreator<>(configuration.getMaxBatchSizeInBytes()),
                new DequeRequestBuffer<>());
        this.metrics = new NatsSinkMetrics(context.metricGroup());
        this.connection = connect(settings.getConnection(), metrics);
        String subtask = context.getTaskInfo().getTaskNameWithSubtasks().replaceAll("\\s+", "-");
        this.publisher =
                new CorePublisher(
                        connection,
                        settings.getDeliveryGuarantee(),
                        settings.getConfirmTimeout(),
                        metrics,
                        "nats-sink-confirm-" + subtask);
    }

    private static Connection connect(ConnectionSettings settings, NatsSinkMetrics metrics) {
        ConnectionListener events =
                (conn, event) -> {
                    switch (event) {
                        case DISCONNECTED:
                            metrics.disconnected();
                            LOG.warn("Disconnected from NATS; reconnecting.");
                            break;
                        case RECONNECTED:
                            metrics.reconnected();
                            LOG.info(
                                    "Reconnected to NATS server {}.",
                                    ConnectionSettings.redactUrl(conn.getConnectedUrl()));
                            break;
                        case CLOSED:
                            LOG.info("NATS connection closed.");
                            break;
                        default:
                            break;
                    }
                };
        ErrorListener errors =
                new ErrorListener() {
                    @Override
                    public void errorOccurred(Connection conn, String error) {
                        LOG.warn("NATS server reported an error: {}", error);
                    }

                    @Override
                    public void exceptionOccurred(Connection conn, Exception exp) {
                        LOG.debug("NATS connection exception: {}", redact(exp.toString()));
                    }
                };
        try {
            Connection connection = Nats.connect(settings.toOptionsBuilder(events, errors).build());
            LOG.info(
                    "Connected to NATS server {} (servers {}).",
                    ConnectionSettings.redactUrl(connection.getConnectedUrl()),
                    settings.redactedServers());
            return connection;
        } catch (IOException e) {
            throw new NatsSinkException(
                    "Could not connect to NATS servers "
                            + settings.redactedServers()
                            + " within the connection timeout of "
                            + settings.getConnectionTimeout()
                            + ": "
                            + redact(String.valueOf(e.getMessage()))
                            + ". Check 'servers' and the credentials.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsSinkException("Interrupted while connecting to NATS.", e);
        }
    }

    /** Masks user info in URLs that jnats puts in its messages. */
    static String redact(String text) {
        return USER_INFO.matcher(text).replaceAll("$1******@");
    }

    @Override
    protected void submitRequestEntries(
            List<NatsMessage> requestEntries, ResultHandler<NatsMessage> resultHandler) {
        publisher.publish(requestEntries, resultHandler);
    }

    @Override
    protected long getSizeInBytes(NatsMessage requestEntry) {
        return requestEntry.sizeInBytes();
    }

    @Override
    public void close() {
        publisher.close();
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        super.close();
    }
}
