package io.laminar.flink.connector.nats.connection;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;

/**
 * The jnats {@code Options} properties passed through the {@code properties} setting: how their
 * keys reach jnats, and which values are refused, each for a reason found in jnats' source (2.26):
 * those with which jnats can drop records without the sink noticing ({@code
 * outgoingqueue.discardwhenfull}, {@code statisticscollector}), and those that turn a record the
 * server can never take into a batch republished forever instead of a failure naming it ({@code
 * clientsidelimitchecks}, {@code noheaders}, {@code nonoresponders}).
 *
 * <p>No jnats property reorders publishes on a connection: jnats sends them in the order they were
 * made, through one queue and one writer thread, also across a reconnect.
 */
final class JnatsProperties {

    /**
     * jnats reads property keys with or without this prefix. It is built at run time, because the
     * shaded SQL jar relocates the package name inside string constants too, and a long key would
     * then match nothing.
     */
    private static final String PREFIX = String.join(".", "io", "nats", "client") + ".";

    /** The refused properties by their key without prefix, in lower case. */
    private static final Map<String, Rule> RULES = new HashMap<>();

    static {
        RULES.put(
                "outgoingqueue.discardwhenfull",
                new Rule(
                        JnatsProperties::turnsOn,
                        "with it jnats drops a publish when its outgoing queue is full, without"
                                + " an error, while the confirmation round trip still succeeds,"
                                + " so a checkpoint could complete without the dropped records."
                                + " Remove it; without it a full queue holds the publish back and"
                                + " the sink retries it."));
        RULES.put(
                "statisticscollector",
                new Rule(
                        null,
                        "the sink confirms records by the connection's statistics (flush,"
                                + " reconnect and server-error counters), and a collector that"
                                + " counts differently could make records the server never took"
                                + " look confirmed. Remove it; the sink's metrics report"
                                + " publishing."));
        RULES.put(
                "clientsidelimitchecks",
                new Rule(
                        // jnats turns the checks off for any value but "true".
                        value -> !Boolean.parseBoolean(value),
                        "it turns off jnats' check of each message against the server's"
                                + " max_payload, by which the sink fails the job (or dead-letters"
                                + " the record) naming the record; the server would close the"
                                + " connection at an oversized record instead, and the sink would"
                                + " republish its batch forever. Remove it."));
        RULES.put(
                "noheaders",
                new Rule(
                        JnatsProperties::turnsOn,
                        "the sink sends headers (header columns and options, message ids), and"
                                + " a server refuses a connection without headers or closes it at"
                                + " the first record with headers, after which the sink would"
                                + " republish its batch forever. Remove it."));
        RULES.put(
                "nonoresponders",
                new Rule(
                        JnatsProperties::turnsOn,
                        "without the server's no-responders answer a JetStream publish to a"
                                + " subject no stream captures times out and is retried forever,"
                                + " instead of failing the job naming the subject. Remove it."));
    }

    private JnatsProperties() {}

    /** The properties for jnats' {@code Options.Builder}, keys without the prefix. */
    static Properties toJnats(Map<String, String> properties) {
        Properties props = new Properties();
        properties.forEach((k, v) -> props.put(shortKey(k), v));
        return props;
    }

    /**
     * Throws {@link IllegalArgumentException} naming the first property that lets jnats lose
     * records or republish them forever, as {@code 'properties.<key>'} with the key as written.
     */
    static void refuseUnsafe(Map<String, String> properties) {
        properties.forEach(JnatsProperties::refuseUnsafe);
    }

    private static void refuseUnsafe(String key, String value) {
        // jnats ignores an empty value.
        if (value == null || value.isEmpty()) {
            return;
        }
        Rule rule = RULES.get(shortKey(key).trim().toLowerCase(Locale.ROOT));
        if (rule == null) {
            return;
        }
        String refused = "'properties." + key + "' = '" + value + "'";
        if (rule.unsafe == null || rule.unsafe.test(value)) {
            throw new IllegalArgumentException(refused + " is refused: " + rule.why);
        }
    }

    /** Which values of a property are refused, and why. */
    private static final class Rule {
        /** The refused values; null when every value is. */
        final Predicate<String> unsafe;

        final String why;

        Rule(Predicate<String> unsafe, String why) {
            this.unsafe = unsafe;
            this.why = why;
        }
    }

    /**
     * Whether jnats may read {@code value} as true: it uses {@code Boolean.parseBoolean} untrimmed,
     * so trimming here refuses a little more than jnats turns on.
     */
    private static boolean turnsOn(String value) {
        return Boolean.parseBoolean(value.trim());
    }

    /** A property key without jnats' optional {@code io.nats.client.} prefix. */
    static String shortKey(String key) {
        return key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
    }
}
