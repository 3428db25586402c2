package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.NatsMessage;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.sink.writer.Batch;
import org.apache.flink.connector.base.sink.writer.BatchCreator;
import org.apache.flink.connector.base.sink.writer.DequeRequestBuffer;
import org.apache.flink.connector.base.sink.writer.RequestBuffer;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.connector.base.sink.writer.SimpleBatchCreator;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one writer holds, counted so that gauges can read it from any thread: the records waiting in
 * {@code AsyncSinkWriter}'s buffer, and the records handed to the publisher and not yet settled
 * (confirmed, handed back for retry, or failed). Sizes are {@link NatsMessage#sizeInBytes()}, the
 * measure Flink's byte limits and {@code numBytesOut} use.
 *
 * <p>The buffer is only touched on the task thread, so its counts are kept with opaque stores, as
 * cheap as plain ones, per add and poll. In-flight counts change once per batch, on the task thread
 * and on the publisher's threads, so they are atomic additions.
 *
 * <p>What Flink's {@code AsyncSinkWriter} guarantees, with M = maxBufferedRequests, R =
 * maxInFlightRequests, S = maxBatchSize, Bb = maxBatchSizeInBytes, Br = maxRecordSizeInBytes: a
 * write blocks while the buffer holds M records; at most R batches of at most S records and Bb
 * bytes are in flight; a record above Br fails; entries handed back for retry go to the front of
 * the buffer without waiting. So at any time buffered + in flight &le; M + R &times; S records, in
 * flight &le; R &times; min(Bb, S &times; Br) bytes, and the buffer holds at most M + R &times; S
 * records (more than M only right after retries).
 */
@Internal
final class HeldRecords {

    private final AtomicLong inFlightRecords = new AtomicLong();
    private final AtomicLong inFlightBytes = new AtomicLong();
    private final CountedBuffer buffer = new CountedBuffer();

    /** The batch created last; only the task thread reads and writes it. */
    private Batch<NatsMessage> lastBatch;

    /** The buffer to give {@code AsyncSinkWriter}. */
    RequestBuffer<NatsMessage> buffer() {
        return buffer;
    }

    /**
     * Flink's batch creator, remembering each batch's size in bytes, which {@link #inFlight} then
     * takes without walking the batch again. With {@code onePerSubject} a batch ends before the
     * first record whose subject it already holds, so that (with one batch in flight) no record is
     * published before the earlier records of its subject were confirmed.
     */
    BatchCreator<NatsMessage> batchCreator(long maxBatchSizeInBytes, boolean onePerSubject) {
        BatchCreator<NatsMessage> creator =
                onePerSubject
                        ? (requestInfo, entries) ->
                                onePerSubject(requestInfo.getBatchSize(), maxBatchSizeInBytes)
                        : new SimpleBatchCreator<>(maxBatchSizeInBytes);
        return (requestInfo, entries) -> {
            Batch<NatsMessage> batch = creator.createNextBatch(requestInfo, entries);
            lastBatch = batch;
            return batch;
        };
    }

    /** Up to {@code maxRecords} records from the head of the buffer, no two for one subject. */
    private Batch<NatsMessage> onePerSubject(int maxRecords, long maxBytes) {
        List<NatsMessage> batch = new ArrayList<>();
        Set<String> subjects = new HashSet<>();
        long bytes = 0;
        while (batch.size() < maxRecords && !buffer.isEmpty()) {
            RequestEntryWrapper<NatsMessage> next = buffer.peek();
            if (bytes + next.getSize() > maxBytes
                    || !subjects.add(next.getRequestEntry().getSubject())) {
                break;
            }
            buffer.poll();
            batch.add(next.getRequestEntry());
            bytes += next.getSize();
        }
        return new Batch<>(batch, bytes);
    }

    /**
     * Counts {@code batch} as in flight until the publisher settles it through the returned
     * handler. Called on the task thread.
     */
    ResultHandler<NatsMessage> inFlight(
            List<NatsMessage> batch, ResultHandler<NatsMessage> result) {
        Batch<NatsMessage> created = lastBatch;
        lastBatch = null;
        long bytes =
                created != null && created.getBatchEntries() == batch
                        ? created.getSizeInBytes()
                        : sizeInBytes(batch);
        inFlightRecords.addAndGet(batch.size());
        inFlightBytes.addAndGet(bytes);
        return new InFlightBatch(result, batch.size(), bytes);
    }

    private static long sizeInBytes(List<NatsMessage> batch) {
        long bytes = 0;
        for (NatsMessage message : batch) {
            bytes += message.sizeInBytes();
        }
        return bytes;
    }

    long bufferedRecords() {
        return buffer.records();
    }

    long bufferedBytes() {
        return buffer.bytes();
    }

    long inFlightRecords() {
        return inFlightRecords.get();
    }

    long inFlightBytes() {
        return inFlightBytes.get();
    }

    /** The most a writer with {@code config} holds, as the guarantee above spells it out. */
    static String limits(AsyncSinkWriterConfiguration config) {
        long inFlightRecords = (long) config.getMaxInFlightRequests() * config.getMaxBatchSize();
        long batchBytes =
                Math.min(
                        config.getMaxBatchSizeInBytes(),
                        multiplyCapped(config.getMaxBatchSize(), config.getMaxRecordSizeInBytes()));
        return "at most "
                + (config.getMaxBufferedRequests() + inFlightRecords)
                + " records buffered or in flight ("
                + config.getMaxBufferedRequests()
                + " buffered before writes block, plus "
                + config.getMaxInFlightRequests()
                + " batches of "
                + config.getMaxBatchSize()
                + " in flight), records of at most "
                + config.getMaxRecordSizeInBytes()
                + " bytes, at most "
                + multiplyCapped(config.getMaxInFlightRequests(), batchBytes)
                + " bytes in flight";
    }

    private static long multiplyCapped(long a, long b) {
        long product = a * b;
        return b != 0 && product / b != a ? Long.MAX_VALUE : product;
    }

    /** Flink's deque buffer, with counts other threads can read. */
    private static final class CountedBuffer implements RequestBuffer<NatsMessage> {
        private static final VarHandle RECORDS;
        private static final VarHandle BYTES;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                RECORDS = lookup.findVarHandle(CountedBuffer.class, "records", long.class);
                BYTES = lookup.findVarHandle(CountedBuffer.class, "bytes", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final DequeRequestBuffer<NatsMessage> entries = new DequeRequestBuffer<>();

        // Written only on the task thread, read by gauges on any thread: opaque stores cost what
        // plain ones do, but are never torn and are eventually seen.
        private long records;
        private long bytes;

        @Override
        public void add(RequestEntryWrapper<NatsMessage> entry, boolean prioritize) {
            entries.add(entry, prioritize);
            RECORDS.setOpaque(this, records + 1);
            BYTES.setOpaque(this, bytes + entry.getSize());
        }

        @Override
        public RequestEntryWrapper<NatsMessage> poll() {
            RequestEntryWrapper<NatsMessage> entry = entries.poll();
            if (entry != null) {
                RECORDS.setOpaque(this, records - 1);
                BYTES.setOpaque(this, bytes - entry.getSize());
            }
            return entry;
        }

        long records() {
            return (long) RECORDS.getOpaque(this);
        }

        long bytes() {
            return (long) BYTES.getOpaque(this);
        }

        @Override
        public RequestEntryWrapper<NatsMessage> peek() {
            return entries.peek();
        }

        @Override
        public boolean isEmpty() {
            return entries.isEmpty();
        }

        @Override
        public int size() {
            return entries.size();
        }

        @Override
        public Collection<RequestEntryWrapper<NatsMessage>> getBufferedState() {
            return entries.getBufferedState();
        }

        @Override
        public long totalSizeInBytes() {
            return entries.totalSizeInBytes();
        }
    }

    /** Uncounts its batch the first time the publisher settles it, whichever way. */
    private final class InFlightBatch implements ResultHandler<NatsMessage> {
        private final ResultHandler<NatsMessage> result;
        private final int records;
        private final long bytes;
        private final AtomicBoolean settled = new AtomicBoolean();

        InFlightBatch(ResultHandler<NatsMessage> result, int records, long bytes) {
            this.result = result;
            this.records = records;
            this.bytes = bytes;
        }

        private void settle() {
            if (settled.compareAndSet(false, true)) {
                inFlightRecords.addAndGet(-records);
                inFlightBytes.addAndGet(-bytes);
            }
        }

        @Override
        public void complete() {
            settle();
            result.complete();
        }

        @Override
        public void completeExceptionally(Exception e) {
            settle();
            result.completeExceptionally(e);
        }

        @Override
        public void retryForEntries(List<NatsMessage> requestEntriesToRetry) {
            settle();
            result.retryForEntries(requestEntriesToRetry);
        }
    }
}
