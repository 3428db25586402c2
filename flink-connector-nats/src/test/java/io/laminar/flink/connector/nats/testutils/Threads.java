package io.laminar.flink.connector.nats.testutils;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM's live threads, for tests that must act while a thread of the code under test waits at a
 * known point (e.g. a sink's confirmer waiting for its turn on a shared connection). Wait for such
 * a state with {@link Await}; never with a sleep.
 *
 * <pre>{@code
 * Thread confirmer = Await.value("the confirmer", DEADLINE, () -> Threads.named("nats-sink-", "(1/2)"),
 *         threads -> threads.size() == 1).get(0);
 * Await.until("it waits for its turn", DEADLINE, () -> confirmer.getState() == Thread.State.BLOCKED);
 * }</pre>
 */
public final class Threads {

    private Threads() {}

    /** The live threads whose names contain every one of {@code parts}. */
    public static List<Thread> named(String... parts) {
        List<Thread> found = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            String name = thread.getName();
            if (thread.isAlive() && Arrays.stream(parts).allMatch(name::contains)) {
                found.add(thread);
            }
        }
        return found;
    }

    /** True while {@code method} of class {@code className} is on {@code thread}'s stack. */
    public static boolean isInside(Thread thread, String className, String method) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals(className) && frame.getMethodName().equals(method)) {
                return true;
            }
        }
        return false;
    }
}
