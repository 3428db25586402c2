package io.laminar.flink.connector.nats.sink.testsuite;

import io.laminar.flink.connector.nats.sink.testsuite.NatsSinkExternalContext.Mode;

import org.apache.flink.connector.testframe.environment.MiniClusterTestEnvironment;
import org.apache.flink.connector.testframe.external.ExternalContextFactory;
import org.apache.flink.connector.testframe.junit.annotations.TestContext;
import org.apache.flink.connector.testframe.junit.annotations.TestEnv;
import org.apache.flink.connector.testframe.junit.annotations.TestExternalSystem;
import org.apache.flink.connector.testframe.junit.annotations.TestSemantics;
import org.apache.flink.connector.testframe.testsuites.SinkTestSuiteBase;
import org.apache.flink.core.execution.CheckpointingMode;

import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

/**
 * Flink's own sink test suite against the sink in core NATS mode: basic writes, restart from a
 * savepoint at the same, a higher and a lower parallelism, and the {@code numRecordsSend} metric. A
 * JetStream stream captures the subject so the suite can read back what was published.
 *
 * <p>Only at-least-once is tested: core NATS cannot deliver exactly once, and the sink's builder
 * rejects {@code EXACTLY_ONCE} without JetStream.
 */
// The suite waits for its results without a deadline; a sink that loses a record would hang it.
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class NatsSinkCoreTestSuiteITCase extends SinkTestSuiteBase<String> {

    @TestEnv MiniClusterTestEnvironment flink = new MiniClusterTestEnvironment();

    @TestExternalSystem NatsExternalSystem nats = new NatsExternalSystem();

    @TestSemantics CheckpointingMode[] semantics = {CheckpointingMode.AT_LEAST_ONCE};

    @TestContext
    ExternalContextFactory<NatsSinkExternalContext> core =
            NatsSinkExternalContext.factory(nats, Mode.CORE);
}
