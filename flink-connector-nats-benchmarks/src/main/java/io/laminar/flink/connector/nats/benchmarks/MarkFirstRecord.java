package io.laminar.flink.connector.nats.benchmarks;

import org.apache.flink.table.functions.ScalarFunction;

import java.util.Arrays;

/**
 * SQL benchmark helper: notes when the first row is produced and returns a payload of the requested
 * size (the same bytes every time, as the DataStream cases send).
 */
public class MarkFirstRecord extends ScalarFunction {

    private transient byte[] payload;

    public byte[] eval(Long id, Integer size) {
        if (NatsSinkBenchmark.FIRST_RECORD.get() == 0) {
            NatsSinkBenchmark.FIRST_RECORD.compareAndSet(0, System.nanoTime());
        }
        if (payload == null || payload.length != size) {
            payload = new byte[size];
            Arrays.fill(payload, (byte) 'x');
        }
        return payload;
    }
}
