package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.Internal;

/**
 * Checks that a subject can be published to, before it reaches the server: a bad subject is a clear
 * error naming the value and where it came from, not a silent server-side drop.
 */
@Internal
public final class Subjects {

    private Subjects() {}

    /**
     * Throws {@link InvalidSubjectException} when {@code subject} is null, empty, contains
     * whitespace, has an empty token, or contains a wildcard ({@code *} or {@code >}).
     *
     * @param role what the subject is for, e.g. "subject" or "reply-to subject"
     * @param source where it came from, e.g. "the subject selector"
     */
    static void validate(String subject, String role, String source) {
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
        return null;
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length() && i < 256; i++) {
            char c = s.charAt(i);
            if (c < ' ') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (s.length() > 256) {
            sb.append("...");
        }
        return sb.toString();
    }
}
