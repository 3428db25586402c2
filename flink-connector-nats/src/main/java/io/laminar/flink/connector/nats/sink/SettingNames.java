package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.Internal;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the user named the settings that error messages quote. Messages quote a setting by its
 * builder name ({@code 'maxReconnects'}); a front end whose users write other names (the SQL
 * connector's {@code 'reconnect.max-attempts'}) renames them, so that every message names what its
 * reader wrote.
 */
@Internal
public final class SettingNames implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Builder names as they are. */
    public static final SettingNames BUILDER = new SettingNames(Collections.emptyMap());

    private final Map<String, String> renamed;

    /**
     * @param renamed the user's name for each builder name that differs
     */
    public SettingNames(Map<String, String> renamed) {
        this.renamed = Collections.unmodifiableMap(new LinkedHashMap<>(renamed));
    }

    /** {@code message} with every quoted builder name replaced by the user's name. */
    public String rename(String message) {
        if (message == null || renamed.isEmpty()) {
            return message;
        }
        String out = message;
        for (Map.Entry<String, String> name : renamed.entrySet()) {
            out = out.replace("'" + name.getKey() + "'", "'" + name.getValue() + "'");
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SettingNames && renamed.equals(((SettingNames) o).renamed);
    }

    @Override
    public int hashCode() {
        return renamed.hashCode();
    }
}
