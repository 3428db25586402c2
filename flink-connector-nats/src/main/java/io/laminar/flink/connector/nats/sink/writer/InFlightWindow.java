package io.laminar.flink.connector.nats.sink.writer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.sink.writer.strategy.RateLimitingStrategy;
import org.apache.flink.connector.base.sink.writer.strategy.RequestInfo;
import org.apache.flink.connector.base.sink.writer.strategy.ResultInfo;

import java.util.function.LongSupplier;

/**
 * How many batches a writer keeps in flight, and when it sends one. A fixed window of {@code
 * maxInFlightRequests} batches: Flink's default starts at one batch and grows by ten records per
 * completed request (congestion control for services that throttle); NATS gives no such signal, and
 * the slow start costs a third of the throughput.
 *
 * <p>Batching only under load: while nothing is in flight, whatever is buffered is a batch at once,
 * so a record at a low rate leaves in the time of one publish instead of waiting for the buffer
 * timer (50 ms by default). While batches are in flight, records gather into full batches (or until
 * the timer), and the completion of the last batch sends what gathered meanwhile.
 */
@Internal
final class InFlightWindow implements RateLimitingStrategy {

    private final int maxInFlightRequests;
    private final int maxBatchSize;
    private final LongSupplier buffered;
    private int inFlightRequests;

    /**
     * @param buffered the records waiting in the writer's buffer
     */
    InFlightWindow(int maxInFlightRequests, int maxBatchSize, LongSupplier buffered) {
        this.maxInFlightRequests = maxInFlightRequests;
        this.maxBatchSize = maxBatchSize;
        this.buffered = buffered;
    }

    @Override
    public void registerInFlightRequest(RequestInfo requestInfo) {
        inFlightRequests++;
    }

    @Override
    public void registerCompletedRequest(ResultInfo resultInfo) {
        inFlightRequests = Math.max(0, inFlightRequests - 1);
    }

    @Override
    public boolean shouldBlock(RequestInfo requestInfo) {
        return inFlightRequests >= maxInFlightRequests;
    }

    /** Flink sends a batch once this many records are buffered (capped by the max batch size). */
    @Override
    public int getMaxBatchSize() {
        if (inFlightRequests > 0) {
            return maxBatchSize;
        }
        return (int) Math.max(1, Math.min(maxBatchSize, buffered.getAsLong()));
    }
}
