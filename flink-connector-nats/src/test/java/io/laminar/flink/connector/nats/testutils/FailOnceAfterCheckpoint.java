package io.laminar.flink.connector.nats.testutils;

import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Passes records through. Once a checkpoint has completed, it throws (once per JVM until {@link
 * #reset()}) when 4,000 records went by since the last checkpoint barrier (at 5,000 records a
 * second about 0.8 s, long enough for the sink to publish them), so Flink restores that checkpoint
 * and replays records the sink already published.
 */
public final class FailOnceAfterCheckpoint extends RichMapFunction<String, String>
        implements CheckpointListener, CheckpointedFunction {
    public static final AtomicBoolean FAILED = new AtomicBoolean();
    private boolean checkpointCompleted;
    private long sinceBarrier;

    public static void reset() {
        FAILED.set(false);
    }

    @Override
    public String map(String value) {
        if (checkpointCompleted && ++sinceBarrier >= 4_000 && FAILED.compareAndSet(false, true)) {
            throw new RuntimeException("Injected failure after a checkpoint");
        }
        return value;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
        sinceBarrier = 0;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {}

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        checkpointCompleted = true;
    }
}
