package io.laminar.flink.connector.nats.table;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Named connections: the options of {@code 'connection' = 'name'} come from Flink configuration
 * keys {@code nats.connection.<name>.<option>} (cluster {@code config.yaml}, {@code SET} in the SQL
 * client, {@code -D}); the table's own options override them.
 */
@Internal
final class NamedConnections {

    private NamedConnections() {}

    /**
     * The table options with the named connection's options underneath. Without a {@code
     * connection} option, the table options as they are.
     *
     * @param allowedKeys option keys a named connection may set (prefix keys end with '.')
     */
    static Map<String, String> merge(
            Map<String, String> tableOptions,
            ReadableConfig flinkConfiguration,
            List<ConfigOption<?>> connectionOptions,
            String passThroughPrefix) {
        Set<String> allowedKeys = new TreeSet<>();
        for (ConfigOption<?> option : connectionOptions) {
            allowedKeys.addAll(keysOf(option));
        }
        allowedKeys.add(passThroughPrefix);
        String name = tableOptions.get(NatsConnectorOptions.CONNECTION.key());
        if (name == null) {
            return tableOptions;
        }
        Map<String, String> all = flinkConfiguration.toMap();
        String prefix = NatsConnectorOptions.NAMED_CONNECTION_PREFIX + name + ".";
        Map<String, String> merged = new HashMap<>();
        for (Map.Entry<String, String> e : all.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                String option = e.getKey().substring(prefix.length());
                if (!isAllowed(option, allowedKeys)) {
                    throw new ValidationException(
                            "Named connection '"
                                    + name
                                    + "' sets the unsupported option '"
                                    + option
                                    + "' (key '"
                                    + e.getKey()
                                    + "'). A named connection may set: "
                                    + new TreeSet<>(allowedKeys)
                                    + ".");
                }
                merged.put(option, e.getValue());
            }
        }
        if (merged.isEmpty()) {
            Set<String> defined = definedNames(all);
            throw new ValidationException(
                    "Option 'connection' names the connection '"
                            + name
                            + "', which is not defined. Define it with Flink configuration keys '"
                            + prefix
                            + "<option>' (config.yaml, or SET in the SQL client). Defined"
                            + " connections: "
                            + (defined.isEmpty() ? "none" : defined)
                            + ".");
        }
        // A table option overrides the profile under any of its spellings (key or alias).
        for (ConfigOption<?> option : connectionOptions) {
            List<String> keys = keysOf(option);
            if (keys.stream().anyMatch(tableOptions::containsKey)) {
                keys.forEach(merged::remove);
            }
        }
        merged.putAll(tableOptions);
        return merged;
    }

    private static List<String> keysOf(ConfigOption<?> option) {
        List<String> keys = new ArrayList<>();
        keys.add(option.key());
        option.fallbackKeys().forEach(k -> keys.add(k.getKey()));
        return keys;
    }

    private static boolean isAllowed(String option, Set<String> allowedKeys) {
        if (allowedKeys.contains(option)) {
            return true;
        }
        for (String key : allowedKeys) {
            if (key.endsWith(".") && option.startsWith(key) && option.length() > key.length()) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> definedNames(Map<String, String> configuration) {
        Set<String> names = new TreeSet<>();
        for (String key : configuration.keySet()) {
            if (key.startsWith(NatsConnectorOptions.NAMED_CONNECTION_PREFIX)) {
                String rest = key.substring(NatsConnectorOptions.NAMED_CONNECTION_PREFIX.length());
                int dot = rest.indexOf('.');
                if (dot > 0) {
                    names.add(rest.substring(0, dot));
                }
            }
        }
        return names;
    }
}
