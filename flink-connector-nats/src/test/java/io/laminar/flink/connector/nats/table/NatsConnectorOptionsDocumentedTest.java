package io.laminar.flink.connector.nats.table;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.FallbackKey;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fails when an option of the {@code nats_sink} connector is not documented in {@code docs/sql.md}:
 * every key (and dashed alias) must appear there in backticks, e.g. {@code `subject_field`}.
 */
class NatsConnectorOptionsDocumentedTest {

    private static final Path SQL_DOC =
            Paths.get(System.getProperty("user.dir")).resolve("../docs/sql.md").normalize();

    @Test
    void every_option_key_is_documented() throws IOException {
        assertThat(SQL_DOC).as("the SQL reference page").isRegularFile();
        String doc = new String(Files.readAllBytes(SQL_DOC), StandardCharsets.UTF_8);

        Set<String> keys = new TreeSet<>();
        for (ConfigOption<?> option : declaredOptions()) {
            addKeys(keys, option);
        }
        NatsDynamicTableSinkFactory factory = new NatsDynamicTableSinkFactory();
        factory.requiredOptions().forEach(option -> addKeys(keys, option));
        factory.optionalOptions().forEach(option -> addKeys(keys, option));
        keys.add(NatsConnectorOptions.HEADERS_PREFIX + "<key>");
        keys.add(NatsConnectorOptions.PROPERTIES_PREFIX + "<key>");

        List<String> missing = new ArrayList<>();
        for (String key : keys) {
            if (!doc.contains("`" + key + "`")) {
                missing.add(key);
            }
        }
        assertThat(missing)
                .as(
                        "option keys not documented in %s (each must appear in backticks, e.g."
                                + " in the options table); add them: %s",
                        SQL_DOC, missing)
                .isEmpty();
    }

    @Test
    void options_are_found_by_reflection() {
        // Guards the test above against silently checking nothing.
        assertThat(declaredOptions())
                .extracting(ConfigOption::key)
                .contains("servers", "subject", "subject_field", "sink.delivery-guarantee");
    }

    private static List<ConfigOption<?>> declaredOptions() {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Field field : NatsConnectorOptions.class.getDeclaredFields()) {
            int modifiers = field.getModifiers();
            if (Modifier.isPublic(modifiers)
                    && Modifier.isStatic(modifiers)
                    && ConfigOption.class.isAssignableFrom(field.getType())) {
                try {
                    options.add((ConfigOption<?>) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new AssertionError("Cannot read " + field, e);
                }
            }
        }
        return options;
    }

    private static void addKeys(Set<String> keys, ConfigOption<?> option) {
        keys.add(option.key());
        for (FallbackKey fallback : option.fallbackKeys()) {
            keys.add(fallback.getKey());
        }
    }
}
