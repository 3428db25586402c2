package io.laminar.flink.connector.nats.connection;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The jnats {@code Options} properties passed through the {@code properties} setting: how their
 * keys reach jnats, and which ones are refused because with them jnats can lose records without the
 * sink noticing.
 *
 * <p>Refused, with the reason from jnats' source (2.26):
 *
 * <ul>
 *   <li>{@code outgoingqueue.discardwhenfull} = {@code true}: a publish that finds the outgoing
 *       queue full is dropped, without an exception, only reported to {@code
 *       ErrorListener.messageDiscarded}; the PING a confirmation sends is exempt, so the round trip
 *       after the dropped records still succeeds and a checkpoint would complete without them.
 *   <li>{@code statisticscollector}: the sink confirms and replays records by the connection's
 *       statistics (its flush, reconnect and server-error counters); a collector of the user's
 *       choosing replaces jnats' own, and one that counts differently could make records the server
 *       never took look confirmed.
 * </ul>
 *
 * No jnats property reorders publishes on a connection: jnats sends them in the order they were
 * made, through one queue and one writer thread, also across a reconnect.
 */
final class JnatsProperties {

    /**
     * jnats reads property keys with or without this prefix. It is built at run time, because the
     * shaded SQL jar relocates the package name inside string constants too, and a long key would
     * then match nothing.
     */
    private static final String PREFIX = String.join(".", "io", "nats", "client") + ".";

    private JnatsProperties() {}

    /** The properties for jnats' {@code Options.Builder}, keys without the prefix. */
    static Properties toJnats(Map<String, String> properties) {
        Properties props = new Properties();
        properties.forEach((k, v) -> props.put(shortKey(k), v));
        return props;
    }

    /**
     * Throws {@link IllegalArgumentException} naming the first property that lets jnats lose
     * records, as {@code 'properties.<key>'} with the key as written.
     */
    static void refuseUnsafe(Map<String, String> properties) {
        properties.forEach(JnatsProperties::refuseUnsafe);
    }

    private static void refuseUnsafe(String key, String value) {
        // jnats ignores an empty value.
        if (value == null || value.isEmpty()) {
            return;
        }
        String name = shortKey(key).trim().toLowerCase(Locale.ROOT);
        String problem;
        if (name.equals("outgoingqueue.discardwhenfull")) {
            if (EnvironmentReferences.contains(value)) {
                problem =
                        " cannot be checked before the job runs: a reference could turn on"
                                + " discarding. Write 'false' or remove it.";
            } else if (Boolean.parseBoolean(value.trim())) {
                problem =
                        " is refused: with it jnats drops a publish when its outgoing queue is"
                                + " full, without an error, while the confirmation round trip"
                                + " still succeeds, so a checkpoint could complete without the"
                                + " dropped records. Remove it; without it a full queue holds"
                                + " the publish back and the sink retries it.";
            } else {
                return;
            }
        } else if (name.equals("statisticscollector")) {
            problem =
                    " is refused: the sink confirms records by the connection's statistics"
                            + " (flush, reconnect and server-error counters), and a collector"
                            + " that counts differently could make records the server never"
                            + " took look confirmed. Remove it; the sink's metrics report"
                            + " publishing.";
        } else {
            return;
        }
        throw new IllegalArgumentException("'properties." + key + "' = '" + value + "'" + problem);
    }

    private static String shortKey(String key) {
        return key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
    }
}
