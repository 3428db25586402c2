package io.laminar.flink.connector.nats.connection;

import io.nats.client.Options;

import org.apache.flink.annotation.Internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.apache.flink.util.Preconditions.checkArgument;

/**
 * Server URLs: the forms a {@code servers} value takes, what a URL must be, and the credentials a
 * URL's user info carries to every server of a cluster.
 */
@Internal
public final class ServerUrls {

    private static final List<String> SCHEMES =
            Arrays.asList("nats", "tls", "opentls", "ws", "wss");

    private ServerUrls() {}

    /**
     * Splits a {@code servers} value: a JSON array of strings ({@code ["nats://a:4222",
     * "nats://b:4222"]}) or a comma-separated list.
     */
    public static List<String> split(String value) {
        List<String> out = new ArrayList<>();
        String v = value == null ? "" : value.trim();
        if (v.startsWith("[")) {
            checkArgument(
                    v.endsWith("]"),
                    "'servers': '"
                            + Redaction.url(v)
                            + "' starts a JSON array but does not end with ']'.");
            v = v.substring(1, v.length() - 1);
        }
        for (String part : v.split(",")) {
            String p = part.trim();
            // Double quotes from JSON; single quotes from a YAML list flattened by Flink.
            boolean quoted =
                    p.length() >= 2
                            && (p.startsWith("\"") && p.endsWith("\"")
                                    || p.startsWith("'") && p.endsWith("'"));
            if (quoted) {
                p = p.substring(1, p.length() - 1).trim();
            } else {
                checkArgument(
                        !p.matches("^[\"'].*|.*[\"']$"),
                        "'servers': '" + Redaction.url(p) + "' has an unbalanced quote.");
            }
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    static void check(String server) {
        checkArgument(
                server != null && !server.trim().isEmpty(), "'servers': a server URL is empty.");
        String shown = "'servers': '" + Redaction.url(server) + "'";
        URI uri;
        try {
            uri = new URI(server.contains("://") ? server : "nats://" + server);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(shown + " is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        checkArgument(
                SCHEMES.contains(scheme),
                shown
                        + " has scheme '"
                        + scheme
                        + "'; use nats://, tls://, opentls://, ws:// or wss://.");
        checkArgument(uri.getHost() != null, shown + " has no host, e.g. nats://localhost:4222");
    }

    /**
     * jnats sends a URL's user info only to that URL's server, not to the servers a cluster
     * advertises (discovery), so after failing over to one of those the connection would be
     * refused. When the URLs agree on their user info and no other credentials are set, it is made
     * the connection's credentials ({@code user:password}, or a token), for every server.
     */
    static void applyUserInfo(List<String> servers, Options.Builder builder) {
        List<String> infos = new ArrayList<>();
        for (String server : servers) {
            try {
                String info = new URI(server).getUserInfo();
                if (info != null && !info.isEmpty() && !infos.contains(info)) {
                    infos.add(info);
                }
            } catch (URISyntaxException e) {
                // Not a URL jnats takes either; it says so when connecting.
            }
        }
        if (infos.size() != 1) {
            return; // none, or different credentials per URL: leave each URL its own
        }
        String info = infos.get(0);
        int colon = info.indexOf(':');
        if (colon < 0) {
            builder.token(info.toCharArray());
        } else {
            builder.userInfo(
                    info.substring(0, colon).toCharArray(),
                    info.substring(colon + 1).toCharArray());
        }
    }
}
