package io.laminar.flink.connector.nats.connection;

import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Options;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * How to reach and authenticate with NATS: server URLs, credentials, timeouts and reconnect
 * behaviour. Immutable and validated on construction; {@link #toString()} masks every secret.
 *
 * <pre>{@code
 * ConnectionSettings settings =
 *         ConnectionSettings.builder()
 *                 .servers("nats://a:4222", "nats://b:4222")
 *                 .userInfo("publisher", "secret")
 *                 .build();
 * }</pre>
 */
@PublicEvolving
public final class ConnectionSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Default time to establish a connection (TCP, TLS and the NATS handshake). */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    /** Default wait between reconnect attempts to the same server. */
    public static final Duration DEFAULT_RECONNECT_WAIT = Duration.ofSeconds(1);

    /** Default number of reconnect attempts before the connection closes and the job fails. */
    public static final int DEFAULT_MAX_RECONNECTS = 120;

    /** Default bytes jnats keeps for publishes made while reconnecting. */
    public static final long DEFAULT_RECONNECT_BUFFER_SIZE = 8L * 1024 * 1024;

    private static final java.util.regex.Pattern SECRET_KEY =
            java.util.regex.Pattern.compile(
                    "(?i)(password|token|secret|seed|nkey|credential|jwt|key)");

    private final List<String> servers;
    private final String username;
    private final String password;
    private final String token;
    private final String credentialsFile;
    private final String nkeySeedFile;
    private final TlsSettings tls;
    private final String connectionName;
    private final Duration connectionTimeout;
    private final Duration reconnectWait;
    private final int maxReconnects;
    private final long reconnectBufferSize;
    private final Map<String, String> properties;

    private ConnectionSettings(Builder b) {
        this.servers = Collections.unmodifiableList(new ArrayList<>(b.servers));
        this.username = emptyToNull(b.username);
        this.password = emptyToNull(b.password);
        this.token = emptyToNull(b.token);
        this.credentialsFile = emptyToNull(b.credentialsFile);
        this.nkeySeedFile = emptyToNull(b.nkeySeedFile);
        this.tls = b.tls;
        this.connectionName = emptyToNull(b.connectionName);
        this.connectionTimeout = b.connectionTimeout;
        this.reconnectWait = b.reconnectWait;
        this.maxReconnects = b.maxReconnects;
        this.reconnectBufferSize = b.reconnectBufferSize;
        this.properties = Collections.unmodifiableMap(new TreeMap<>(b.properties));
        validate();
    }

    /** Starts a builder. */
    public static Builder builder() {
        return new Builder();
    }

    private void validate() {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException(
                    "servers: at least one NATS server URL is required, e.g. nats://localhost:4222");
        }
        for (String server : servers) {
            if (!EnvironmentReferences.contains(server)) {
                validateServerUrl(server);
            }
        }
        if (password != null && username == null) {
            throw new IllegalArgumentException("password is set but username is not: set both.");
        }
        if (username != null && password == null) {
            throw new IllegalArgumentException("username is set but password is not: set both.");
        }
        int methods =
                (username != null ? 1 : 0)
                        + (token != null ? 1 : 0)
                        + (credentialsFile != null ? 1 : 0)
                        + (nkeySeedFile != null ? 1 : 0);
        if (methods > 1) {
            throw new IllegalArgumentException(
                    "Only one authentication method may be set: username/password, token,"
                            + " credentials_file or nkey_seed_file.");
        }
        requirePositive("connection timeout", connectionTimeout);
        requireNotNegative("reconnect wait", reconnectWait);
        if (maxReconnects < -1) {
            throw new IllegalArgumentException(
                    "max reconnects must be -1 (forever) or >= 0, was " + maxReconnects);
        }
        if (reconnectBufferSize < 0) {
            throw new IllegalArgumentException(
                    "reconnect buffer size must be >= 0 bytes, was " + reconnectBufferSize);
        }
    }

    private static void validateServerUrl(String server) {
        if (server == null || server.trim().isEmpty()) {
            throw new IllegalArgumentException("servers: a server URL is empty.");
        }
        URI uri;
        try {
            uri =
                    new URI(
                            server.trim().contains("://")
                                    ? server.trim()
                                    : "nats://" + server.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "servers: '"
                            + Redaction.url(server)
                            + "' is not a valid URL: "
                            + e.getReason());
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("nats")
                && !scheme.equals("tls")
                && !scheme.equals("opentls")
                && !scheme.equals("ws")
                && !scheme.equals("wss")) {
            throw new IllegalArgumentException(
                    "servers: '"
                            + Redaction.url(server)
                            + "' has scheme '"
                            + scheme
                            + "'; use nats://, tls://, opentls://, ws:// or wss://.");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "servers: '"
                            + Redaction.url(server)
                            + "' has no host, e.g. nats://localhost:4222");
        }
    }

    /** The server URLs, with user info masked: safe for logs and error messages. */
    public String redactedServers() {
        return servers.stream().map(Redaction::url).collect(Collectors.joining(", ", "[", "]"));
    }

    /**
     * jnats reads property keys with or without its "io.nats.client." prefix. The prefix is built
     * at run time and stripped here, because the shaded SQL jar relocates the package name inside
     * string constants too, and a long key would then match nothing.
     */
    private static String shortPropertyKey(String key) {
        String prefix = String.join(".", "io", "nats", "client") + ".";
        return key.startsWith(prefix) ? key.substring(prefix.length()) : key;
    }

    /** Whether any value holds a {@code ${NAME}} reference still to be resolved. */
    public boolean hasEnvironmentReferences() {
        if (servers.stream().anyMatch(EnvironmentReferences::contains)) {
            return true;
        }
        for (String v : secretAndPlainValues()) {
            if (EnvironmentReferences.contains(v)) {
                return true;
            }
        }
        if (tls != null && tls.hasEnvironmentReferences()) {
            return true;
        }
        return properties.values().stream().anyMatch(EnvironmentReferences::contains);
    }

    /** Whether any value contains "${": a reference, or an escaped "$${" to unescape. */
    private boolean mayHoldReferences() {
        if (servers.stream().anyMatch(ConnectionSettings::hasDollarBrace)) {
            return true;
        }
        for (String v : secretAndPlainValues()) {
            if (hasDollarBrace(v)) {
                return true;
            }
        }
        if (tls != null && tls.mayHoldReferences()) {
            return true;
        }
        return properties.values().stream().anyMatch(ConnectionSettings::hasDollarBrace);
    }

    private String[] secretAndPlainValues() {
        return new String[] {
            username, password, token, credentialsFile, nkeySeedFile, connectionName
        };
    }

    private static boolean hasDollarBrace(String value) {
        return value != null && value.contains("${");
    }

    /**
     * These settings with every {@code ${NAME}} reference replaced from this process's environment,
     * validated again. Called where the connection is made (the TaskManager).
     *
     * @throws IllegalArgumentException naming the option and variable when one is not set
     */
    public ConnectionSettings resolveEnvironmentReferences() {
        if (!mayHoldReferences()) {
            return this;
        }
        Builder b = builder();
        List<String> resolvedServers = new ArrayList<>();
        for (String server : servers) {
            resolvedServers.addAll(splitServers(EnvironmentReferences.resolve(server, "servers")));
        }
        b.servers(resolvedServers)
                .userInfo(
                        EnvironmentReferences.resolve(username, "username"),
                        EnvironmentReferences.resolve(password, "password"))
                .token(EnvironmentReferences.resolve(token, "token"))
                .credentialsFile(EnvironmentReferences.resolve(credentialsFile, "credentials_file"))
                .nkeySeedFile(EnvironmentReferences.resolve(nkeySeedFile, "nkey_seed_file"))
                .tls(tls == null ? null : tls.resolve(EnvironmentReferences::resolve))
                .connectionName(EnvironmentReferences.resolve(connectionName, "connection_name"))
                .connectionTimeout(connectionTimeout)
                .reconnectWait(reconnectWait)
                .maxReconnects(maxReconnects)
                .reconnectBufferSize(reconnectBufferSize);
        properties.forEach(
                (k, v) -> b.property(k, EnvironmentReferences.resolve(v, "properties." + k)));
        return b.build();
    }

    /**
     * Splits a {@code servers} value: a JSON array of strings ({@code ["nats://a:4222",
     * "nats://b:4222"]}) or a comma-separated list.
     */
    public static List<String> splitServers(String value) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        String v = value.trim();
        if (v.startsWith("[")) {
            if (!v.endsWith("]")) {
                throw new IllegalArgumentException(
                        "servers: '"
                                + Redaction.url(v)
                                + "' starts a JSON array but does not end with ']'.");
            }
            v = v.substring(1, v.length() - 1);
        }
        for (String part : v.split(",")) {
            String p = part.trim();
            // Double quotes from JSON; single quotes from a YAML list flattened by Flink.
            if (p.length() >= 2
                    && ((p.startsWith("\"") && p.endsWith("\""))
                            || (p.startsWith("'") && p.endsWith("'")))) {
                p = p.substring(1, p.length() - 1).trim();
            } else if (p.startsWith("\"")
                    || p.endsWith("\"")
                    || p.startsWith("'")
                    || p.endsWith("'")) {
                throw new IllegalArgumentException(
                        "servers: '" + Redaction.url(p) + "' has an unbalanced quote.");
            }
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * A jnats options builder for these settings. The caller adds listeners and anything specific
     * to its use. {@code ${NAME}} references must have been resolved first.
     */
    public Options.Builder toOptionsBuilder(
            ConnectionListener connectionListener, ErrorListener errorListener) {
        if (hasEnvironmentReferences()) {
            throw new IllegalStateException(
                    "Resolve the ${NAME} references before connecting (resolveEnvironmentReferences).");
        }
        Properties props = new Properties();
        properties.forEach((k, v) -> props.put(shortPropertyKey(k), v));
        Options.Builder builder =
                new Options.Builder(props)
                        .servers(servers.toArray(new String[0]))
                        .connectionTimeout(connectionTimeout)
                        .reconnectWait(reconnectWait)
                        .maxReconnects(maxReconnects)
                        .reconnectBufferSize(reconnectBufferSize)
                        .connectionListener(connectionListener)
                        .errorListener(errorListener);
        if (connectionName != null) {
            builder.connectionName(connectionName);
        }
        if (username != null) {
            builder.userInfo(username.toCharArray(), password.toCharArray());
        }
        if (token != null) {
            builder.token(token.toCharArray());
        }
        if (username == null && token == null && credentialsFile == null && nkeySeedFile == null) {
            applyUrlUserInfo(builder);
        }
        if (credentialsFile != null) {
            // Checked where the connection is made: the file lives on the TaskManagers.
            if (!Files.isReadable(Paths.get(credentialsFile))) {
                throw new IllegalArgumentException(
                        "credentials_file: cannot read '"
                                + credentialsFile
                                + "' on this machine; it must exist and be readable on every"
                                + " TaskManager.");
            }
            builder.authHandler(io.nats.client.Nats.credentials(credentialsFile));
        }
        if (nkeySeedFile != null) {
            if (!Files.isReadable(Paths.get(nkeySeedFile))) {
                throw new IllegalArgumentException(
                        "nkey_seed_file: cannot read '"
                                + nkeySeedFile
                                + "' on this machine; it must exist and be readable on every"
                                + " TaskManager.");
            }
            // No JWT: the server knows the user by its public NKey (challenge only).
            builder.authHandler(io.nats.client.Nats.credentials(null, nkeySeedFile));
        }
        if (tls != null) {
            // With a context, jnats upgrades to TLS whatever the URL's scheme.
            builder.sslContext(tls.createSslContext());
        }
        return builder;
    }

    /**
     * jnats sends a URL's user info only to that URL's server, not to the servers a cluster
     * advertises (discovery), so after failing over to one of those the connection would be
     * refused. When the URLs agree on their user info and no other credentials are set, it is made
     * the connection's credentials ({@code user:password}, or a token), for every server.
     */
    private void applyUrlUserInfo(Options.Builder builder) {
        String userInfo = null;
        for (String server : servers) {
            String info;
            try {
                info = new URI(server).getUserInfo();
            } catch (URISyntaxException e) {
                continue;
            }
            if (info == null || info.isEmpty()) {
                continue;
            }
            if (userInfo != null && !userInfo.equals(info)) {
                return; // different credentials per URL: leave each URL its own
            }
            userInfo = info;
        }
        if (userInfo == null) {
            return;
        }
        int colon = userInfo.indexOf(':');
        if (colon < 0) {
            builder.token(userInfo.toCharArray());
        } else {
            builder.userInfo(
                    userInfo.substring(0, colon).toCharArray(),
                    userInfo.substring(colon + 1).toCharArray());
        }
    }

    public List<String> getServers() {
        return servers;
    }

    public String getUsername() {
        return username;
    }

    public String getConnectionName() {
        return connectionName;
    }

    public String getCredentialsFile() {
        return credentialsFile;
    }

    /** The TLS settings, or null (TLS then only with {@code tls://} URLs, JVM defaults). */
    public TlsSettings getTls() {
        return tls;
    }

    /**
     * The options a user should check when the server refuses authentication, e.g. {@code
     * 'username'/'password' (setUserInfo)}; for error messages.
     */
    public String authenticationOptions() {
        if (username != null) {
            return "'username'/'password' (setUserInfo)";
        }
        if (token != null) {
            return "'token' (setToken)";
        }
        if (credentialsFile != null) {
            return "'credentials_file' (setCredentialsFile)";
        }
        if (nkeySeedFile != null) {
            return "'nkey_seed_file' (setNKeySeedFile)";
        }
        return "none is set, but the server requires authentication: set 'username'/'password',"
                + " 'token', 'credentials_file' or 'nkey_seed_file'";
    }

    public boolean hasPassword() {
        return password != null;
    }

    public boolean hasToken() {
        return token != null;
    }

    public Duration getConnectionTimeout() {
        return connectionTimeout;
    }

    public Duration getReconnectWait() {
        return reconnectWait;
    }

    public int getMaxReconnects() {
        return maxReconnects;
    }

    public long getReconnectBufferSize() {
        return reconnectBufferSize;
    }

    /**
     * jnats {@code Options} properties passed through (keys with or without {@code
     * io.nats.client.}).
     */
    public Map<String, String> getProperties() {
        return properties;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ConnectionSettings)) {
            return false;
        }
        ConnectionSettings that = (ConnectionSettings) o;
        return maxReconnects == that.maxReconnects
                && reconnectBufferSize == that.reconnectBufferSize
                && servers.equals(that.servers)
                && Objects.equals(username, that.username)
                && Objects.equals(password, that.password)
                && Objects.equals(token, that.token)
                && Objects.equals(credentialsFile, that.credentialsFile)
                && Objects.equals(nkeySeedFile, that.nkeySeedFile)
                && Objects.equals(tls, that.tls)
                && Objects.equals(connectionName, that.connectionName)
                && connectionTimeout.equals(that.connectionTimeout)
                && reconnectWait.equals(that.reconnectWait)
                && properties.equals(that.properties);
    }

    @Override
    public int hashCode() {
        return Objects.hash(servers, username, connectionName, connectionTimeout, maxReconnects);
    }

    @Override
    public String toString() {
        return "ConnectionSettings{servers="
                + redactedServers()
                + ", username="
                + username
                + ", password="
                + (password == null ? null : Redaction.MASK)
                + ", token="
                + (token == null ? null : Redaction.MASK)
                + ", credentialsFile="
                + credentialsFile
                + ", nkeySeedFile="
                + nkeySeedFile
                + ", tls="
                + tls
                + ", connectionName="
                + connectionName
                + ", connectionTimeout="
                + connectionTimeout
                + ", reconnectWait="
                + reconnectWait
                + ", maxReconnects="
                + maxReconnects
                + ", reconnectBufferSize="
                + reconnectBufferSize
                + ", properties="
                + maskedProperties()
                + '}';
    }

    private Map<String, String> maskedProperties() {
        Map<String, String> masked = new TreeMap<>();
        properties.forEach(
                (k, v) ->
                        masked.put(
                                k,
                                SECRET_KEY.matcher(k).find() && !EnvironmentReferences.contains(v)
                                        ? Redaction.MASK
                                        : v));
        return masked;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static void requirePositive(String name, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }

    private static void requireNotNegative(String name, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
    }

    /** Builds {@link ConnectionSettings}; {@link #build()} validates. */
    @PublicEvolving
    public static final class Builder {
        private final List<String> servers = new ArrayList<>();
        private String username;
        private String password;
        private String token;
        private String credentialsFile;
        private String nkeySeedFile;
        private TlsSettings tls;
        private String connectionName;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private Duration reconnectWait = DEFAULT_RECONNECT_WAIT;
        private int maxReconnects = DEFAULT_MAX_RECONNECTS;
        private long reconnectBufferSize = DEFAULT_RECONNECT_BUFFER_SIZE;
        private final Map<String, String> properties = new TreeMap<>();

        private Builder() {}

        /**
         * A jnats {@code Options} property for anything not modelled here, e.g. {@code
         * socket.send.buffer.size}; applied before the settings above, which win.
         */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /** Server URLs, e.g. {@code nats://localhost:4222}; replaces earlier ones. */
        public Builder servers(String... urls) {
            return servers(java.util.Arrays.asList(urls));
        }

        /** Server URLs; replaces earlier ones. */
        public Builder servers(List<String> urls) {
            servers.clear();
            for (String url : urls) {
                servers.add(url == null ? null : url.trim());
            }
            return this;
        }

        /** Username and password authentication. */
        public Builder userInfo(String username, String password) {
            this.username = username;
            this.password = password;
            return this;
        }

        /** Token authentication. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** A {@code .creds} file (JWT and NKey seed) for decentralized authentication. */
        public Builder credentialsFile(String path) {
            this.credentialsFile = path;
            return this;
        }

        /**
         * A file holding an NKey seed ({@code SU...}) for NKey authentication: the server's {@code
         * authorization} lists the user's public key, and the client signs the server's challenge.
         */
        public Builder nkeySeedFile(String path) {
            this.nkeySeedFile = path;
            return this;
        }

        /**
         * TLS: trust store or CA file, and for mutual TLS a key store or client certificate and
         * key. Set, TLS is used whatever the URL scheme; null (default) uses TLS only for {@code
         * tls://} URLs, with the JVM's default trust store.
         */
        public Builder tls(TlsSettings tls) {
            this.tls = tls;
            return this;
        }

        /** The name the server shows for this connection (monitoring, logs). */
        public Builder connectionName(String name) {
            this.connectionName = name;
            return this;
        }

        /** Time allowed to establish a connection to one server. */
        public Builder connectionTimeout(Duration timeout) {
            this.connectionTimeout = timeout;
            return this;
        }

        /** Wait between reconnect attempts to the same server. */
        public Builder reconnectWait(Duration wait) {
            this.reconnectWait = wait;
            return this;
        }

        /** Reconnect attempts before giving up and failing the job; -1 means forever. */
        public Builder maxReconnects(int maxReconnects) {
            this.maxReconnects = maxReconnects;
            return this;
        }

        /** Bytes of publishes jnats holds while reconnecting; 0 disables that buffer. */
        public Builder reconnectBufferSize(long bytes) {
            this.reconnectBufferSize = bytes;
            return this;
        }

        /** Validates and builds the settings. */
        public ConnectionSettings build() {
            return new ConnectionSettings(this);
        }
    }
}
