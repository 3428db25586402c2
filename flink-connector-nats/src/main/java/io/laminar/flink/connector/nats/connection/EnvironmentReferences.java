package io.laminar.flink.connector.nats.connection;

import org.apache.flink.annotation.Internal;

import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${NAME}} references in option values, resolved from the environment of the process that
 * connects (the TaskManager), so that secrets never enter a job graph, a compiled plan or {@code
 * EXPLAIN} output. {@code $${} writes a literal {@code ${}.
 */
@Internal
public final class EnvironmentReferences {

    private static final Pattern REFERENCE = Pattern.compile("\\$?\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private static volatile UnaryOperator<String> environment = System::getenv;

    private EnvironmentReferences() {}

    /** Whether {@code value} contains a {@code ${NAME}} reference. */
    public static boolean contains(String value) {
        if (value == null || !value.contains("${")) {
            return false;
        }
        Matcher m = REFERENCE.matcher(value);
        while (m.find()) {
            if (!m.group().startsWith("$$")) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code value} with every {@code ${NAME}} replaced by the environment variable's value.
     *
     * @param option the option the value belongs to, named in the error for an unset variable
     * @throws IllegalArgumentException when a referenced variable is not set
     */
    public static String resolve(String value, String option) {
        if (value == null || !value.contains("${")) {
            return value;
        }
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            out.append(value, last, m.start());
            if (m.group().startsWith("$$")) {
                out.append(m.group().substring(1));
            } else {
                String name = m.group(1);
                String resolved = environment.apply(name);
                if (resolved == null) {
                    throw new IllegalArgumentException(
                            "Option '"
                                    + option
                                    + "' refers to the environment variable "
                                    + name
                                    + ", which is not set in this process (the TaskManager that"
                                    + " connects). Set it there, or give the value directly.");
                }
                out.append(resolved);
            }
            last = m.end();
        }
        out.append(value, last, value.length());
        return out.toString();
    }

    /** Replaces the environment lookup; for tests only. */
    static void useEnvironment(UnaryOperator<String> lookup) {
        environment = lookup;
    }
}
