package io.laminar.flink.connector.nats.testutils;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;

/**
 * The {@link StreamExecutionEnvironment} a test job runs in (on the test's MiniCluster):
 * parallelism 1, no checkpointing and Flink's default restart strategy unless the {@link
 * #builder()} says otherwise.
 *
 * <pre>{@code
 * StreamExecutionEnvironment env = FlinkEnvironment.create();
 * StreamExecutionEnvironment env =
 *         FlinkEnvironment.builder().noRestarts().checkpointing(500).build();
 * }</pre>
 */
public final class FlinkEnvironment {

    private FlinkEnvironment() {}

    /** Parallelism 1, no checkpointing, Flink's default restart strategy. */
    public static StreamExecutionEnvironment create() {
        return builder().build();
    }

    /** A builder starting from the defaults of {@link #create()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder for a {@link StreamExecutionEnvironment}. */
    public static final class Builder {
        private final Configuration conf = new Configuration();
        private int parallelism = 1;
        private long checkpointIntervalMillis;

        private Builder() {}

        /** Sets the job's parallelism; default 1. */
        public Builder parallelism(int parallelism) {
            this.parallelism = parallelism;
            return this;
        }

        /** Checkpoints every {@code intervalMillis} ms; default off. */
        public Builder checkpointing(long intervalMillis) {
            this.checkpointIntervalMillis = intervalMillis;
            return this;
        }

        /** Never restarts: the first failure fails the job. */
        public Builder noRestarts() {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            return this;
        }

        /** Restarts a failed job up to {@code attempts} times, {@code delay} after a failure. */
        public Builder fixedDelayRestarts(int attempts, Duration delay) {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, attempts);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, delay);
            return this;
        }

        public StreamExecutionEnvironment build() {
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(parallelism);
            if (checkpointIntervalMillis > 0) {
                env.enableCheckpointing(checkpointIntervalMillis);
            }
            return env;
        }
    }
}
