package io.laminar.flink.connector.nats.sink;

import io.nats.client.JetStreamApiException;

import org.apache.flink.annotation.Internal;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * The one place that decides whether a publish failure is fatal (retrying cannot help, so the job
 * fails with a clear message) or retryable (the entries go back to the buffer and are published
 * again once the connection is back). A chain of rules; the first that matches wins, and anything
 * no rule claims is retryable, because a transient failure retried costs a duplicate while a
 * transient failure treated as fatal costs a restart.
 */
@Internal
final class PublishErrorClassifier {

    /** One rule of the chain: when it matches, the failure is fatal with the mapped exception. */
    private static final class FatalRule {
        final Predicate<Throwable> matches;
        final BiFunction<Throwable, String, NatsSinkException> toException;

        FatalRule(
                Predicate<Throwable> matches,
                BiFunction<Throwable, String, NatsSinkException> toException) {
            this.matches = matches;
            this.toException = toException;
        }
    }

    private static final String PERMISSION_VIOLATION = "permissions violation";

    private static final String MAX_CONTROL_LINE_EXCEEDED = "maximum control line exceeded";

    private static final List<FatalRule> CHAIN =
            Arrays.asList(
                    // jnats checks the payload against the server's max_payload before sending.
                    new FatalRule(
                            err ->
                                    err instanceof IllegalArgumentException
                                            && messageContains(err, "payload size exceed"),
                            (err, subject) ->
                                    new NatsSinkException(
                                            "Cannot publish to subject '"
                                                    + subject
                                                    + "': the message is larger than the server's"
                                                    + " max_payload ("
                                                    + err.getMessage()
                                                    + "). Raise max_payload on the server or send"
                                                    + " smaller records.",
                                            err)),
                    new FatalRule(
                            err -> err instanceof IllegalArgumentException,
                            (err, subject) ->
                                    new NatsSinkException(
                                            "Cannot publish to subject '"
                                                    + subject
                                                    + "': "
                                                    + err.getMessage(),
                                            err)));

    private PublishErrorClassifier() {}

    /**
     * The fatal exception for {@code error} raised while publishing to {@code subject}, or null
     * when the failure is retryable.
     */
    static NatsSinkException fatalOrNull(Throwable error, String subject) {
        for (FatalRule rule : CHAIN) {
            if (rule.matches.test(error)) {
                return rule.toException.apply(error, subject);
            }
        }
        return null;
    }

    /**
     * The fatal exception for an error the server reported asynchronously on the connection ({@code
     * -ERR}), or null when it is not about a publish that can never succeed.
     */
    static NatsSinkException fatalServerErrorOrNull(String serverError) {
        return fatalServerErrorOrNull(serverError, null);
    }

    /**
     * As {@link #fatalServerErrorOrNull(String)}; {@code longestSubject} describes the longest
     * subject published on the connection (null when unknown), which is what a control line over
     * the server's limit is most likely about.
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
        NatsSinkException core = fatalOrNull(cause, subject);
        if (core != null) {
            return core;
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
