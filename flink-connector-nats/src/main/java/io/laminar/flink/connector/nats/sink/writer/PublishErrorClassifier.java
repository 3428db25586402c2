package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.NatsSinkException;
import io.laminar.flink.connector.nats.sink.Subjects;

import io.nats.client.JetStreamApiException;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.sink.throwable.FatalExceptionClassifier;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The one place that decides whether a publish failure is fatal (retrying cannot help, so the job
 * fails with a clear message) or retryable (the entries go back to the buffer and are published
 * again once the connection is back). A chain of rules; the first that matches wins, and anything
 * no rule claims is retryable, because a transient failure retried costs a duplicate while a
 * transient failure treated as fatal costs a restart.
 */
@Internal
final class PublishErrorClassifier {

    private static final String PERMISSION_VIOLATION = "permissions violation";

    private static final String MAX_CONTROL_LINE_EXCEEDED = "maximum control line exceeded";

    private PublishErrorClassifier() {}

    /**
     * Flink's classifier chain for a failure to hand a record for {@code subject} to jnats. jnats
     * throws IllegalArgumentException for what no retry can fix, and checks the payload against the
     * server's max_payload before sending.
     */
    private static FatalExceptionClassifier chain(String subject) {
        String where = "Cannot publish to subject '" + subject + "': ";
        return FatalExceptionClassifier.createChain(
                new FatalExceptionClassifier(
                        err ->
                                err instanceof IllegalArgumentException
                                        && messageContains(err, "payload size exceed"),
                        err ->
                                new NatsSinkException(
                                        where
                                                + "the message is larger than the server's"
                                                + " max_payload ("
                                                + err.getMessage()
                                                + "). Raise max_payload on the server or send"
                                                + " smaller records.",
                                        err)),
                new FatalExceptionClassifier(
                        err -> err instanceof IllegalArgumentException,
                        err -> new NatsSinkException(where + err.getMessage(), err)));
    }

    /**
     * The fatal exception for {@code error} raised while publishing to {@code subject}, or null
     * when the failure is retryable.
     */
    static Exception fatalOrNull(Throwable error, String subject) {
        Exception[] fatal = new Exception[1];
        chain(subject).isFatal(error, e -> fatal[0] = e);
        return fatal[0];
    }

    /** Whether a server error ({@code -ERR}) means a publish can never succeed. */
    static boolean isFatalServerError(String serverError) {
        return fatalServerErrorOrNull(serverError, null) != null;
    }

    /**
     * The fatal exception for an error the server reported asynchronously on the connection ({@code
     * -ERR}), or null when it is not about a publish that can never succeed; {@code longestSubject}
     * describes the longest subject published on the connection (null when unknown), which is what
     * a control line over the server's limit is most likely about.
     */
    static NatsSinkException fatalServerErrorOrNull(String serverError, String longestSubject) {
        if (serverError == null) {
            return null;
        }
        String lower = serverError.toLowerCase(Locale.ROOT);
        if (lower.contains(PERMISSION_VIOLATION) && lower.contains("publish")) {
            return new NatsSinkException(
                    "The NATS server refused a publish: "
                            + serverError
                            + ". The connection's user may not publish to that subject; grant the"
                            + " permission or route the records elsewhere.");
        }
        if (lower.contains(MAX_CONTROL_LINE_EXCEEDED)) {
            // The server closes the connection; publishing the same message again after the
            // reconnect would close it again, forever.
            return new NatsSinkException(
                    "The NATS server closed the connection ("
                            + serverError
                            + "): a message's control line (subject, reply-to subject and sizes)"
                            + " was longer than the server's max_control_line"
                            + (longestSubject == null
                                    ? ""
                                    : "; the longest subject published on the connection is "
                                            + longestSubject)
                            + ". The sink accepts up to "
                            + Subjects.MAX_SUBJECT_BYTES
                            + " bytes for subject and reply-to subject together, which fits the"
                            + " default max_control_line of "
                            + Subjects.SERVER_MAX_CONTROL_LINE_BYTES
                            + " bytes; this server's is lower. Shorten the subjects or raise"
                            + " max_control_line on the server.");
        }
        return null;
    }

    /** How a failed JetStream publish is handled. */
    enum JetStreamOutcome {
        /** Publish the record again after a back-off. */
        RETRY,
        /** Retrying cannot help: fail the job. */
        FATAL,
        /**
         * Nobody answered (503): either no stream captures the subject (fatal) or a stream is
         * electing a leader (retry). The caller asks the server which one.
         */
        NO_RESPONDERS
    }

    /** JetStream API error codes after which a publish can never succeed. */
    private static final List<Integer> FATAL_API_CODES =
            Arrays.asList(
                    10039, // JetStream not enabled for the account
                    10054, // message larger than the stream allows
                    10059, // stream not found
                    10060); // expected stream does not match

    /** The outcome for {@code error}, the failure of one JetStream publish or its ack. */
    static JetStreamOutcome classifyJetStream(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof JetStreamApiException) {
            JetStreamApiException api = (JetStreamApiException) cause;
            if (FATAL_API_CODES.contains(api.getApiErrorCode())) {
                return JetStreamOutcome.FATAL;
            }
            int code = api.getErrorCode();
            return code == 429 || code >= 500 ? JetStreamOutcome.RETRY : JetStreamOutcome.FATAL;
        }
        if (messageContains(cause, "503") && messageContains(cause, "no responders")) {
            return JetStreamOutcome.NO_RESPONDERS;
        }
        if (cause instanceof IllegalArgumentException) {
            return JetStreamOutcome.FATAL;
        }
        // Ack timeouts, cancelled requests after a disconnect, a closed or full connection.
        return JetStreamOutcome.RETRY;
    }

    /** The exception that fails the job for a fatal JetStream publish failure. */
    static NatsSinkException jetStreamFatal(Throwable error, String subject, String stream) {
        Throwable cause = unwrap(error);
        String where =
                "Cannot publish to subject '"
                        + subject
                        + "'"
                        + (stream == null ? "" : " (expected stream '" + stream + "')");
        if (cause instanceof JetStreamApiException) {
            JetStreamApiException api = (JetStreamApiException) cause;
            return new NatsSinkException(
                    where
                            + ": JetStream error "
                            + api.getErrorCode()
                            + "/"
                            + api.getApiErrorCode()
                            + ": "
                            + api.getErrorDescription()
                            + ".",
                    cause);
        }
        Exception core = fatalOrNull(cause, subject);
        if (core != null) {
            return (NatsSinkException) core;
        }
        return new NatsSinkException(where + ": " + cause, cause);
    }

    /** The failure inside the wrappers that CompletableFuture and jnats put around it. */
    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof java.util.concurrent.CompletionException
                        || t instanceof java.util.concurrent.ExecutionException
                        || (t instanceof RuntimeException
                                && t.getClass() == RuntimeException.class))
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static boolean messageContains(Throwable err, String text) {
        String message = err.getMessage();
        return message != null && message.toLowerCase(Locale.ROOT).contains(text);
    }
}
