package io.laminar.flink.connector.nats.testutils;

import org.apache.flink.api.common.functions.MapFunction;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds a job's records back until the test opens the gate, e.g. until a subscriber is in place or
 * the test has looked at the connections the sink opened. The job and the test share the gate
 * through its name: the MiniCluster runs in the test's JVM.
 *
 * <pre>{@code
 * RecordGate gate = RecordGate.closed("my-test");
 * numbers.map(gate.numbersAsStrings()).sinkTo(sink);   // waits for the gate, then passes through
 * ...
 * gate.open();
 * }</pre>
 */
public final class RecordGate implements AutoCloseable {

    private static final Duration MAX_WAIT = Duration.ofMinutes(2);
    private static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

    private final String name;

    private RecordGate(String name) {
        this.name = name;
    }

    /** A new closed gate named {@code name} (replacing one of that name). */
    public static RecordGate closed(String name) {
        GATES.put(name, new CountDownLatch(1));
        return new RecordGate(name);
    }

    /** Lets the records through. */
    public void open() {
        CountDownLatch latch = GATES.get(name);
        if (latch != null) {
            latch.countDown();
        }
    }

    /** Opens the gate (so a job never waits for a finished test) and forgets it. */
    @Override
    public void close() {
        open();
        GATES.remove(name);
    }

    /** A map that waits for this gate before its first record and turns numbers into strings. */
    public MapFunction<Long, String> numbersAsStrings() {
        return new NumbersAsStrings(name);
    }

    private static final class NumbersAsStrings implements MapFunction<Long, String> {
        private static final long serialVersionUID = 1L;

        private final String gate;
        private transient boolean passed;

        NumbersAsStrings(String gate) {
            this.gate = gate;
        }

        @Override
        public String map(Long value) throws Exception {
            if (!passed) {
                CountDownLatch latch = GATES.get(gate);
                if (latch != null && !latch.await(MAX_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException(
                            "the test never opened the record gate '" + gate + "'");
                }
                passed = true;
            }
            return String.valueOf(value);
        }
    }
}
