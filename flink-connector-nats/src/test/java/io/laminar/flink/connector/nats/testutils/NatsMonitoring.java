package io.laminar.flink.connector.nats.testutils;

import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;
import io.nats.client.support.JsonValueUtils;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Client of a {@code nats-server}'s HTTP monitoring endpoint on loopback ({@code /connz}, {@code
 * /routez}, ...). Each call is one GET; a server that is down or stalled simply does not answer.
 */
final class NatsMonitoring {

    private static final int TIMEOUT_MILLIS = 2000;

    private final int port;

    NatsMonitoring(int port) {
        this.port = port;
    }

    /** The body of a GET to {@code path} (e.g. {@code /connz}), or null when it does not answer. */
    String get(String path) {
        HttpURLConnection http = null;
        try {
            http =
                    (HttpURLConnection)
                            URI.create("http://" + Loopback.HOST + ":" + port + path)
                                    .toURL()
                                    .openConnection();
            http.setConnectTimeout(TIMEOUT_MILLIS);
            http.setReadTimeout(TIMEOUT_MILLIS);
            if (http.getResponseCode() != 200) {
                return null;
            }
            try (InputStream body = http.getInputStream()) {
                return new String(body.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            return null;
        } finally {
            if (http != null) {
                http.disconnect();
            }
        }
    }

    /**
     * How many client connections named {@code name} the server has now (from {@code /connz}), or
     * -1 when it does not answer.
     */
    int connectionsNamed(String name) {
        String connz = get("/connz?limit=100000");
        if (connz == null) {
            return -1;
        }
        String needle = "\"name\": \"" + name + "\"";
        int count = 0;
        for (int at = connz.indexOf(needle); at >= 0; at = connz.indexOf(needle, at + 1)) {
            count++;
        }
        return count;
    }

    /**
     * When the server accepted the client connection named {@code name} (from {@code /connz}), or
     * null when there is none or the server does not answer.
     */
    Instant connectedAt(String name) {
        String connz = get("/connz?limit=100000");
        if (connz == null) {
            return null;
        }
        for (JsonValue connection :
                JsonValueUtils.readArray(JsonParser.parseUnchecked(connz), "connections")) {
            if (name.equals(JsonValueUtils.readString(connection, "name"))) {
                return OffsetDateTime.parse(JsonValueUtils.readString(connection, "start"))
                        .toInstant();
            }
        }
        return null;
    }

    /** How many distinct servers this one has routes to (from {@code /routez}); 0 if no answer. */
    int routedPeers() {
        String routez = get("/routez");
        if (routez == null) {
            return 0;
        }
        // Count distinct peers: nats-server 2.10+ may hold several routes to one (route pooling).
        Set<String> peers = new LinkedHashSet<>();
        String key = "\"remote_id\": \"";
        int at = 0;
        while ((at = routez.indexOf(key, at)) >= 0) {
            int start = at + key.length();
            at = routez.indexOf('"', start);
            peers.add(routez.substring(start, at));
        }
        return peers.size();
    }
}
