package io.laminar.flink.connector.nats.sink;

import io.nats.client.Connection;
import io.nats.client.api.ServerInfo;
import io.nats.client.impl.Headers;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.base.sink.writer.ResultHandler;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Core NATS publishing. Entries are published in order on the task thread; with {@code
 * at-least-once} a batch completes only after a PING/PONG round trip that started after its last
 * publish has come back on the same connection, with no reconnect in between. Bytes still in a
 * socket when a server dies vanish without an error, so a batch whose confirmation spans a
 * reconnect is published again: duplicates are possible, losses are not.
 *
 * <p>Confirmations run on one background thread per connection, and one round trip confirms every
 * batch that was published before it started, so the guarantee costs one PING per round of
 * in-flight batches rather than one per batch.
 */
@Internal
final class CorePublisher implements NatsPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(CorePublisher.class);

    private final Connection connection;
    private final DeliveryGuarantee guarantee;
    private final Duration confirmTimeout;
    private final NatsSinkMetrics metrics;
    private final Object lock = new Object();
    private final Thread confirmer;

    /** Batches waiting for a round trip; guarded by {@link #lock}. */
    private List<PendingBatch> pending = new ArrayList<>();

    private volatile boolean closed;

    CorePublisher(
            Connection connection,
            DeliveryGuarantee guarantee,
            Duration confirmTimeout,
            NatsSinkMetrics metrics,
            String threadName) {
        this.connection = connection;
        this.guarantee = guarantee;
        this.confirmTimeout = confirmTimeout;
        this.metrics = metrics;
        this.confirmer = new Thread(this::confirmLoop, threadName);
        this.confirmer.setDaemon(true);
        this.confirmer.start();
    }

    @Override
    public void publish(List<NatsMessage> batch, ResultHandler<NatsMessage> result) {
        ConnectionEpoch epoch = ConnectionEpoch.of(connection);
        int published = 0;
        try {
            for (NatsMessage message : batch) {
                publishOne(message);
                published++;
            }
        } catch (RuntimeException e) {
            metrics.publishError();
            NatsSinkException fatal =
                    PublishErrorClassifier.fatalOrNull(e, batch.get(published).getSubject());
            if (fatal != null) {
                metrics.recordsFailed(batch.size() - published);
                result.completeExceptionally(fatal);
                return;
            }
            // Not handed to jnats (closed, reconnect buffer or outgoing queue full): the
            // confirmer hands the rest back once the connection can take them again.
            LOG.debug("Publish to '{}' failed, will retry: {}", batch.get(published), e.toString());
        }
        if (guarantee == DeliveryGuarantee.NONE && published == batch.size()) {
            NatsSinkException serverError = serverErrorSince(epoch);
            if (serverError != null) {
                result.completeExceptionally(serverError);
            } else {
                result.complete();
            }
            return;
        }
        synchronized (lock) {
            pending.add(new PendingBatch(batch, published, epoch, result));
            lock.notifyAll();
        }
    }

    private void publishOne(NatsMessage message) {
        if (!message.hasHeaders()) {
            connection.publish(message.getSubject(), message.getReplyTo(), message.getPayload());
            return;
        }
        Headers headers = new Headers();
        for (Map.Entry<String, List<String>> header : message.getHeaders().entrySet()) {
            headers.add(header.getKey(), header.getValue());
        }
        if (message.getMessageId() != null) {
            headers.put(NatsMessage.MSG_ID_HEADER, message.getMessageId());
        }
        connection.publish(
                message.getSubject(), message.getReplyTo(), headers, message.getPayload());
    }

    private void confirmLoop() {
        while (!closed) {
            List<PendingBatch> round;
            synchronized (lock) {
                while (pending.isEmpty() && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                round = pending;
                pending = new ArrayList<>();
            }
            if (closed) {
                return;
            }
            try {
                confirm(round);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void confirm(List<PendingBatch> round) throws InterruptedException {
        boolean roundTripDone;
        String failure = null;
        try {
            connection.flush(confirmTimeout);
            roundTripDone = true;
        } catch (TimeoutException e) {
            roundTripDone = false;
            failure = e.getMessage();
        }
        if (connection.getStatus() == Connection.Status.CLOSED) {
            failAll(
                    round,
                    new NatsSinkException(
                            "The NATS connection is closed (reconnect attempts exhausted or"
                                    + " closed by the server; last server error: "
                                    + connection.getLastError()
                                    + "). Unconfirmed records will be replayed from the last"
                                    + " checkpoint."));
            return;
        }
        ConnectionEpoch now = ConnectionEpoch.of(connection);
        for (PendingBatch batch : round) {
            if (roundTripDone && now.sameConnectionAs(batch.epoch)) {
                NatsSinkException serverError = serverErrorSince(batch.epoch);
                if (serverError != null) {
                    metrics.publishError();
                    metrics.recordsFailed(batch.entries.size());
                    batch.result.completeExceptionally(serverError);
                } else if (batch.published == batch.entries.size()) {
                    batch.result.complete();
                } else {
                    List<NatsMessage> rest =
                            new ArrayList<>(
                                    batch.entries.subList(batch.published, batch.entries.size()));
                    metrics.retried(rest.size());
                    batch.result.retryForEntries(rest);
                }
            } else {
                // The round trip failed or spanned a reconnect: anything of this batch may have
                // been lost in a dead socket, so all of it goes out again.
                if (!roundTripDone) {
                    metrics.publishError();
                }
                LOG.info(
                        "Republishing {} records that were not confirmed by the NATS server ({}).",
                        batch.entries.size(),
                        roundTripDone ? "connection was re-established" : failure);
                metrics.retried(batch.entries.size());
                batch.result.retryForEntries(batch.entries);
            }
        }
    }

    /** A fatal error the server reported on this connection after {@code since}, or null. */
    private NatsSinkException serverErrorSince(ConnectionEpoch since) {
        if (connection.getStatistics().getErrs() == since.serverErrors) {
            return null;
        }
        return PublishErrorClassifier.fatalServerErrorOrNull(connection.getLastError());
    }

    private void failAll(List<PendingBatch> round, NatsSinkException error) {
        metrics.publishError();
        for (PendingBatch batch : round) {
            metrics.recordsFailed(batch.entries.size());
            batch.result.completeExceptionally(error);
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        confirmer.interrupt();
    }

    /** A published batch waiting for its round trip. */
    private static final class PendingBatch {
        final List<NatsMessage> entries;
        final int published;
        final ConnectionEpoch epoch;
        final ResultHandler<NatsMessage> result;

        PendingBatch(
                List<NatsMessage> entries,
                int published,
                ConnectionEpoch epoch,
                ResultHandler<NatsMessage> result) {
            this.entries = entries;
            this.published = published;
            this.epoch = epoch;
            this.result = result;
        }
    }

    /**
     * Identifies one physical connection: a reconnect increments the reconnect count and replaces
     * the server info (the INFO of the new socket), so a change in either means bytes written
     * before may not have reached a server.
     */
    private static final class ConnectionEpoch {
        final long reconnects;
        final ServerInfo serverInfo;
        final long serverErrors;

        private ConnectionEpoch(long reconnects, ServerInfo serverInfo, long serverErrors) {
            this.reconnects = reconnects;
            this.serverInfo = serverInfo;
            this.serverErrors = serverErrors;
        }

        static ConnectionEpoch of(Connection connection) {
            return new ConnectionEpoch(
                    connection.getStatistics().getReconnects(),
                    connection.getServerInfo(),
                    connection.getStatistics().getErrs());
        }

        boolean sameConnectionAs(ConnectionEpoch earlier) {
            return reconnects == earlier.reconnects && serverInfo == earlier.serverInfo;
        }
    }
}
