package io.laminar.flink.connector.nats.connection;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.util.Arrays;
import java.util.StringJoiner;

/**
 * TLS for the NATS connection: whom to trust (a trust store, or CA certificates in a PEM file) and,
 * for mutual TLS, the client's own certificate (a key store, or a certificate and key in PEM
 * files). With nothing set, TLS uses the JVM's default trust store. Immutable and validated on
 * construction; {@link #toString()} masks the passwords. Paths are read where the connection is
 * made (the TaskManager); paths and passwords may be {@code ${NAME}} references to environment
 * variables the cluster allows (the store types may not). Error messages name the settings {@code
 * trustStorePath}, {@code trustStorePassword}, {@code trustStoreType}, {@code keyStorePath}, {@code
 * keyStorePassword}, {@code keyStoreType}, {@code caCertFile}, {@code certFile} and {@code
 * keyFile}.
 *
 * <pre>{@code
 * TlsSettings tls =
 *         TlsSettings.builder()
 *                 .trustStore("/etc/nats/truststore.p12", "${NATS_TRUSTSTORE_PASSWORD}")
 *                 .keyStore("/etc/nats/client.p12", "${NATS_KEYSTORE_PASSWORD}")
 *                 .build();
 * // or PEM files, as nats-server itself uses them:
 * TlsSettings pem =
 *         TlsSettings.builder()
 *                 .caCertFile("/etc/nats/ca.pem")
 *                 .clientCertificate("/etc/nats/client.pem", "/etc/nats/client-key.pem")
 *                 .build();
 * }</pre>
 */
