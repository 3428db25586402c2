package io.laminar.flink.connector.nats.connection;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${NAME}} references in option values, resolved from the environment of the process that
 * connects (the TaskManager), so that secrets never enter a job graph, a compiled plan or {@code
 * EXPLAIN} output. {@code $${} writes a literal {@code ${}.
 *
 * <p>An instance reads only the variables its allow-list names (names, or globs with {@code *}):
 * whoever may write a sink's options must not be able to send any variable of the TaskManager to
 * a server of their choosing. The allow-list comes from whoever runs the process (a cluster
 * operator); this class is told where it was set, to name it in errors.
 */
@Internal
public final class EnvironmentReferences {

    private static final Pattern REFERENCE = Pattern.compile("\\$?\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private static final Pattern ALLOWED_ENTRY = Pattern.compile("[A-Za-z0-9_*]+");

    /**
     * The settings whose values may hold references: those that carry secrets, paths or servers.
     * Every other setting refuses them, so that a variable never lands in a connection name, a
     * subject, a header or the logs.
     */
    static final String REFERENCE_SETTINGS =
            "'servers', 'userInfo', 'token', 'credentialsFile', 'credentials', 'nkeySeedFile',"
                    + " 'nkeySeed', 'jwt' and the TLS paths and passwords ('trustStorePath', 'trustStorePassword', 'keyStorePath',"
                    + " 'keyStorePassword', 'caCertFile', 'certFile', 'keyFile')";

    private static volatile UnaryOperator<String> environment = System::getenv;

    private final String allowed;
    private final List<Pattern> allowedPatterns;
    private final String allowedWhere;

    private EnvironmentReferences(String allowed, List<Pattern> patterns, String allowedWhere) {
        this.allowed = allowed;
        this.allowedPatterns = patterns;
        this.allowedWhere = allowedWhere;
    }

    /**
     * References that may read the variables {@code allowList} names.
     *
     * @param allowList names and {@code *} globs, separated by commas or semicolons, optionally as
     *     a YAML or JSON list ({@code [NATS_*, 'MY_SECRET']}); empty allows none
     * @param allowedWhere where the list was set, quoted in errors, e.g. a configuration key
     * @throws IllegalArgumentException naming {@code allowedWhere} for an entry that is neither a
     *     variable name nor a glob
     */
    public static EnvironmentReferences allowing(String allowList, String allowedWhere) {
        String list = allowList == null ? "" : allowList.trim();
        if (list.startsWith("[") && list.endsWith("]")) {
            list = list.substring(1, list.length() - 1);
        }
        List<String> entries = new ArrayList<>();
        List<Pattern> patterns = new ArrayList<>();
        for (String part : list.split("[,;]")) {
            String entry = part.trim();
            if (entry.length() >= 2
                    && (entry.startsWith("'") && entry.endsWith("'")
                            || entry.startsWith("\"") && entry.endsWith("\""))) {
                entry = entry.substring(1, entry.length() - 1).trim();
            }
            if (entry.isEmpty()) {
                continue;
            }
            if (!ALLOWED_ENTRY.matcher(entry).matches()) {
                throw new IllegalArgumentException(
                        allowedWhere
                                + ": '"
                                + entry
                                + "' is neither an environment variable name nor a glob such as"
                                + " NATS_*; use letters, digits, '_' and '*', separated by commas.");
            }
            entries.add(entry);
            patterns.add(Pattern.compile(entry.replace("*", ".*")));
        }
        return new EnvironmentReferences(
                String.join(", ", entries), Collections.unmodifiableList(patterns), allowedWhere);
    }

    /** Whether {@code value} contains a {@code ${NAME}} reference. */
    public static boolean contains(String value) {
        return firstReference(value) != null;
    }

    /** The first {@code ${NAME}} reference in {@code value}, or null. */
    private static String firstReference(String value) {
        if (value == null || !value.contains("${")) {
            return null;
        }
        Matcher m = REFERENCE.matcher(value);
        while (m.find()) {
            if (!m.group().startsWith("$$")) {
                return m.group();
            }
        }
        return null;
    }

    /**
     * Checks that {@code value}, of a setting that takes no references, holds none: a {@code
     * ${NAME}} there is refused rather than sent as text, because it was once resolved and a user
     * may still expect it to be.
     *
     * @throws IllegalArgumentException naming the setting, the reference and the settings that take
     *     references (never a variable's value: none is read)
     */
    public static void requireNone(String value, String setting) {
        String reference = firstReference(value);
        if (reference != null) {
            throw new IllegalArgumentException(
                    "'"
                            + setting
                            + "' holds the reference "
                            + reference
                            + ", but ${NAME} references are resolved only in the settings that"
                            + " carry secrets, paths or servers: "
                            + REFERENCE_SETTINGS
                            + ". Give the value directly, or write $${ for a literal ${.");
        }
    }

    /** {@code value} with every {@code $${} written as {@code ${}, for a setting without references. */
    public static String unescape(String value) {
        if (value == null || !value.contains("$${")) {
            return value;
        }
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            if (m.group().startsWith("$$")) {
                out.append(value, last, m.start()).append(m.group().substring(1));
                last = m.end();
            }
        }
        out.append(value, last, value.length());
        return out.toString();
    }

    /**
     * {@code value} with every {@code ${NAME}} replaced by the environment variable's value. A
     * variable the allow-list does not name is not read.
     *
     * @param option the option the value belongs to, named in errors
     * @throws IllegalArgumentException when a referenced variable is not allowed or not set
     */
    public String resolve(String value, String option) {
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
                out.append(read(m.group(1), option));
            }
            last = m.end();
        }
        out.append(value, last, value.length());
        return out.toString();
    }

    private String read(String name, String option) {
        if (allowedPatterns.stream().noneMatch(p -> p.matcher(name).matches())) {
            throw new IllegalArgumentException(
                    "Option '"
                            + option
                            + "' refers to the environment variable "
                            + name
                            + ", which references may not read here: "
                            + allowedWhere
                            + " allows "
                            + (allowed.isEmpty() ? "none" : "only " + allowed)
                            + ". A cluster operator may add the variable (or a glob such as"
                            + " NAME_*) there; otherwise give the value without a reference.");
        }
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
        return resolved;
    }

    /** The allowed names and globs, comma-separated; for messages. */
    public String allowed() {
        return allowed;
    }

    @Override
    public String toString() {
        return "EnvironmentReferences{allowed=[" + allowed + "] by " + allowedWhere + "}";
    }

    /** Replaces the environment lookup; for tests only. */
    static void useEnvironment(UnaryOperator<String> lookup) {
        environment = lookup;
    }
}
