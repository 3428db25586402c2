package io.laminar.flink.connector.nats.benchmarks;

import org.apache.flink.table.functions.ScalarFunction;

import java.nio.ByteBuffer;

/** SQL latency helper: a payload of {@code size} bytes starting with the current nanoTime. */
public class StampNow extends ScalarFunction {

    public byte[] eval(Long id, Integer size) {
        return LatencyBenchmark.stamped(size);
    }

    @Override
    public boolean isDeterministic() {
        return false;
    }

    static long stampOf(byte[] payload) {
        return ByteBuffer.wrap(payload).getLong();
    }
}
