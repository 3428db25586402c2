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
 * Flink's own sink test suite against the sink in JetStream mode, at-least-once and exactly-once:
 * basic writes, restart from a savepoint at the same, a higher and a lower parallelism, and the
 * {@code numRecordsSend} metric. For exactly-once every record carries a message id, and the suite
 * checks that the stream holds each record exactly once.
 */
// The suite waits for its results without a deadline; a sink that loses a record would hang it.
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class NatsSinkJetStreamTestSuiteITCase extends SinkTestSuiteBase<String> {

    @TestEnv MiniClusterTestEnvironment flink = new MiniClusterTestEnvironment();

    @TestExternalSystem NatsExternalSystem nats = new NatsExternalSystem();

    @TestSemantics
    CheckpointingMode[] semantics = {
        CheckpointingMode.AT_LEAST_ONCE, CheckpointingMode.EXACTLY_ONCE
    };

    @TestContext
    ExternalContextFactory<NatsSinkExternalContext> jetStream =
            NatsSinkExternalContext.factory(nats, Mode.JETSTREAM);
}
