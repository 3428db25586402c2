package io.laminar.flink.connector.nats.testutils;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;

import java.time.Duration;
import java.util.BitSet;

/**
 * Counts core-NATS messages whose payloads start with a record number ({@code 0 <= number <
 * expected}, decimal digits, then anything), without keeping the messages: for tests that send more
 * data than a test heap should hold. Tells which numbers arrived, how many messages arrived in all
 * (duplicates included), and how many did not carry a number in range. Closing it unsubscribes but
 * leaves the connection open.
 */
public final class NumberedRecordTally implements AutoCloseable {

    private final Connection connection;
    private final String subject;
    private final int expected;
    private final Dispatcher dispatcher;
    private final BitSet arrived;
    private long messages;
    private long malformed;
    private boolean closed;

    private NumberedRecordTally(Connection connection, String subject, int expected) {
        this.connection = connection;
        this.subject = subject;
        this.expected = expected;
        this.arrived = new BitSet(expected);
        this.dispatcher = connection.createDispatcher(this::count);
        // Keep every message rather than drop them as a slow consumer when the test's threads lag.
        this.dispatcher.setPendingLimits(0, 0); // 0: no limit
    }

    /**
     * Subscribes to {@code subject} and flushes the connection, so the subscription is known to the
     * server when this method returns (core NATS delivers only to subscribers present at publish
     * time).
     *
     * @param connection an open connection; not closed by this tally
     * @param subject subject to subscribe to
     * @param expected the record numbers expected are {@code 0 .. expected - 1}
     */
    public static NumberedRecordTally subscribe(
            Connection connection, String subject, int expected) {
        NumberedRecordTally tally = new NumberedRecordTally(connection, subject, expected);
        tally.dispatcher.subscribe(subject);
        try {
            MessageCollector.flushSubscription(connection, subject);
        } catch (IllegalStateException e) {
            tally.close();
            throw e;
        }
        return tally;
    }

    private void count(Message message) {
        long number = recordNumber(message.getData());
        synchronized (this) {
            messages++;
            if (number < 0 || number >= expected) {
                malformed++;
            } else {
                arrived.set((int) number);
            }
        }
    }

    /** The leading decimal number of {@code payload}, or -1 when it does not start with one. */
    private static long recordNumber(byte[] payload) {
        if (payload == null || payload.length == 0) {
            return -1;
        }
        long number = 0;
        int i = 0;
        for (; i < payload.length && i < 18; i++) {
            byte b = payload[i];
            if (b < '0' || b > '9') {
                break;
            }
            number = number * 10 + (b - '0');
        }
        return i == 0 ? -1 : number;
    }

    /** How many distinct record numbers arrived. */
    public synchronized int distinct() {
        return arrived.cardinality();
    }

    /** How many messages arrived, duplicates and malformed ones included. */
    public synchronized long messages() {
        return messages;
    }

    /** How many messages did not start with a record number in range. */
    public synchronized long malformed() {
        return malformed;
    }

    /** The lowest record numbers that have not arrived, at most {@code limit} of them. */
    public synchronized String firstMissing(int limit) {
        StringBuilder missing = new StringBuilder("[");
        int found = 0;
        for (int n = arrived.nextClearBit(0); n < expected && found < limit; ) {
            missing.append(found == 0 ? "" : ", ").append(n);
            found++;
            n = arrived.nextClearBit(n + 1);
        }
        return missing.append(']').toString();
    }

    /**
     * Waits until every record number {@code 0 .. expected - 1} has arrived.
     *
     * @throws AssertionError if some have not arrived within {@code deadline}; the message names
     *     the first missing ones
     */
    public void awaitAll(Duration deadline) {
        try {
            Await.value(
                    "all " + expected + " record numbers on '" + subject + "' (distinct arrived)",
                    deadline,
                    this::distinct,
                    n -> n == expected);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; first missing: " + firstMissing(20), e);
        }
    }

    /** Unsubscribes. The connection stays open. Idempotent. */
    @Override
    public synchronized void close() {
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
