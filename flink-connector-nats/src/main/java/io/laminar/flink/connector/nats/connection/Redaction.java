package io.laminar.flink.connector.nats.connection;

import org.apache.flink.annotation.Internal;

import java.util.regex.Pattern;

/** Masks secrets in server URLs and in the messages jnats writes about them. */
@Internal
public final class Redaction {

    /** What a secret is replaced with. */
    public static final String MASK = "******";

    private static final Pattern USER_INFO = Pattern.compile("(\\w+://)[^/@\\s,\\]]+@");

    private Redaction() {}

    /** A server URL with any user info (user:password@) masked, for messages. */
    public static String url(String url) {
        if (url == null) {
            return null;
        }
        int scheme = url.indexOf("://");
        int at = url.lastIndexOf('@');
        int start = scheme < 0 ? 0 : scheme + 3;
        return at < start ? url : url.substring(0, start) + MASK + url.substring(at);
    }

    /** {@code text} with the user info of every URL in it masked. */
    public static String text(String text) {
        return USER_INFO.matcher(text).replaceAll("$1" + MASK + "@");
    }
}
