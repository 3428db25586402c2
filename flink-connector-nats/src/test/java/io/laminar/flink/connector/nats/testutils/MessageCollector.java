package io.laminar.flink.connector.nats.testutils;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

/**
 * Collects every core-NATS message received on a subject (wildcards allowed) into a thread-safe
 * list. Create one with {@link #subscribe(Connection, String)}; closing it unsubscribes but leaves
 * the connection open.
 */
public final class MessageCollector implements AutoCloseable {

    private final Connection connection;
    private final String subject;
    private final List<Message> received = new CopyOnWriteArrayList<>();
    private final Dispatcher dispatcher;
    private volatile boolean closed;

    private MessageCollector(Connection connection, String subject) {
        this.connection = connection;
        this.subject = subject;
        this.dispatcher = connection.createDispatcher(received::add);
    }

    /**
     * Subscribes to {@code subject} and flushes the connection, so the subscription is known to the
     * server when this method returns.
     *
     * @param connection an open connection; not closed by this collector
     * @param subject subject to subscribe to, may contain {@code *} and {@code >} wildcards
     */
    public static MessageCollector subscribe(Connection connection, String subject) {
        MessageCollector collector = new MessageCollector(connection, subject);
        collector.dispatcher.subscribe(subject);
        try {
            flushSubscription(connection, subject);
        } catch (IllegalStateException e) {
            collector.close();
            throw e;
        }
        return collector;
    }

    /**
     * Flushes {@code connection} after a subscription to {@code subject}, so the server knows the
     * subscription when this returns.
     *
     * @throws IllegalStateException when the flush times out or is interrupted
     */
    static void flushSubscription(Connection connection, String subject) {
        try {
            connection.flush(Duration.ofSeconds(5));
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Timed out flushing the subscription to '" + subject + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "Interrupted while flushing the subscription to '" + subject + "'", e);
        }
    }

    /** Subject (pattern) this collector subscribed to. */
    public String subject() {
        return subject;
    }

    /** Snapshot of all messages received so far, in arrival order. */
    public List<Message> messages() {
        return new ArrayList<>(received);
    }

    /** Number of messages received so far. */
    public int count() {
        return received.size();
    }

    /** Payloads of all messages received so far, decoded as UTF-8, in arrival order. */
    public List<String> payloadsAsStrings() {
        List<String> payloads = new ArrayList<>();
        for (Message message : received) {
            byte[] data = message.getData();
            payloads.add(data == null ? "" : new String(data, StandardCharsets.UTF_8));
        }
        return payloads;
    }

    /**
     * Waits until at least {@code n} messages have been received and returns a snapshot of them.
     *
     * @throws AssertionError if fewer than {@code n} messages arrive within {@code deadline}
     */
    public List<Message> awaitCount(int n, Duration deadline) {
        Await.value(
                n + " message(s) on '" + subject + "'; last value is the count received",
                deadline,
                received::size,
                size -> size >= n);
        return messages();
    }

    /** Unsubscribes. The connection stays open. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            connection.closeDispatcher(dispatcher);
        } catch (IllegalStateException e) {
            // The connection was already closed, so the subscription is gone anyway.
        }
    }
}
