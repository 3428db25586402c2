package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.testutils.Await;

import org.apache.flink.connector.base.sink.writer.ResultHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Records how a publisher settles one batch; the test awaits the outcome with a deadline. */
final class RecordingResult implements ResultHandler<NatsMessage> {

    /** One call the publisher made. */
    static final class Outcome {
        final boolean completed;
        final List<NatsMessage> retried;
        final Exception failure;

        private Outcome(boolean completed, List<NatsMessage> retried, Exception failure) {
            this.completed = completed;
            this.retried = retried;
            this.failure = failure;
        }

        @Override
        public String toString() {
            if (completed) {
                return "complete()";
            }
            return retried != null
                    ? "retryForEntries(" + retried + ")"
                    : "completeExceptionally(" + failure + ")";
        }
    }

    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();

    @Override
    public void complete() {
        outcomes.add(new Outcome(true, null, null));
    }

    @Override
    public void completeExceptionally(Exception e) {
        outcomes.add(new Outcome(false, null, e));
    }

    @Override
    public void retryForEntries(List<NatsMessage> entries) {
        outcomes.add(new Outcome(false, new ArrayList<>(entries), null));
    }

    /** Every call so far. */
    List<Outcome> outcomes() {
        return new ArrayList<>(outcomes);
    }

    /** Asserts the batch has not been settled yet. */
    void assertUnsettled() {
        assertThat(outcomes()).as("how the batch was settled").isEmpty();
    }

    /** Waits for the batch to be settled, and asserts it was settled once. */
    Outcome await() {
        List<Outcome> settled =
                Await.value(
                        "the batch to be settled",
                        FakeConnection.DEADLINE,
                        this::outcomes,
                        o -> !o.isEmpty());
        assertThat(settled).as("how the batch was settled").hasSize(1);
        return settled.get(0);
    }

    void awaitComplete() {
        Outcome outcome = await();
        assertThat(outcome.completed).as("completed, but was " + outcome).isTrue();
    }

    /** Waits for the batch to be handed back, and returns the entries to publish again. */
    List<NatsMessage> awaitRetry() {
        Outcome outcome = await();
        assertThat(outcome.retried).as("retried, but was " + outcome).isNotNull();
        return outcome.retried;
    }

    /** Waits for the batch to fail, and returns why. */
    Exception awaitFailure() {
        Outcome outcome = await();
        assertThat(outcome.failure).as("failed, but was " + outcome).isNotNull();
        return outcome.failure;
    }
}
