package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.JetStreamSettings;
import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsSinkException;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.base.sink.writer.ResultHandler;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * JetStream publishing: every entry of a batch is published with {@code publishAsync}, and the
 * batch completes when every {@code PublishAck} has arrived. Failed entries are classified once
 * ({@link PublishErrorClassifier}): retryable ones go back to the writer after a back-off, a fatal
 * one fails the job naming subject, stream and the server's error. Acknowledgements outstanding per
 * writer are capped, so a slow server back-pressures the job instead of growing memory.
 */
@Internal
final class JetStreamPublisher implements NatsPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(JetStreamPublisher.class);

    private final Connection connection;
    private final ServerErrors serverErrors;
    private final DeadLetters deadLetters;
    private final DeliveryGuarantee guarantee;
    private final JetStreamSettings settings;
    private final long retryBackoffMs;
    private final NatsSinkMetrics metrics;
    private final JetStream jetStream;
    private final JetStreamManagement management;
    private final Semaphore pendingAcks;
    private final ScheduledExecutorService resolver;
    private final StreamLookup streams;
    private final PublishOptions expectedStreamOnly;

    private volatile boolean closed;

    JetStreamPublisher(PublisherContext context) throws IOException {
        this.connection = context.connection;
        this.serverErrors = context.serverErrors;
        this.deadLetters = context.deadLetters;
        this.guarantee = context.settings.getDeliveryGuarantee();
        this.settings = context.settings.getJetStream();
        this.retryBackoffMs = context.retryBackoff.toMillis();
        this.metrics = context.metrics;
        JetStreamOptions api = apiOptions(settings);
        this.jetStream = api == null ? connection.jetStream() : connection.jetStream(api);
        this.management =
                api == null
                        ? connection.jetStreamManagement()
                        : connection.jetStreamManagement(api);
        this.pendingAcks = new Semaphore(settings.getMaxPendingAcks());
        String threadName = context.threadName;
        ScheduledThreadPoolExecutor executor =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread t = new Thread(r, threadName);
                            t.setDaemon(true);
                            return t;
                        });
        executor.setRemoveOnCancelPolicy(true);
        this.resolver = executor;
        this.streams = new StreamLookup(management, System::nanoTime);
        this.expectedStreamOnly =
                settings.getExpectedStream() == null
                        ? null
                        : PublishOptions.builder()
                                .expectedStream(settings.getExpectedStream())
                                .build();
        new StreamSetup(management, settings, guarantee, context.settings.getSettingNames())
                .check(context.settings.getKeyValueBucket());
    }

    /** jnats' options for the domain or API prefix, or null for its defaults. */
    private static JetStreamOptions apiOptions(JetStreamSettings settings) {
        if (settings.getDomain() != null) {
            return JetStreamOptions.builder().domain(settings.getDomain()).build();
        }
        if (settings.usesDefaultApi()) {
            return null;
        }
        return JetStreamOptions.builder().prefix(settings.getApiPrefix()).build();
    }

    @Override
    public void publish(List<NatsMessage> batch, ResultHandler<NatsMessage> result) {
        NatsSinkException serverError = serverErrors.poll();
        if (serverError != null) {
            fail(batch.size(), result, serverError);
            return;
        }
        if (connection.getStatus() == Connection.Status.CLOSED) {
            fail(batch.size(), result, serverErrors.closed(connection));
            return;
        }
        BatchAcks acks = new BatchAcks(batch, result);
        int issued = 0;
        for (NatsMessage message : batch) {
            if (guarantee == DeliveryGuarantee.EXACTLY_ONCE && message.getMessageId() == null) {
                acks.fatal(
                        new NatsSinkException(
                                "Delivery guarantee exactly-once needs a message id for every"
                                        + " record, but the record for subject '"
                                        + message.getSubject()
                                        + "' has none (set msg_id_field, a msg_id metadata"
                                        + " column, or NatsMessage.Builder#messageId)."));
                break;
            }
            if (!acquirePermit()) {
                acks.notPublished(issued);
                break;
            }
            long started = System.nanoTime();
            CompletableFuture<PublishAck> future;
            try {
                future = publishAsync(message);
            } catch (RuntimeException e) {
                future = deadLetterOrNull(message, e);
                if (future == null) {
                    pendingAcks.release();
                    acks.failed(issued, e);
                    issued++;
                    acks.notPublished(issued);
                    break;
                }
            }
            final int index = issued;
            // jnats cancels the request after the connection's request cleanup interval, which
            // the writer made at least the ack timeout: the ack timeout is what gives up.
            future.orTimeout(settings.getAckTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete(
                            (ack, error) -> {
                                pendingAcks.release();
                                if (error == null) {
                                    metrics.acked(
                                            TimeUnit.NANOSECONDS.toMillis(
                                                    System.nanoTime() - started),
                                            ack.isDuplicate());
                                    acks.acked();
                                } else {
                                    acks.failed(index, error);
                                }
                            });
            issued++;
        }
        if (guarantee == DeliveryGuarantee.NONE && !acks.hasFatal()) {
            // Acks still count in the metrics and failures are logged, but nothing waits.
            acks.detach();
            result.complete();
        }
        acks.issued(issued);
    }

    private boolean acquirePermit() {
        try {
            return pendingAcks.tryAcquire(
                    settings.getAckTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Publishes a record that can never be published (e.g. over the server's max_payload) to the
     * dead-letter subject instead; null when there is none or the error is retryable.
     */
    private CompletableFuture<PublishAck> deadLetterOrNull(
            NatsMessage message, RuntimeException e) {
        Exception fatal = PublishErrorClassifier.fatalOrNull(e, message.getSubject());
        if (fatal == null
                || deadLetters == null
                || message.getSubject().equals(deadLetters.subject())) {
            return null;
        }
        try {
            return publishAsync(
                    deadLetters.truncated(message, fatal.getMessage(), connection.getMaxPayload()));
        } catch (RuntimeException dlqError) {
            LOG.warn(
                    "Could not dead-letter a record for '{}': {}",
                    message.getSubject(),
                    dlqError.toString());
            return null;
        }
    }

    private CompletableFuture<PublishAck> publishAsync(NatsMessage message) {
        serverErrors.publishing(message.getSubject(), null);
        Headers headers = NatsPublisher.jnatsHeaders(message);
        PublishOptions options = expectedStreamOnly;
        if (message.getMessageId() != null) {
            PublishOptions.Builder builder =
                    PublishOptions.builder().messageId(message.getMessageId());
            if (settings.getExpectedStream() != null) {
                builder.expectedStream(settings.getExpectedStream());
            }
            options = builder.build();
        }
        return jetStream.publishAsync(message.getSubject(), headers, message.getPayload(), options);
    }

    private static NatsSinkException noStream(String subject) {
        return new NatsSinkException(
                "Cannot publish to subject '"
                        + subject
                        + "': no JetStream stream captures it (the server answered 503 no"
                        + " responders). Create a stream for the subject or publish with JetStream"
                        + " disabled.");
    }

    private void fail(int records, ResultHandler<NatsMessage> result, Exception e) {
        metrics.publishError();
        metrics.recordsFailed(records);
        result.completeExceptionally(e);
    }

    @Override
    public void close() {
        closed = true;
        resolver.shutdownNow();
    }

    /**
     * The acknowledgements of one batch. Callbacks arrive on jnats threads; the batch is settled on
     * the resolver thread, which may ask the server about a failure (a request that must not run on
     * a jnats thread) and delays retries by the back-off.
     */
    private final class BatchAcks {
        private final List<NatsMessage> batch;
        private final ResultHandler<NatsMessage> result;
        private final Throwable[] failures;
        private int expected = -1;
        private int done;
        private int notPublishedFrom = -1;
        private Exception fatal;
        private boolean detached;

        BatchAcks(List<NatsMessage> batch, ResultHandler<NatsMessage> result) {
            this.batch = batch;
            this.result = result;
            this.failures = new Throwable[batch.size()];
        }

        synchronized void acked() {
            done++;
            settleIfDone();
        }

        synchronized void failed(int index, Throwable error) {
            failures[index] = error;
            done++;
            settleIfDone();
        }

        synchronized void fatal(NatsSinkException e) {
            fatal = e;
        }

        synchronized boolean hasFatal() {
            return fatal != null;
        }

        /** Entries from {@code index} on were not handed to jnats. */
        synchronized void notPublished(int index) {
            notPublishedFrom = index;
        }

        synchronized void detach() {
            detached = true;
        }

        synchronized void issued(int count) {
            expected = count;
            if (count < batch.size() && notPublishedFrom < 0 && fatal == null) {
                notPublishedFrom = count;
            }
            settleIfDone();
        }

        private void settleIfDone() {
            if (expected >= 0 && done == expected && !closed) {
                resolver.execute(this::settle);
            }
        }

        private void settle() {
            Exception failure = fatal;
            List<NatsMessage> retry = new ArrayList<>();
            // Whether no stream captures a subject, decided once per batch for each subject.
            Map<String, Boolean> noStream = new HashMap<>();
            for (int i = 0; i < failures.length; i++) {
                boolean unpublished = notPublishedFrom >= 0 && i >= notPublishedFrom;
                if (failures[i] == null && !unpublished) {
                    continue;
                }
                NatsMessage message = batch.get(i);
                if (failures[i] != null && failure == null) {
                    failure = fatalOrNull(message, failures[i], noStream);
                }
                retry.add(message);
            }
            if (detached) {
                if (failure != null || !retry.isEmpty()) {
                    metrics.publishError();
                    LOG.warn(
                            "{} records were not acknowledged by JetStream (delivery guarantee"
                                    + " none: not retried){}",
                            retry.size(),
                            failure == null ? "." : ": " + failure.getMessage());
                }
                return;
            }
            if (failure == null) {
                // A publish jnats discarded fails every settlement, also of batches it spared.
                failure = serverErrors.discarded();
            }
            if (failure != null) {
                fail(batch.size(), result, failure);
            } else if (retry.isEmpty()) {
                result.complete();
            } else {
                metrics.publishError();
                metrics.retried(retry.size());
                LOG.debug(
                        "Retrying {} JetStream publishes in {} ms.", retry.size(), retryBackoffMs);
                resolver.schedule(
                        () -> result.retryForEntries(retry), retryBackoffMs, TimeUnit.MILLISECONDS);
            }
        }

        /** The fatal exception for a failed publish, or null when it is worth retrying. */
        private Exception fatalOrNull(
                NatsMessage message, Throwable error, Map<String, Boolean> noStream) {
            NatsSinkException serverError = serverErrors.poll();
            if (serverError != null) {
                return serverError;
            }
            if (connection.getStatus() == Connection.Status.CLOSED) {
                // jnats gave up reconnecting: every retry would fail the same way.
                return serverErrors.closed(connection);
            }
            switch (PublishErrorClassifier.classifyJetStream(error)) {
                case FATAL:
                    return PublishErrorClassifier.jetStreamFatal(
                            error, message.getSubject(), settings.getExpectedStream());
                case NO_RESPONDERS:
                    // Nobody answered: fatal when no stream captures the subject, else (a stream
                    // electing a leader, or the lookup failed) retried.
                    String subject = message.getSubject();
                    return noStream.computeIfAbsent(subject, streams::noStreamCaptures)
                            ? noStream(subject)
                            : null;
                default:
                    return null;
            }
        }
    }
}
