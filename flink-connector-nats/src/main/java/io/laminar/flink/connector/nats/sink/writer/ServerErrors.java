package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.connection.ConnectionEvents;
import io.laminar.flink.connector.nats.connection.NatsConnectionException;
import io.laminar.flink.connector.nats.sink.NatsSinkException;
import io.laminar.flink.connector.nats.sink.SettingNames;
import io.laminar.flink.connector.nats.sink.Subjects;

import io.nats.client.Connection;

import org.apache.flink.annotation.Internal;

/**
 * The connection errors that fail one writer's publishes (a permission violation, a control line
 * over the server's limit, a publish jnats discarded, a connection jnats gave up), as the
 * exceptions to fail with. A server that finds a control line too long says neither which message
 * nor which subject, so the longest subject published is remembered.
 */
@Internal
final class ServerErrors {

    private final ConnectionEvents events;
    private final SettingNames names;

    /** Length of the longest subject plus reply-to published so far; task thread only. */
    private int longestSubjectChars = -1;

    /** That subject and its reply-to (or null), for a control-line error. */
    private volatile String[] longestSubject;

    ServerErrors(ConnectionEvents events, SettingNames names) {
        this.events = events;
        this.names = names;
    }

    /** Notes a message about to be handed to jnats, on the task thread. */
    void publishing(String subject, String replyTo) {
        int chars = subject.length() + (replyTo == null ? 0 : replyTo.length());
        if (chars > longestSubjectChars) {
            longestSubjectChars = chars;
            longestSubject = new String[] {subject, replyTo};
        }
    }

    /**
     * A fatal server error reported since the last call, or a publish jnats discarded on the
     * connection at any time, as the exception to fail with; null when there is neither.
     */
    NatsSinkException poll() {
        NatsSinkException discarded = discarded();
        return discarded != null ? discarded : fatalOrNull(events.pollServerError());
    }

    /**
     * Once jnats has discarded a publish on the connection (its outgoing queue was full and it
     * discards when full), the exception every later publish and settlement fails with: a record is
     * gone, and nothing but a replay from the last checkpoint brings it back. Null until then.
     */
    NatsSinkException discarded() {
        String subject = events.discardedSubject();
        if (subject == null) {
            return null;
        }
        return new NatsSinkException(
                "The NATS client discarded a publish to '"
                        + Subjects.printable(subject)
                        + "' instead of sending it: its outgoing queue was full and it was set to"
                        + " discard when full ('properties.outgoingqueue.discardwhenfull'), so"
                        + " records on this connection are missing. The writer fails instead of"
                        + " confirming them; a restart replays them from the last checkpoint.");
    }

    /** {@code serverError} as the exception to fail with, or null when it is not fatal. */
    NatsSinkException fatalOrNull(String serverError) {
        return serverError == null
                ? null
                : PublishErrorClassifier.fatalServerErrorOrNull(
                        serverError, longestSubjectPublished());
    }

    /** Why jnats closed the connection, as the exception to fail with. */
    NatsSinkException closed(Connection connection) {
        return wrap(events.closedError(connection));
    }

    /** A connection failure as the sink's exception, naming the settings as the user does. */
    NatsSinkException wrap(NatsConnectionException e) {
        return new NatsSinkException(names.rename(e.getMessage()), e);
    }

    private String longestSubjectPublished() {
        String[] longest = longestSubject;
        if (longest == null) {
            return null;
        }
        int bytes = Subjects.utf8Length(longest[0]);
        if (longest[1] == null) {
            return "'" + Subjects.printable(longest[0]) + "' (" + bytes + " bytes)";
        }
        return "'"
                + Subjects.printable(longest[0])
                + "' with reply-to '"
                + Subjects.printable(longest[1])
                + "' ("
                + (bytes + Subjects.utf8Length(longest[1]))
                + " bytes together)";
    }
}
