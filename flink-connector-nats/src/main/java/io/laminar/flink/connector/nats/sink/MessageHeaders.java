package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.Internal;

import java.util.List;
import java.util.Map;

/**
 * Checks that a message's headers can be sent, before they reach jnats. NATS headers are text in
 * the style of HTTP/1 headers: names are printable US-ASCII without {@code ':'}, values are
 * US-ASCII without CR or LF. jnats refuses anything else with an exception that names neither the
 * header nor the subject (it has no encoding for other characters, so a value such as {@code
 * "héllo"} cannot be carried at all); here it becomes a clear error per record, or a dead letter.
 */
@Internal
public final class MessageHeaders {

    private static final String NAME_RULE =
            "header names are printable US-ASCII characters other than ':'";

    private static final String VALUE_RULE =
            "NATS header values are US-ASCII without CR or LF (jnats cannot send other"
                    + " characters): encode the value (e.g. percent-encoding or Base64) or carry it"
                    + " in the payload";

    private MessageHeaders() {}

    /** Why {@code name} cannot be a header name, or null when it can. */
    public static String nameProblem(String name) {
        if (name == null || name.isEmpty()) {
            return "it is empty";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == ':') {
                return "it contains ':' at position " + i + "; " + NAME_RULE;
            }
            if (c <= ' ' || c == 127) {
                return "it contains a space or control character ("
                        + codePoint(name, i)
                        + ") at position "
                        + i
                        + "; "
                        + NAME_RULE;
            }
            if (c > 127) {
                return "it contains the non-ASCII character "
                        + character(name, i)
                        + " at position "
                        + i
                        + "; "
                        + NAME_RULE;
            }
        }
        return null;
    }

    /** Why {@code value} cannot be a header value, or null when it can. */
    public static String valueProblem(String value) {
        if (value == null) {
            return "it is null; leave the header out instead";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                return "it contains a line break ("
                        + codePoint(value, i)
                        + ") at position "
                        + i
                        + "; "
                        + VALUE_RULE;
            }
            if (c > 127) {
                return "it contains the non-ASCII character "
                        + character(value, i)
                        + " at position "
                        + i
                        + "; "
                        + VALUE_RULE;
            }
        }
        return null;
    }

    /**
     * Throws {@link InvalidHeaderException} naming the header and the subject when a header of
     * {@code message}, or its message id (sent as a header), cannot be sent.
     */
    public static void validate(NatsMessage message, String source) {
        for (Map.Entry<String, List<String>> header : message.getHeaders().entrySet()) {
            String name = header.getKey();
            String problem = nameProblem(name);
            if (problem != null) {
                throw invalid(
                        "NATS header name "
                                + (name == null ? "null" : "'" + Subjects.printable(name) + "'"),
                        message,
                        source,
                        problem);
            }
            for (String value : header.getValue()) {
                problem = valueProblem(value);
                if (problem != null) {
                    throw invalid("value for NATS header '" + name + "'", message, source, problem);
                }
            }
        }
        if (message.getMessageId() != null) {
            String problem = valueProblem(message.getMessageId());
            if (problem != null) {
                throw invalid(
                        "message id (NATS header '" + NatsMessage.MSG_ID_HEADER + "')",
                        message,
                        source,
                        problem);
            }
        }
    }

    private static InvalidHeaderException invalid(
            String what, NatsMessage message, String source, String problem) {
        return new InvalidHeaderException(
                "Invalid "
                        + what
                        + " in a message for subject '"
                        + Subjects.printable(message.getSubject())
                        + "' from "
                        + source
                        + ": "
                        + problem
                        + ".");
    }

    /** The character at {@code i}, e.g. {@code 'é' (U+00E9)}. */
    private static String character(String s, int i) {
        int cp = s.codePointAt(i);
        return "'" + new String(Character.toChars(cp)) + "' (" + codePoint(s, i) + ")";
    }

    private static String codePoint(String s, int i) {
        return String.format("U+%04X", s.codePointAt(i));
    }
}
