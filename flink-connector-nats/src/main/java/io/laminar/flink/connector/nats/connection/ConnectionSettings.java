package io.laminar.flink.connector.nats.connection;

import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * How to reach and authenticate with NATS: server URLs, credentials, timeouts and reconnect
 * behaviour. Immutable and validated on construction; {@link #toString()} masks every secret. Each
 * setting has one name, that of its builder method (which is jnats' where jnats has one), and error
 * messages use it: {@code servers}, {@code userInfo}, {@code token}, {@code credentialsFile},
 * {@code credentials}, {@code nkeySeedFile}, {@code nkeySeed}, {@code jwt}, {@code tls}, {@code verifyHostname}, {@code insecureTrustAll}, {@code
 * connectionName}, {@code connectionTimeout}, {@code reconnectWait}, {@code maxReconnects}, {@code
 * reconnectBufferSize}, {@code properties}.
 *
 * <p>The settings that carry secrets, paths or servers ({@code servers}, {@code userInfo}, {@code
 * token}, {@code credentialsFile}, {@code credentials}, {@code nkeySeedFile}, {@code nkeySeed},
 * {@code jwt}, the TLS paths and passwords) may hold
 * {@code ${NAME}} references to environment variables, resolved where the connection is made
 * ({@link #resolveEnvironmentReferences}) for the variables the cluster allows. The others refuse
 * references; in every setting {@code $${} writes a literal {@code ${}.
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

    /** Every authentication setting, for messages. */
    static final String AUTHENTICATION_SETTINGS =
            "'userInfo', 'token', 'credentialsFile', 'credentials', 'nkeySeedFile' or 'nkeySeed'"
                    + " (with 'jwt')";

    private static final Pattern SECRET_KEY =
            Pattern.compile("(?i)(password|token|secret|seed|nkey|credential|jwt|key)");

    private final List<String> servers;
    private final String username;
    private final String password;
    private final String token;
    private final String credentialsFile;
    private final String nkeySeedFile;
    private final String credentials;
    private final String nkeySeed;
    private final String jwt;
    private final TlsSettings tls;
    private final boolean verifyHostname;
    private final boolean insecureTrustAll;
    private final String connectionName;
    private final Duration connectionTimeout;
    private final Duration reconnectWait;
    private final int maxReconnects;
    private final long reconnectBufferSize;
    private final Map<String, String> properties;

    /**
     * Whether these are the settings a writer connects with: references resolved, escapes undone.
     */
    private final boolean resolved;

    private ConnectionSettings(Builder b) {
        this.servers = Collections.unmodifiableList(new ArrayList<>(b.servers));
        this.username = emptyToNull(b.username);
        this.password = emptyToNull(b.password);
        this.token = emptyToNull(b.token);
        this.credentialsFile = emptyToNull(b.credentialsFile);
        this.nkeySeedFile = emptyToNull(b.nkeySeedFile);
        this.credentials = emptyToNull(b.credentials);
        this.nkeySeed = emptyToNull(b.nkeySeed);
        this.jwt = emptyToNull(b.jwt);
        this.tls = b.tls;
        this.verifyHostname = b.verifyHostname;
        this.insecureTrustAll = b.insecureTrustAll;
        this.connectionName = emptyToNull(b.connectionName);
        this.connectionTimeout = b.connectionTimeout;
        this.reconnectWait = b.reconnectWait;
        this.maxReconnects = b.maxReconnects;
        this.reconnectBufferSize = b.reconnectBufferSize;
        this.properties = Collections.unmodifiableMap(new TreeMap<>(b.properties));
        this.resolved = b.resolved;
        validate();
    }

    /** Starts a builder. */
    public static Builder builder() {
        return new Builder();
    }

    private void validate() {
        require(
                !servers.isEmpty(),
                "'servers': at least one NATS server URL is required, e.g."
                        + " nats://localhost:4222");
        servers.stream()
                .filter(s -> resolved || !EnvironmentReferences.contains(s))
                .forEach(s -> ServerUrls.check(s));
        if (!resolved) {
            EnvironmentReferences.requireNone(connectionName, "connectionName");
            properties.forEach((k, v) -> EnvironmentReferences.requireNone(v, "properties." + k));
        }
        require(
                (username == null) == (password == null),
                "'userInfo': "
                        + (username == null ? "password" : "username")
                        + " is set but "
                        + (username == null ? "username" : "password")
                        + " is not: set both.");
        require(
                jwt == null || nkeySeed != null,
                "'jwt': a user JWT needs the NKey seed it was issued for: set 'nkeySeed' too (or"
                        + " give both as 'credentials').");
        long methods =
                Stream.of(username, token, credentialsFile, credentials, nkeySeedFile, nkeySeed)
                        .filter(Objects::nonNull)
                        .count();
        require(
                methods <= 1,
                "Only one authentication method may be set: " + AUTHENTICATION_SETTINGS + ".");
        require(
                connectionTimeout != null
                        && !connectionTimeout.isNegative()
                        && !connectionTimeout.isZero(),
                "'connectionTimeout': the connection timeout must be positive, was "
                        + connectionTimeout);
        require(
                reconnectWait != null && !reconnectWait.isNegative(),
                "'reconnectWait': the reconnect wait must not be negative, was " + reconnectWait);
        require(
                maxReconnects >= -1,
                "'maxReconnects': max reconnects must be -1 (forever) or >= 0, was "
                        + maxReconnects);
        require(
                reconnectBufferSize >= 0,
                "'reconnectBufferSize': the reconnect buffer size must be >= 0 bytes, was "
                        + reconnectBufferSize);
        tlsVerification().check();
        JnatsProperties.refuseUnsafe(properties);
    }

    private static void require(boolean valid, String problem) {
        if (!valid) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** The server URLs, with user info masked: safe for logs and error messages. */
    public String redactedServers() {
        return servers.stream().map(Redaction::url).collect(Collectors.joining(", ", "[", "]"));
    }

    /** The values that may hold references: those that carry secrets, paths or servers. */
    private Stream<String> referenceValues() {
        return Stream.concat(
                servers.stream(),
                Stream.of(
                        username,
                        password,
                        token,
                        credentialsFile,
                        credentials,
                        nkeySeedFile,
                        nkeySeed,
                        jwt));
    }

    /** Every string value. */
    private Stream<String> values() {
        return Stream.of(referenceValues(), Stream.of(connectionName), properties.values().stream())
                .flatMap(s -> s);
    }

    /** Whether any value holds a {@code ${NAME}} reference still to be resolved. */
    public boolean hasEnvironmentReferences() {
        return !resolved
                && (referenceValues().anyMatch(EnvironmentReferences::contains)
                        || (tls != null && tls.hasEnvironmentReferences()));
    }

    /** Whether resolving would change a value: a reference to replace or a {@code $${} to undo. */
    private boolean needsResolving() {
        return !resolved
                && (values().anyMatch(v -> v != null && v.contains("${"))
                        || (tls != null && tls.needsResolving()));
    }

    /**
     * These settings with every {@code ${NAME}} reference replaced from this process's environment,
     * as far as {@code references} allows, and every {@code $${} written as {@code ${}; validated
     * again. Called where the connection is made (the TaskManager). Only the settings that carry
     * secrets, paths or servers hold references; the others refused them when built.
     *
     * @throws IllegalArgumentException naming the setting and the variable when the variable is not
     *     allowed or not set (never its value)
     */
    public ConnectionSettings resolveEnvironmentReferences(EnvironmentReferences references) {
        if (!needsResolving()) {
            return this;
        }
        List<String> resolvedServers = new ArrayList<>();
        for (String server : servers) {
            resolvedServers.addAll(ServerUrls.split(references.resolve(server, "servers")));
        }
        Builder b =
                toBuilder()
                        .servers(resolvedServers)
                        .userInfo(
                                references.resolve(username, "username"),
                                references.resolve(password, "password"))
                        .token(references.resolve(token, "token"))
                        .credentialsFile(references.resolve(credentialsFile, "credentialsFile"))
                        .nkeySeedFile(references.resolve(nkeySeedFile, "nkeySeedFile"))
                        .credentials(references.resolve(credentials, "credentials"))
                        .nkeySeed(references.resolve(nkeySeed, "nkeySeed"))
                        .jwt(references.resolve(jwt, "jwt"))
                        .tls(tls == null ? null : tls.resolve(references))
                        .connectionName(EnvironmentReferences.unescape(connectionName));
        properties.forEach((k, v) -> b.property(k, EnvironmentReferences.unescape(v)));
        b.resolved = true;
        return b.build();
    }

    private Builder toBuilder() {
        Builder b =
                builder()
                        .servers(servers)
                        .userInfo(username, password)
                        .token(token)
                        .credentialsFile(credentialsFile)
                        .nkeySeedFile(nkeySeedFile)
                        .credentials(credentials)
                        .nkeySeed(nkeySeed)
                        .jwt(jwt)
                        .tls(tls)
                        .verifyHostname(verifyHostname)
                        .insecureTrustAll(insecureTrustAll)
                        .connectionName(connectionName)
                        .connectionTimeout(connectionTimeout)
                        .reconnectWait(reconnectWait)
                        .maxReconnects(maxReconnects)
                        .reconnectBufferSize(reconnectBufferSize);
        b.properties.putAll(properties);
        return b;
    }

    /**
     * A jnats options builder for these settings. The caller adds anything specific to its use.
     * {@code ${NAME}} references must have been resolved first.
     */
    public Options.Builder toOptionsBuilder(ConnectionListener connections, ErrorListener errors) {
        if (needsResolving()) {
            throw new IllegalStateException(
                    "Resolve the ${NAME} references before connecting (resolveEnvironmentReferences).");
        }
        Options.Builder builder =
                new Options.Builder(JnatsProperties.toJnats(properties))
                        .servers(servers.toArray(new String[0]))
                        .connectionTimeout(connectionTimeout)
                        .reconnectWait(reconnectWait)
                        .maxReconnects(maxReconnects)
                        .reconnectBufferSize(reconnectBufferSize)
                        .connectionListener(connections)
                        .errorListener(errors);
        if (connectionName != null) {
            builder.connectionName(connectionName);
        }
        if (username != null) {
            builder.userInfo(username.toCharArray(), password.toCharArray());
        } else if (token != null) {
            builder.token(token.toCharArray());
        } else if (credentialsFile != null) {
            // Checked where the connection is made: the file lives on the TaskManagers.
            builder.authHandler(Nats.credentials(readable(credentialsFile, "credentialsFile")));
        } else if (nkeySeedFile != null) {
            // No JWT: the server knows the user by its public NKey (challenge only).
            builder.authHandler(Nats.credentials(null, readable(nkeySeedFile, "nkeySeedFile")));
        } else if (credentials != null) {
            builder.authHandler(
                    Nats.staticCredentials(credentials.getBytes(StandardCharsets.UTF_8)));
        } else if (nkeySeed != null) {
            builder.authHandler(
                    Nats.staticCredentials(
                            jwt == null ? null : jwt.toCharArray(), nkeySeed.toCharArray()));
        } else {
            ServerUrls.applyUserInfo(servers, builder);
        }
        tlsVerification().apply(builder);
        return builder;
    }

    /** The properties as jnats reads them. */
    private Properties jnatsProperties() {
        return JnatsProperties.toJnats(properties);
    }

    private TlsVerification tlsVerification() {
        return new TlsVerification(servers, properties, tls, verifyHostname, insecureTrustAll);
    }

    private static String readable(String path, String setting) {
        require(
                Files.isReadable(Paths.get(path)),
                "'"
                        + setting
                        + "': cannot read '"
                        + path
                        + "' on this machine; it must exist and be readable on every TaskManager.");
        return path;
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

    /** Whether TLS connections check that the server's certificate names the host (default). */
    public boolean isVerifyHostname() {
        return verifyHostname;
    }

    /** Whether {@code opentls://} URLs and jnats' {@code opentls} property are allowed. */
    public boolean isInsecureTrustAll() {
        return insecureTrustAll;
    }

    /** The authentication setting in use, quoted, or what to set when none is; for messages. */
    String authenticationSetting() {
        return username != null
                ? "'userInfo'"
                : token != null
                        ? "'token'"
                        : credentialsFile != null
                                ? "'credentialsFile'"
                                : credentials != null
                                        ? "'credentials'"
                                        : nkeySeedFile != null
                                                ? "'nkeySeedFile'"
                                                : nkeySeed != null
                                                        ? jwt != null
                                                                ? "'jwt' and 'nkeySeed'"
                                                                : "'nkeySeed'"
                                                        : "none is set, but the server requires"
                                                                + " authentication: set "
                                                                + AUTHENTICATION_SETTINGS;
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

    /** jnats {@code Options} properties passed through (keys with or without its prefix). */
    public Map<String, String> getProperties() {
        return properties;
    }

    private List<Object> fields() {
        return Arrays.asList(
                servers,
                username,
                password,
                token,
                credentialsFile,
                nkeySeedFile,
                credentials,
                nkeySeed,
                jwt,
                tls,
                verifyHostname,
                insecureTrustAll,
                connectionName,
                connectionTimeout,
                reconnectWait,
                maxReconnects,
                reconnectBufferSize,
                properties);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConnectionSettings
                && fields().equals(((ConnectionSettings) o).fields());
    }

    @Override
    public int hashCode() {
        return fields().hashCode();
    }

    @Override
    public String toString() {
        Map<String, String> maskedProperties = new TreeMap<>();
        properties.forEach(
                (k, v) ->
                        maskedProperties.put(k, SECRET_KEY.matcher(k).find() ? Redaction.MASK : v));
        return "ConnectionSettings{servers="
                + redactedServers()
                + ", username="
                + username
                + ", password="
                + mask(password)
                + ", token="
                + mask(token)
                + ", credentialsFile="
                + credentialsFile
                + ", nkeySeedFile="
                + nkeySeedFile
                + ", credentials="
                + mask(credentials)
                + ", nkeySeed="
                + mask(nkeySeed)
                + ", jwt="
                + mask(jwt)
                + ", tls="
                + tls
                + ", verifyHostname="
                + verifyHostname
                + ", insecureTrustAll="
                + insecureTrustAll
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
                + maskedProperties
                + '}';
    }

    private static String mask(String secret) {
        return secret == null ? null : Redaction.MASK;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
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
        private String credentials;
        private String nkeySeed;
        private String jwt;
        private TlsSettings tls;
        private boolean verifyHostname = true;
        private boolean insecureTrustAll;
        private String connectionName;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private Duration reconnectWait = DEFAULT_RECONNECT_WAIT;
        private int maxReconnects = DEFAULT_MAX_RECONNECTS;
        private long reconnectBufferSize = DEFAULT_RECONNECT_BUFFER_SIZE;
        private final Map<String, String> properties = new TreeMap<>();
        private boolean resolved;

        private Builder() {}

        /**
         * A jnats {@code Options} property for anything not modelled here, e.g. {@code
         * socket.send.buffer.size}, with or without jnats' {@code io.nats.client.} prefix; applied
         * before the settings above, which win. {@link #build()} refuses the properties with which
         * jnats can lose records unnoticed ({@code outgoingqueue.discardwhenfull = true}, {@code
         * statisticscollector}) or republish them forever ({@code clientsidelimitchecks} other than
         * {@code true}, {@code noheaders = true}, {@code nonoresponders = true}). Taken as written: a
         * {@code ${NAME}} reference is refused here ({@code $${} writes a literal {@code ${});
         * secrets have settings of their own, which take references.
         */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /** Server URLs, e.g. {@code nats://localhost:4222}; replaces earlier ones. */
        public Builder servers(String... urls) {
            return servers(Arrays.asList(urls));
        }

        /** Server URLs; replaces earlier ones. */
        public Builder servers(List<String> urls) {
            servers.clear();
            urls.forEach(url -> servers.add(url == null ? null : url.trim()));
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
         * The whole text of a {@code .creds} file (user JWT and NKey seed) as a value, for
         * decentralized authentication without a file on the TaskManagers; usually a {@code
         * ${NAME}} reference to an environment variable holding it. Masked in {@code toString()}.
         */
        public Builder credentials(String text) {
            this.credentials = text;
            return this;
        }

        /**
         * An NKey seed ({@code SU...}) as a value: alone, NKey authentication (as {@link
         * #nkeySeedFile}); with {@link #jwt}, the seed of the user the JWT was issued for. Usually
         * a {@code ${NAME}} reference. Masked in {@code toString()}.
         */
        public Builder nkeySeed(String seed) {
            this.nkeySeed = seed;
            return this;
        }

        /**
         * A user JWT as a value, for decentralized authentication (operator mode) with {@link
         * #nkeySeed}. Usually a {@code ${NAME}} reference. Masked in {@code toString()}.
         */
        public Builder jwt(String jwt) {
            this.jwt = jwt;
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

        /**
         * Whether TLS connections check that the server's certificate names the host connected to
         * (default true): the host of a URL in {@code servers} (a DNS or IP subject alternative
         * name of the certificate), or the address a cluster advertises for a server it discovered.
         * Applies with {@link #tls} and with {@code tls://} URLs alone, and does not turn TLS on.
         * Turned off, a certificate of any host signed by a trusted CA is accepted.
         */
        public Builder verifyHostname(boolean verify) {
            this.verifyHostname = verify;
            return this;
        }

        /**
         * Allows {@code opentls://} URLs and jnats' {@code opentls} property, with which jnats
         * trusts every server certificate, so that anyone on the way to NATS can read and change
         * the traffic and take the credentials (default false: they are refused). For development
         * only; a WARN says so when the sink connects.
         */
        public Builder insecureTrustAll(boolean allow) {
            this.insecureTrustAll = allow;
            return this;
        }

        /**
         * The name the server shows for this connection (monitoring, logs). Taken as written: a
         * {@code ${NAME}} reference is refused here ({@code $${} writes a literal {@code ${}).
         */
        public Builder connectionName(String name) {
            this.connectionName = name;
            return this;
        }

        /** Time allowed to establish a connection to one server (default 5 s). */
        public Builder connectionTimeout(Duration timeout) {
            this.connectionTimeout = timeout;
            return this;
        }

        /** Wait between reconnect attempts to the same server (default 1 s). */
        public Builder reconnectWait(Duration wait) {
            this.reconnectWait = wait;
            return this;
        }

        /**
         * Reconnect attempts per server before the connection is given up and the job fails
         * (default 120; -1 means forever). With {@link #reconnectWait} it bounds the server outage
         * a job rides out; past it the job fails saying so, and a restart strategy restarts it from
         * its last checkpoint.
         */
        public Builder maxReconnects(int maxReconnects) {
            this.maxReconnects = maxReconnects;
            return this;
        }

        /** Bytes of publishes jnats holds while reconnecting (default 8 MiB); 0 disables it. */
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
