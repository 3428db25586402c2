package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.Internal;

import java.nio.charset.StandardCharsets;

/**
 * Checks that a subject can be published to, before it reaches the server: a bad subject is a clear
 * error naming the value and where it came from, not a silent server-side drop.
 *
 * <p>Length: every message starts with a control line ({@code HPUB <subject> <reply-to> <header
 * size> <total size>}), and nats-server closes the connection on one longer than its {@code
 * max_control_line} (4096 bytes by default). A closed connection would be re-established and the
 * message published again, forever, so a subject that cannot fit is refused per record instead:
 * subject and reply-to subject together may have at most {@value #MAX_SUBJECT_BYTES} bytes (UTF-8),
 * which leaves room in 4096 bytes for the verb, the two sizes and the separators.
 */
@Internal
public final class Subjects {

    /** nats-server's default {@code max_control_line}, in bytes. */
    public static final int SERVER_MAX_CONTROL_LINE_BYTES = 4096;

    /** The most bytes (UTF-8) a subject and its reply-to subject may have together. */
    public static final int MAX_SUBJECT_BYTES = 4000;

    /** How much of a subject an error message shows. */
    private static final int SHOWN_CHARS = 256;

    private Subjects() {}

    /**
     * Throws {@link InvalidSubjectException} when {@code subject} is null, empty, contains
     * whitespace, has an empty token, contains a wildcard ({@code *} or {@code >}), or is longer
     * than {@link #MAX_SUBJECT_BYTES}.
     *
     * @param role what the subject is for, e.g. "subject" or "reply-to subject"
     * @param source where it came from, e.g. "the subject selector"
     */
    public static void validate(String subject, String role, String source) {
        String problem = problem(subject);
        if (problem != null) {
            throw new InvalidSubjectException(
                    "Invalid NATS "
                            + role
                            + " "
                            + (subject == null ? "null" : "'" + printable(subject) + "'")
                            + " from "
                            + source
                            + ": "
                            + problem
                            + ".");
        }
    }

    /**
     * Throws {@link InvalidSubjectException} when {@code subject} and {@code replyTo} (each valid
     * on its own) are too long together for the server's control line.
     */
    public static void validateTogether(String subject, String replyTo, String source) {
        // A char is at most three bytes: only long subjects need counting.
        if (replyTo == null || (subject.length() + replyTo.length()) * 3 <= MAX_SUBJECT_BYTES) {
            return;
        }
        int bytes = utf8Length(subject) + utf8Length(replyTo);
        if (bytes > MAX_SUBJECT_BYTES) {
            throw new InvalidSubjectException(
                    "Invalid NATS subject '"
                            + printable(subject)
                            + "' with reply-to subject '"
                            + printable(replyTo)
                            + "' from "
                            + source
                            + ": together they are "
                            + tooLong(bytes)
                            + ".");
        }
    }

    /** Why {@code subject} cannot be published to, or null when it can. */
    public static String problem(String subject) {
        if (subject == null || subject.isEmpty()) {
            return "it is empty";
        }
        int len = subject.length();
        char prev = '.';
        for (int i = 0; i < len; i++) {
            char c = subject.charAt(i);
            if (c == '.') {
                if (prev == '.') {
                    return i == 0 ? "it starts with '.'" : "it has an empty token ('..')";
                }
            } else if (c == '*' || c == '>') {
                return "it contains the wildcard '" + c + "', which cannot be published to";
            } else if (c <= ' ' || Character.isWhitespace(c)) {
                return "it contains whitespace or a control character at position " + i;
            }
            prev = c;
        }
        if (prev == '.') {
            return "it ends with '.'";
        }
        if (len * 3 > MAX_SUBJECT_BYTES) {
            int bytes = utf8Length(subject);
            if (bytes > MAX_SUBJECT_BYTES) {
                return "it is " + tooLong(bytes);
            }
        }
        return null;
    }

    private static String tooLong(int bytes) {
        return bytes
                + " bytes long (UTF-8), over the sink's limit of "
                + MAX_SUBJECT_BYTES
                + " bytes for subject and reply-to subject together: nats-server closes the"
                + " connection when a message's control line exceeds its max_control_line ("
                + SERVER_MAX_CONTROL_LINE_BYTES
                + " bytes by default)";
    }

    /** Bytes of {@code s} in UTF-8, which is how jnats writes subjects. */
    public static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * {@code s} for an error message: control characters escaped, cut after {@value #SHOWN_CHARS}
     * characters.
     */
    public static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), SHOWN_CHARS + 3));
        for (int i = 0; i < s.length() && i < SHOWN_CHARS; i++) {
            char c = s.charAt(i);
            if (c < ' ' || c == 127) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (s.length() > SHOWN_CHARS) {
            sb.append("...");
        }
        return sb.toString();
    }
}
