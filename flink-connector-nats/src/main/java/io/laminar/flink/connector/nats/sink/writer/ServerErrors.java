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
 * over the server's limit, a connection jnats gave up), as the exceptions to fail with. A server
 * that finds a control line too long says neither which message nor which subject, so the longest
 * subject published is remembered.
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

    /** A fatal server error reported since the last call, as the exception to fail with. */
    NatsSinkException poll() {
        return fatalOrNull(events.pollServerError());
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
