package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsSinkBuilder;
import io.laminar.flink.connector.nats.sink.NatsSinkException;

import org.apache.flink.connector.base.sink.writer.Batch;
import org.apache.flink.connector.base.sink.writer.BatchCreator;
import org.apache.flink.connector.base.sink.writer.RequestBuffer;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.connector.base.sink.writer.strategy.BasicRequestInfo;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HeldRecordsTest {

    private final HeldRecords held = new HeldRecords();

    /** {@code payloadBytes} of payload on subject {@code s} (1 byte): sizeInBytes is one more. */
    private static NatsMessage message(int payloadBytes) {
        return NatsMessage.builder("s", new byte[payloadBytes]).build();
    }

    private static RequestEntryWrapper<NatsMessage> entry(NatsMessage message) {
        return new RequestEntryWrapper<>(message, message.sizeInBytes());
    }

    @Test
    void the_buffer_counts_what_is_added_and_polled() {
        RequestBuffer<NatsMessage> buffer = held.buffer();
        NatsMessage first = message(9);
        NatsMessage second = message(19);
        NatsMessage retried = message(29);

        buffer.add(entry(first), false);
        buffer.add(entry(second), false);
        buffer.add(entry(retried), true);

        assertThat(held.bufferedRecords()).isEqualTo(3);
        assertThat(held.bufferedBytes()).isEqualTo(10 + 20 + 30);
        assertThat(buffer.size()).isEqualTo(3);
        assertThat(buffer.totalSizeInBytes()).isEqualTo(60);
        assertThat(buffer.getBufferedState())
                .extracting(RequestEntryWrapper::getRequestEntry)
                .containsExactly(retried, first, second);
        assertThat(buffer.peek().getRequestEntry()).isSameAs(retried);

        assertThat(buffer.poll().getRequestEntry()).isSameAs(retried);
        assertThat(held.bufferedRecords()).isEqualTo(2);
        assertThat(held.bufferedBytes()).isEqualTo(30);
        buffer.poll();
        buffer.poll();
        assertThat(buffer.poll()).isNull();
        assertThat(buffer.isEmpty()).isTrue();
        assertThat(held.bufferedRecords()).isZero();
        assertThat(held.bufferedBytes()).isZero();
    }

    @Test
    void a_batch_is_in_flight_from_submission_until_it_is_settled() {
        RequestBuffer<NatsMessage> buffer = held.buffer();
        for (int i = 0; i < 5; i++) {
            buffer.add(entry(message(99)), false);
        }
        BatchCreator<NatsMessage> creator = held.batchCreator(250, false);

        Batch<NatsMessage> batch = creator.createNextBatch(new BasicRequestInfo(5), buffer);
        assertThat(batch.getRecordCount()).isEqualTo(2);
        RecordingHandler completed = new RecordingHandler();
        ResultHandler<NatsMessage> handler = held.inFlight(batch.getBatchEntries(), completed);
        assertThat(held.inFlightRecords()).isEqualTo(2);
        assertThat(held.inFlightBytes()).isEqualTo(200);
        assertThat(held.bufferedRecords()).isEqualTo(3);

        Batch<NatsMessage> next = creator.createNextBatch(new BasicRequestInfo(5), buffer);
        RecordingHandler retried = new RecordingHandler();
        ResultHandler<NatsMessage> nextHandler = held.inFlight(next.getBatchEntries(), retried);
        assertThat(held.inFlightRecords()).isEqualTo(4);
        assertThat(held.inFlightBytes()).isEqualTo(400);

        handler.complete();
        assertThat(completed.calls).containsExactly("complete");
        assertThat(held.inFlightRecords()).isEqualTo(2);
        assertThat(held.inFlightBytes()).isEqualTo(200);

        List<NatsMessage> back = next.getBatchEntries().subList(1, 2);
        nextHandler.retryForEntries(back);
        assertThat(retried.calls).containsExactly("retry 1");
        assertThat(held.inFlightRecords()).isZero();
        assertThat(held.inFlightBytes()).isZero();
    }

    @Test
    void with_the_order_kept_per_subject_a_batch_ends_before_a_subject_it_already_holds() {
        RequestBuffer<NatsMessage> buffer = held.buffer();
        for (String subject : Arrays.asList("a", "b", "a", "c", "c", "d", "e")) {
            buffer.add(entry(NatsMessage.builder(subject, new byte[10]).build()), false);
        }
        BatchCreator<NatsMessage> creator = held.batchCreator(1_000, true);

        assertThat(subjects(creator.createNextBatch(new BasicRequestInfo(10), buffer)))
                .containsExactly("a", "b");
        assertThat(subjects(creator.createNextBatch(new BasicRequestInfo(10), buffer)))
                .containsExactly("a", "c");
        // The record limit and the byte limit still apply.
        assertThat(subjects(creator.createNextBatch(new BasicRequestInfo(1), buffer)))
                .containsExactly("c");
        assertThat(
                        subjects(
                                held.batchCreator(2 * buffer.peek().getSize() - 1, true)
                                        .createNextBatch(new BasicRequestInfo(10), buffer)))
                .containsExactly("d");
        assertThat(subjects(creator.createNextBatch(new BasicRequestInfo(10), buffer)))
                .containsExactly("e");
        assertThat(buffer.isEmpty()).isTrue();
    }

    private static List<String> subjects(Batch<NatsMessage> batch) {
        List<String> subjects = new ArrayList<>();
        for (NatsMessage message : batch.getBatchEntries()) {
            subjects.add(message.getSubject());
        }
        return subjects;
    }

    @Test
    void a_failed_batch_is_no_longer_in_flight_and_a_second_settlement_is_not_counted_again() {
        List<NatsMessage> batch = Arrays.asList(message(9), message(9), message(9));
        RecordingHandler failed = new RecordingHandler();
        ResultHandler<NatsMessage> handler = held.inFlight(batch, failed);
        // Not a batch the creator made: its size is summed instead.
        assertThat(held.inFlightRecords()).isEqualTo(3);
        assertThat(held.inFlightBytes()).isEqualTo(30);

        handler.completeExceptionally(new NatsSinkException("no"));
        handler.complete();
        assertThat(failed.calls).containsExactly("fail no", "complete");
        assertThat(held.inFlightRecords()).isZero();
        assertThat(held.inFlightBytes()).isZero();
    }

    @Test
    void the_limits_follow_from_the_writer_settings() {
        AsyncSinkWriterConfiguration config =
                AsyncSinkWriterConfiguration.builder()
                        .setMaxBatchSize(100)
                        .setMaxBatchSizeInBytes(128 * 1024)
                        .setMaxInFlightRequests(4)
                        .setMaxBufferedRequests(1000)
                        .setMaxTimeInBufferMS(50)
                        .setMaxRecordSizeInBytes(2 * 1024)
                        .build();
        assertThat(HeldRecords.limits(config))
                .isEqualTo(
                        "at most 1400 records buffered or in flight (1000 buffered before writes"
                                + " block, plus 4 batches of 100 in flight), records of at most"
                                + " 2048 bytes, at most 524288 bytes in flight");
    }

    @Test
    void the_default_limits() {
        AsyncSinkWriterConfiguration config =
                AsyncSinkWriterConfiguration.builder()
                        .setMaxBatchSize(NatsSinkBuilder.DEFAULT_MAX_BATCH_SIZE)
                        .setMaxBatchSizeInBytes(NatsSinkBuilder.DEFAULT_MAX_BATCH_SIZE_IN_BYTES)
                        .setMaxInFlightRequests(NatsSinkBuilder.DEFAULT_MAX_IN_FLIGHT_REQUESTS)
                        .setMaxBufferedRequests(NatsSinkBuilder.DEFAULT_MAX_BUFFERED_REQUESTS)
                        .setMaxTimeInBufferMS(NatsSinkBuilder.DEFAULT_MAX_TIME_IN_BUFFER_MS)
                        .setMaxRecordSizeInBytes(NatsSinkBuilder.DEFAULT_MAX_RECORD_SIZE_IN_BYTES)
                        .build();
        assertThat(HeldRecords.limits(config))
                .isEqualTo(
                        "at most 36000 records buffered or in flight (20000 buffered before"
                                + " writes block, plus 16 batches of 1000 in flight), records of"
                                + " at most 8388608 bytes, at most 134217728 bytes in flight");
    }

    /** Records what the publisher reported, as Flink's handler would receive it. */
    private static final class RecordingHandler implements ResultHandler<NatsMessage> {
        final List<String> calls = new ArrayList<>();

        @Override
        public void complete() {
            calls.add("complete");
        }

        @Override
        public void completeExceptionally(Exception e) {
            calls.add("fail " + e.getMessage());
        }

        @Override
        public void retryForEntries(List<NatsMessage> requestEntriesToRetry) {
            calls.add("retry " + requestEntriesToRetry.size());
        }
    }
}
