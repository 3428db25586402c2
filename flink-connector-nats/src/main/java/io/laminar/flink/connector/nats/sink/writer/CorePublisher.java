package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.connection.RoundTrips;
import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsSinkException;

import io.nats.client.Connection;
import io.nats.client.Statistics;
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
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Core NATS publishing. Entries are published in order on the task thread; with {@code
 * at-least-once} a batch completes only after a PING/PONG round trip that started after its last
 * publish has come back on the same connection. Bytes still in a socket when a server dies vanish
 * without an error, so a batch published on a connection that has since been replaced is published
 * again: duplicates are possible, losses are not.
 *
 * <p>Confirmations run on one background thread, and one round trip confirms every batch that was
 * published before it started, so the guarantee costs one PING per round of in-flight batches
 * rather than one per batch. A round trip that fails while the connection is the same (down,
 * reconnecting, slow) is tried again after a back-off, without republishing: only a new connection,
 * or a closed one, settles a batch otherwise. When jnats has lost track of a PING, the round trips
 * ({@link RoundTrips}) have it reconnect, and the new connection settles the batches that way.
 */
@Internal
final class CorePublisher implements NatsPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(CorePublisher.class);

    private final Connection connection;
    private final RoundTrips roundTrips;
    private final ServerErrors serverErrors;
    private final DeadLetters deadLetters;
    private final DeliveryGuarantee guarantee;
    private final Duration confirmTimeout;
    private final long retryBackoffNanos;
    private final NatsSinkMetrics metrics;
    private final Object lock = new Object();
    private final Thread confirmer;

    /** Batches waiting for a round trip; guarded by {@link #lock}. */
    private List<PendingBatch> pending = new ArrayList<>();

    private volatile boolean closed;

    CorePublisher(PublisherContext context) {
        this.connection = context.connection;
        this.roundTrips = context.roundTrips;
        this.serverErrors = context.serverErrors;
        this.deadLetters = context.deadLetters;
        this.guarantee = context.settings.getDeliveryGuarantee();
        this.confirmTimeout = context.settings.getConfirmTimeout();
        this.retryBackoffNanos = context.retryBackoff.toNanos();
        this.metrics = context.metrics;
        this.confirmer = new Thread(this::confirmLoop, context.threadName);
        this.confirmer.setDaemon(true);
        this.confirmer.start();
    }

    @Override
    public void publish(List<NatsMessage> batch, ResultHandler<NatsMessage> result) {
        NatsSinkException serverError = serverErrors.poll();
        if (serverError != null) {
            fail(batch, result, serverError);
            return;
        }
        if (connection.getStatus() == Connection.Status.CLOSED) {
            fail(batch, result, serverErrors.closed(connection));
            return;
        }
        ConnectionEpoch epoch = ConnectionEpoch.of(connection);
        int published = 0;
        while (published < batch.size()) {
            NatsMessage message = batch.get(published);
            try {
                publishOne(message);
                published++;
            } catch (RuntimeException e) {
                metrics.publishError();
                Exception fatal = PublishErrorClassifier.fatalOrNull(e, message.getSubject());
                if (fatal == null) {
                    // Not handed to jnats (closed, reconnect buffer or outgoing queue full): the
                    // confirmer hands the rest back once the connection can take them again.
                    LOG.debug("Publish of {} refused, will retry: {}", message, e.toString());
                    break;
                }
                if (!publishDeadLetter(message, fatal)) {
                    fail(batch, result, fatal);
                    return;
                }
                published++;
            }
        }
        if (Thread.currentThread().isInterrupted()) {
            // jnats drops a message it could not queue because the thread was interrupted.
            metrics.retried(batch.size());
            result.retryForEntries(batch);
            return;
        }
        if (guarantee == DeliveryGuarantee.NONE && published == batch.size()) {
            result.complete();
            return;
        }
        synchronized (lock) {
            pending.add(new PendingBatch(batch, published, epoch, result));
            lock.notifyAll();
        }
    }

    /** Sends a record that can never be published to the dead-letter subject, if there is one. */
    private boolean publishDeadLetter(NatsMessage message, Exception reason) {
        if (deadLetters == null || message.getSubject().equals(deadLetters.subject())) {
            return false;
        }
        try {
            publishOne(
                    deadLetters.truncated(
                            message, reason.getMessage(), connection.getMaxPayload()));
            return true;
        } catch (RuntimeException e) {
            LOG.warn(
                    "Could not dead-letter a record for '{}': {}",
                    message.getSubject(),
                    e.toString());
            return false;
        }
    }

    private void publishOne(NatsMessage message) {
        serverErrors.publishing(message.getSubject(), message.getReplyTo());
        if (!message.hasHeaders()) {
            connection.publish(message.getSubject(), message.getReplyTo(), message.getPayload());
            return;
        }
        Headers headers = NatsPublisher.jnatsHeaders(message);
        if (headers == null) {
            headers = new Headers();
        }
        if (message.getMessageId() != null) {
            headers.put(NatsMessage.MSG_ID_HEADER, message.getMessageId());
        }
        connection.publish(
                message.getSubject(), message.getReplyTo(), headers, message.getPayload());
    }

    private void confirmLoop() {
        List<PendingBatch> round = new ArrayList<>();
        try {
            while (!closed) {
                round.addAll(takePending(round.isEmpty()));
                if (round.isEmpty()) {
                    continue;
                }
                long started = System.nanoTime();
                round = confirm(round);
                if (!round.isEmpty()) {
                    backOff(started);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            if (!closed) {
                failAll(round, new NatsSinkException("Confirming published records failed.", t));
                synchronized (lock) {
                    failAll(
                            pending,
                            new NatsSinkException("Confirming published records failed.", t));
                    pending.clear();
                }
            }
        }
    }

    private List<PendingBatch> takePending(boolean block) throws InterruptedException {
        synchronized (lock) {
            while (block && pending.isEmpty() && !closed) {
                lock.wait();
            }
            List<PendingBatch> taken = pending;
            pending = new ArrayList<>();
            return taken;
        }
    }

    private void backOff(long startedNanos) throws InterruptedException {
        long remaining = retryBackoffNanos - (System.nanoTime() - startedNanos);
        if (remaining > 0) {
            synchronized (lock) {
                if (!closed) {
                    TimeUnit.NANOSECONDS.timedWait(lock, remaining);
                }
            }
        }
    }

    /**
     * One round trip for {@code round}. Settles every batch it can; returns the batches still
     * unsettled (the round trip failed on the connection they were published on).
     */
    private List<PendingBatch> confirm(List<PendingBatch> round) {
        // Not started for a publisher closed while it waited for its turn.
        RoundTrips.Result trip = roundTrips.run(confirmTimeout, () -> !closed);
        if (!trip.ran() || closed) {
            return round;
        }
        Connection.Status status = trip.status();
        if (status == Connection.Status.CLOSED) {
            failAll(round, serverErrors.closed(connection));
            return new ArrayList<>();
        }
        boolean confirmed = trip.confirmed();
        if (!confirmed) {
            metrics.publishError();
            LOG.debug("Confirmation round trip failed ({}); status {}.", trip.failure(), status);
        }
        ConnectionEpoch now = ConnectionEpoch.of(connection);
        boolean settlesHere = false;
        for (PendingBatch batch : round) {
            settlesHere |= now.sameConnectionAs(batch.epoch);
        }
        // Taken only for batches it can fail here; otherwise it stays for the next publish, which
        // the republished batches will make.
        NatsSinkException serverError = confirmed && settlesHere ? serverErrors.poll() : null;
        List<PendingBatch> unsettled = new ArrayList<>();
        for (PendingBatch batch : round) {
            if (!now.sameConnectionAs(batch.epoch)) {
                // Published on a connection that has since been replaced: anything of it may
                // have died in the old socket, so all of it goes out again.
                LOG.info(
                        "Republishing {} records not confirmed before the NATS connection was"
                                + " re-established.",
                        batch.entries.size());
                retry(batch, batch.entries);
            } else if (!confirmed) {
                unsettled.add(batch);
            } else if (serverError != null || (serverError = serverErrorSince(batch)) != null) {
                fail(batch.entries, batch.result, serverError);
            } else if (batch.published == batch.entries.size()) {
                batch.result.complete();
            } else {
                retry(
                        batch,
                        new ArrayList<>(
                                batch.entries.subList(batch.published, batch.entries.size())));
            }
        }
        return unsettled;
    }

    /** A permission violation the server reported on this connection since {@code batch}. */
    private NatsSinkException serverErrorSince(PendingBatch batch) {
        if (connection.getStatistics().getErrs() == batch.epoch.serverErrors) {
            return null;
        }
        return serverErrors.fatalOrNull(connection.getLastError());
    }

    private void retry(PendingBatch batch, List<NatsMessage> entries) {
        metrics.retried(entries.size());
        batch.result.retryForEntries(entries);
    }

    private void fail(List<NatsMessage> entries, ResultHandler<NatsMessage> result, Exception e) {
        metrics.publishError();
        metrics.recordsFailed(entries.size());
        result.completeExceptionally(e);
    }

    private void failAll(List<PendingBatch> batches, Exception error) {
        for (PendingBatch batch : batches) {
            try {
                fail(batch.entries, batch.result, error);
            } catch (RuntimeException e) {
                LOG.debug("Could not report a failed batch (writer closing): {}", e.toString());
            }
        }
    }

    /**
     * Stops the confirmer without interrupting it: jnats drops a PING queued on an interrupted
     * thread but keeps waiting for its PONG, which would stall every later round trip on the
     * connection. The confirmer's own waits end on {@link #lock}; a round trip under way ends
     * within the confirm timeout, and one it waits its turn for does not start.
     */
    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        try {
            confirmer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
     * Identifies one physical connection. A reconnect increments the reconnect count, but only
     * after the new socket is up; the new socket's INFO (a new server id, or a new client id on the
     * same server) arrives before that, so together they leave no window in which a new socket
     * passes for the old one.
     */
    private static final class ConnectionEpoch {
        final long reconnects;
        final String serverId;
        final int clientId;
        final long serverErrors;

        private ConnectionEpoch(long reconnects, ServerInfo info, long serverErrors) {
            this.reconnects = reconnects;
            this.serverId = info == null ? null : info.getServerId();
            this.clientId = info == null ? -1 : info.getClientId();
            this.serverErrors = serverErrors;
        }

        static ConnectionEpoch of(Connection connection) {
            Statistics stats = connection.getStatistics();
            return new ConnectionEpoch(
                    stats.getReconnects(), connection.getServerInfo(), stats.getErrs());
        }

        boolean sameConnectionAs(ConnectionEpoch earlier) {
            return reconnects == earlier.reconnects
                    && clientId == earlier.clientId
                    && Objects.equals(serverId, earlier.serverId);
        }
    }
}
