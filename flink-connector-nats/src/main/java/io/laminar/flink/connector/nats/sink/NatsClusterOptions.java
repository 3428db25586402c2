package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Flink configuration keys a cluster operator sets for every NATS sink the cluster runs, DataStream
 * and SQL alike. The sink reads them from the configuration its TaskManager was started with (the
 * cluster's {@code config.yaml} and the TaskManager's own {@code -D} options), never from a job's
 * configuration: whoever submits a job cannot change them with {@code SET} or {@code -D}.
 *
 * <pre>{@code
 * # config.yaml of every TaskManager
 * nats.environment-references.allowed: "NATS_*, KAFKA_BRIDGE_SECRET"
 * }</pre>
 */
@PublicEvolving
public final class NatsClusterOptions {

    private NatsClusterOptions() {}

    /**
     * The environment variables {@code ${NAME}} references in the connection settings may read:
     * names and {@code *} globs, separated by commas (a YAML list works too). A reference to any
     * other variable fails the job at start-up naming the variable and this key. Empty allows none.
     */
    public static final ConfigOption<String> ENVIRONMENT_REFERENCES_ALLOWED =
            ConfigOptions.key("nats.environment-references.allowed")
                    .stringType()
                    .defaultValue("NATS_*")
                    .withDescription(
                            "Environment variables that ${NAME} references in NATS sink"
                                    + " connection settings may read on the TaskManagers: names"
                                    + " and * globs, separated by commas (e.g. 'NATS_*,"
                                    + " MY_SECRET'). A reference to any other variable fails the"
                                    + " job at start-up. Read from the TaskManagers'"
                                    + " configuration only; a job cannot widen it.");
}