@PublicEvolving
public final class TlsSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    static final int TRUST_STORE_PATH = 0;
    static final int TRUST_STORE_PASSWORD = 1;
    static final int TRUST_STORE_TYPE = 2;
    static final int KEY_STORE_PATH = 3;
    static final int KEY_STORE_PASSWORD = 4;
    static final int KEY_STORE_TYPE = 5;
    static final int CA_CERT_FILE = 6;
    static final int CERT_FILE = 7;
    static final int KEY_FILE = 8;

    /** Each value's setting name, by index. */
    static final String[] NAMES = {
        "trustStorePath",
        "trustStorePassword",
        "trustStoreType",
        "keyStorePath",
        "keyStorePassword",
        "keyStoreType",
        "caCertFile",
        "certFile",
        "keyFile"
    };

    /** The values by the indexes above; null when not set. */
    private final String[] values;

    /** Whether references are resolved and escapes undone: the settings a writer connects with. */
    private final boolean resolved;

    private TlsSettings(String[] values, boolean resolved) {
        this.values = values.clone();
        this.resolved = resolved;
        for (int i = 0; i < this.values.length; i++) {
            if (this.values[i] != null && this.values[i].isEmpty()) {
                this.values[i] = null;
            }
        }
        validate();
    }

    private static boolean takesReferences(int setting) {
        return setting != TRUST_STORE_TYPE && setting != KEY_STORE_TYPE;
    }

    /** Starts a builder. */
    public static Builder builder() {
        return new Builder();
    }

    private void validate() {
        for (int i = 0; i < values.length && !resolved; i++) {
            if (!takesReferences(i)) {
                EnvironmentReferences.requireNone(values[i], NAMES[i]);
            }
        }
        require(
                !(has(TRUST_STORE_PATH) && has(CA_CERT_FILE)),
                "Set either %s or %s (PEM) to say which servers to trust, not both.",
                TRUST_STORE_PATH,
                CA_CERT_FILE);
        require(
                has(TRUST_STORE_PATH) || !(has(TRUST_STORE_PASSWORD) || has(TRUST_STORE_TYPE)),
                "%s or %s is set but %s is not.",
                TRUST_STORE_PASSWORD,
                TRUST_STORE_TYPE,
                TRUST_STORE_PATH);
        require(
                has(KEY_STORE_PATH) || !(has(KEY_STORE_PASSWORD) || has(KEY_STORE_TYPE)),
                "%s or %s is set but %s is not.",
                KEY_STORE_PASSWORD,
                KEY_STORE_TYPE,
                KEY_STORE_PATH);
        require(
                has(CERT_FILE) == has(KEY_FILE),
                "%s and %s (the client certificate and its private key, PEM) go together: set"
                        + " both.",
                CERT_FILE,
                KEY_FILE);
        require(
                !(has(KEY_STORE_PATH) && has(CERT_FILE)),
                "Set either %s or %s/%s (PEM) for the client certificate, not both.",
                KEY_STORE_PATH,
                CERT_FILE,
                KEY_FILE);
    }

    private static void require(boolean valid, String problem, int... settings) {
        if (!valid) {
            Object[] names = Arrays.stream(settings).mapToObj(i -> "'" + NAMES[i] + "'").toArray();
            throw new IllegalArgumentException(String.format(problem, names));
        }
    }

    boolean has(int setting) {
        return values[setting] != null;
    }

    String get(int setting) {
        return values[setting];
    }

    /** Whether any value holds a {@code ${NAME}} reference still to be resolved. */
    boolean hasEnvironmentReferences() {
        return !resolved && Arrays.stream(values).anyMatch(EnvironmentReferences::contains);
    }

    /** Whether resolving would change a value: a reference to replace or a {@code $${} to undo. */
    boolean needsResolving() {
        return !resolved && Arrays.stream(values).anyMatch(v -> v != null && v.contains("${"));
    }

    /**
     * These settings with the references in paths and passwords resolved by {@code references},
     * and {@code $${} written as {@code ${} in every value.
     */
    TlsSettings resolve(EnvironmentReferences references) {
        if (resolved) {
            return this;
        }
        String[] out = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] =
                    takesReferences(i)
                            ? references.resolve(values[i], NAMES[i])
                            : EnvironmentReferences.unescape(values[i]);
        }
        return new TlsSettings(out, true);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsSettings && Arrays.equals(values, ((TlsSettings) o).values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringJoiner out = new StringJoiner(", ", "TlsSettings{", "}");
        for (int i = 0; i < values.length; i++) {
            boolean secret = i == TRUST_STORE_PASSWORD || i == KEY_STORE_PASSWORD;
            out.add(NAMES[i] + "=" + (secret && has(i) ? Redaction.MASK : values[i]));
        }
        return out.toString();
    }

    /** Builds {@link TlsSettings}; {@link #build()} validates. */
    @PublicEvolving
    public static final class Builder {
        private final String[] values = new String[NAMES.length];

        private Builder() {}

        /**
         * A trust store (PKCS12 or JKS) holding the CA certificates that signed the servers'
         * certificates. The password may be null for a store without integrity check.
         */
        public Builder trustStore(String path, String password) {
            values[TRUST_STORE_PATH] = path;
            values[TRUST_STORE_PASSWORD] = password;
            return this;
        }

        /** The trust store's type ({@code PKCS12}, {@code JKS}); default from the file name. */
        public Builder trustStoreType(String type) {
            values[TRUST_STORE_TYPE] = type;
            return this;
        }

        /**
         * A key store (PKCS12 or JKS) with the client's certificate and private key, for mutual
         * TLS; the key's password must be the store's password.
         */
        public Builder keyStore(String path, String password) {
            values[KEY_STORE_PATH] = path;
            values[KEY_STORE_PASSWORD] = password;
            return this;
        }

        /** The key store's type ({@code PKCS12}, {@code JKS}); default from the file name. */
        public Builder keyStoreType(String type) {
            values[KEY_STORE_TYPE] = type;
            return this;
        }

        /** A PEM file with the CA certificates to trust (instead of a trust store). */
        public Builder caCertFile(String path) {
            values[CA_CERT_FILE] = path;
            return this;
        }

        /**
         * The client certificate (chain) and its unencrypted private key as PEM files, for mutual
         * TLS (instead of a key store). The key may be PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1
         * ({@code BEGIN RSA PRIVATE KEY}).
         */
        public Builder clientCertificate(String certFile, String keyFile) {
            values[CERT_FILE] = certFile;
            values[KEY_FILE] = keyFile;
            return this;
        }

        /** Validates and builds the settings. */
        public TlsSettings build() {
            return new TlsSettings(values, false);
        }
    }
}
