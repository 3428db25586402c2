package io.laminar.flink.connector.nats.sink.writer;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Whether a JetStream stream captures a subject, as the server said a moment ago. After a {@code
 * 503 no responders} the publisher must tell a subject no stream captures (fatal) from a stream
 * electing a leader (retry), and asking is a synchronous request (up to jnats' request timeout) on
 * the one thread that settles batches. So every answer is kept for {@link #ANSWER_LIFETIME}, and
 * after a lookup that failed nothing is asked for as long: a batch of a thousand failed entries,
 * and the batches after it, wait for one request at most, not one per entry.
 *
 * <p>Not thread-safe: used on the publisher's resolver thread only.
 */
@Internal
final class StreamLookup {

    private static final Logger LOG = LoggerFactory.getLogger(StreamLookup.class);

    /** How long an answer (or a failed lookup) stands before the server is asked again. */
    static final Duration ANSWER_LIFETIME = Duration.ofSeconds(5);

    private final JetStreamManagement management;
    private final LongSupplier nanoClock;
    private final long lifetimeNanos = ANSWER_LIFETIME.toNanos();

    /** Subject → when the server answered and whether no stream captures it. */
    private final Map<String, Answer> answers = new HashMap<>();

    /** When the last lookup failed, or null since one succeeded. */
    private Long failedAt;

    StreamLookup(JetStreamManagement management, LongSupplier nanoClock) {
        this.management = management;
        this.nanoClock = nanoClock;
    }

    /**
     * True when the server said that no stream captures {@code subject}; false when one does, or
     * when that is not known (the lookup failed, now or a moment ago).
     */
    boolean noStreamCaptures(String subject) {
        long now = nanoClock.getAsLong();
        if (failedAt != null && now - failedAt < lifetimeNanos) {
            return false;
        }
        Answer known = answers.get(subject);
        if (known != null && now - known.at < lifetimeNanos) {
            return known.noStream;
        }
        boolean noStream;
        try {
            noStream = management.getStreamNames(subject).isEmpty();
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            LOG.debug(
                    "Could not look up the streams for '{}' (asking again in {}): {}",
                    subject,
                    ANSWER_LIFETIME,
                    e.toString());
            failedAt = nanoClock.getAsLong();
            return false;
        }
        long answeredAt = nanoClock.getAsLong();
        failedAt = null;
        answers.values().removeIf(answer -> answeredAt - answer.at >= lifetimeNanos);
        answers.put(subject, new Answer(answeredAt, noStream));
        return noStream;
    }

    private static final class Answer {
        final long at;
        final boolean noStream;

        Answer(long at, boolean noStream) {
            this.at = at;
            this.noStream = noStream;
        }
    }
}
