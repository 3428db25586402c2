package io.laminar.flink.connector.nats.testutils;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Polling helper for tests. This is the single place where test code is allowed to wait: it polls a
 * condition every {@value #POLL_INTERVAL_MILLIS} ms until it holds or a deadline expires.
 *
 * <p>Exceptions thrown by the condition or supplier are not swallowed; they propagate to the caller
 * immediately.
 */
public final class Await {

    /** Interval between two evaluations of the condition. */
    public static final long POLL_INTERVAL_MILLIS = 20;

    private Await() {}

    /**
     * Polls {@code condition} until it returns {@code true}.
     *
     * @param description what is being waited for, used in the failure message
     * @param deadline maximum time to wait
     * @param condition condition to poll
     * @throws AssertionError if the condition does not hold within {@code deadline}
     */
    public static void until(String description, Duration deadline, BooleanSupplier condition) {
        Objects.requireNonNull(condition, "condition");
        poll(description, deadline, condition::getAsBoolean, Boolean::booleanValue, false);
    }

    /**
     * Polls {@code supplier} until {@code done} accepts the supplied value, and returns that value.
     *
     * @param description what is being waited for, used in the failure message
     * @param deadline maximum time to wait
     * @param supplier produces the value to test; called once per poll
     * @param done decides whether the value is final
     * @return the last supplied value, which satisfies {@code done}
     * @throws AssertionError if no accepted value is produced within {@code deadline}; the message
     *     includes the last value seen
     */
    public static <T> T value(
            String description,
            Duration deadline,
            Supplier<T> supplier,
            Predicate<? super T> done) {
        return poll(description, deadline, supplier, done, true);
    }

    private static <T> T poll(
            String description,
            Duration deadline,
            Supplier<T> supplier,
            Predicate<? super T> done,
            boolean reportValue) {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(supplier, "supplier");
        Objects.requireNonNull(done, "done");
        final long deadlineNanos = System.nanoTime() + deadline.toNanos();
        while (true) {
            T value = supplier.get();
            if (done.test(value)) {
                return value;
            }
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                throw new AssertionError(
                        "Timed out after "
                                + format(deadline)
                                + " waiting for: "
                                + description
                                + (reportValue ? " (last value: " + value + ")" : ""));
            }
            LockSupport.parkNanos(
                    Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(POLL_INTERVAL_MILLIS)));
            if (Thread.currentThread().isInterrupted()) {
                throw new AssertionError("Interrupted while waiting for: " + description);
            }
        }
    }

    static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 1000 == 0) {
            return (millis / 1000) + " s";
        }
        return millis + " ms";
    }
}
