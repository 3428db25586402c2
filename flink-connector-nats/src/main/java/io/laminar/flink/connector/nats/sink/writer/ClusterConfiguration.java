package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.connection.EnvironmentReferences;
import io.laminar.flink.connector.nats.sink.NatsClusterOptions;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.operators.StreamingRuntimeContext;
import org.apache.flink.streaming.runtime.operators.sink.InitContextBase;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * What the cluster operator configured for the sink ({@link NatsClusterOptions}), read from the
 * configuration the writer's TaskManager was started with: the cluster's {@code config.yaml} and
 * the TaskManager's own {@code -D} options, but not the job's configuration, so that whoever
 * submits a job cannot change it.
 *
 * <p>{@link WriterInitContext} offers no configuration. Flink's sink writer operator hands the
 * writer an {@link InitContextBase}, whose runtime context knows the TaskManager's configuration
 * ({@link StreamingRuntimeContext#getTaskManagerRuntimeInfo()}); that is what is read. Where the
 * context is another one (a test harness), the defaults apply and a WARN says so.
 */
@Internal
final class ClusterConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterConfiguration.class);

    /** Where the allow-list of {@code ${NAME}} references is set, as errors name it. */
    static final String ALLOWED_WHERE =
            "'"
                    + NatsClusterOptions.ENVIRONMENT_REFERENCES_ALLOWED.key()
                    + "' in the TaskManagers' Flink configuration (config.yaml; a job's own SET or"
                    + " -D does not count)";

    private final Configuration taskManager;
    private final Configuration job;

    private ClusterConfiguration(Configuration taskManager, Configuration job) {
        this.taskManager = taskManager;
        this.job = job;
    }

    /** The configuration of the TaskManager that runs the writer given {@code context}. */
    static ClusterConfiguration of(WriterInitContext context) {
        if (context instanceof InitContextBase) {
            RuntimeContext runtime = ((InitContextBase) context).getRuntimeContext();
            if (runtime instanceof StreamingRuntimeContext) {
                StreamingRuntimeContext streaming = (StreamingRuntimeContext) runtime;
                return new ClusterConfiguration(
                        streaming.getTaskManagerRuntimeInfo().getConfiguration(),
                        Objects.requireNonNullElseGet(
                                streaming.getJobConfiguration(), Configuration::new));
            }
        }
        LOG.warn(
                "The NATS sink writer cannot read its TaskManager's configuration from a {}; the"
                        + " defaults of {} apply.",
                context.getClass().getName(),
                NatsClusterOptions.class.getSimpleName());
        return new ClusterConfiguration(new Configuration(), new Configuration());
    }

    /** The {@code ${NAME}} references the writer may resolve. */
    EnvironmentReferences environmentReferences() {
        ConfigOption<String> option = NatsClusterOptions.ENVIRONMENT_REFERENCES_ALLOWED;
        String allowed = taskManager.get(option);
        if (job.contains(option) && !Objects.equals(job.get(option), allowed)) {
            LOG.warn(
                    "The job sets '{}' = '{}'; only the TaskManagers' configuration counts, which"
                            + " allows '{}'.",
                    option.key(),
                    job.get(option),
                    allowed);
        }
        return EnvironmentReferences.allowing(allowed, ALLOWED_WHERE);
    }
}
