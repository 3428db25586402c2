package io.laminar.flink.connector.nats.connection;

import org.apache.flink.annotation.PublicEvolving;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * TLS for the NATS connection: whom to trust (a trust store, or CA certificates in a PEM file) and,
 * for mutual TLS, the client's own certificate (a key store, or a certificate and key in PEM
 * files). With nothing set, TLS uses the JVM's default trust store. Immutable and validated on
 * construction; {@link #toString()} masks the passwords. Paths are read where the connection is
 * made (the TaskManager); every value may be a {@code ${NAME}} reference to an environment
 * variable.
 *
 * <pre>{@code
 * TlsSettings tls =
 *         TlsSettings.builder()
 *                 .trustStore("/etc/nats/truststore.p12", "${TRUSTSTORE_PASSWORD}")
 *                 .keyStore("/etc/nats/client.p12", "${KEYSTORE_PASSWORD}")
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

    private static final String MASK = "******";

    // Option names as the SQL connector spells them; used in every error message.
    static final String TRUST_STORE_PATH = "tls.trust-store.path";
    static final String TRUST_STORE_PASSWORD = "tls.trust-store.password";
    static final String TRUST_STORE_TYPE = "tls.trust-store.type";
    static final String KEY_STORE_PATH = "tls.key-store.path";
    static final String KEY_STORE_PASSWORD = "tls.key-store.password";
    static final String KEY_STORE_TYPE = "tls.key-store.type";
    static final String CA_CERT_FILE = "tls.ca-cert-file";
    static final String CERT_FILE = "tls.cert-file";
    static final String KEY_FILE = "tls.key-file";

    private final String trustStorePath;
    private final String trustStorePassword;
    private final String trustStoreType;
    private final String keyStorePath;
    private final String keyStorePassword;
    private final String keyStoreType;
    private final String caCertFile;
    private final String certFile;
    private final String keyFile;

    private TlsSettings(Builder b) {
        this.trustStorePath = emptyToNull(b.trustStorePath);
        this.trustStorePassword = emptyToNull(b.trustStorePassword);
        this.trustStoreType = emptyToNull(b.trustStoreType);
        this.keyStorePath = emptyToNull(b.keyStorePath);
        this.keyStorePassword = emptyToNull(b.keyStorePassword);
        this.keyStoreType = emptyToNull(b.keyStoreType);
        this.caCertFile = emptyToNull(b.caCertFile);
        this.certFile = emptyToNull(b.certFile);
        this.keyFile = emptyToNull(b.keyFile);
        validate();
    }

    /** Starts a builder. */
    public static Builder builder() {
        return new Builder();
    }

    private void validate() {
        if (trustStorePath != null && caCertFile != null) {
            throw new IllegalArgumentException(
                    "Set either '"
                            + TRUST_STORE_PATH
                            + "' or '"
                            + CA_CERT_FILE
                            + "' (PEM) to say which servers to trust, not both.");
        }
        if (trustStorePath == null && (trustStorePassword != null || trustStoreType != null)) {
            throw new IllegalArgumentException(
                    "'"
                            + TRUST_STORE_PASSWORD
                            + "' or '"
                            + TRUST_STORE_TYPE
                            + "' is set but '"
                            + TRUST_STORE_PATH
                            + "' is not.");
        }
        if (keyStorePath == null && (keyStorePassword != null || keyStoreType != null)) {
            throw new IllegalArgumentException(
                    "'"
                            + KEY_STORE_PASSWORD
                            + "' or '"
                            + KEY_STORE_TYPE
                            + "' is set but '"
                            + KEY_STORE_PATH
                            + "' is not.");
        }
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException(
                    "'"
                            + CERT_FILE
                            + "' and '"
                            + KEY_FILE
                            + "' (the client certificate and its private key, PEM) go together:"
                            + " set both.");
        }
        if (keyStorePath != null && certFile != null) {
            throw new IllegalArgumentException(
                    "Set either '"
                            + KEY_STORE_PATH
                            + "' or '"
                            + CERT_FILE
                            + "'/'"
                            + KEY_FILE
                            + "' (PEM) for the client certificate, not both.");
        }
    }

    /** Whether any value holds a {@code ${NAME}} reference still to be resolved. */
    boolean hasEnvironmentReferences() {
        for (String v : values()) {
            if (EnvironmentReferences.contains(v)) {
                return true;
            }
        }
        return false;
    }

    /** Whether any value contains "${" (a reference or an escaped "$${"). */
    boolean mayHoldReferences() {
        for (String v : values()) {
            if (v != null && v.contains("${")) {
                return true;
            }
        }
        return false;
    }

    private String[] values() {
        return new String[] {
            trustStorePath,
            trustStorePassword,
            trustStoreType,
            keyStorePath,
            keyStorePassword,
            keyStoreType,
            caCertFile,
            certFile,
            keyFile
        };
    }

    /** These settings with every value passed through {@code resolve(value, optionName)}. */
    TlsSettings resolve(BiFunction<String, String, String> resolve) {
        return builder()
                .trustStore(
                        resolve.apply(trustStorePath, TRUST_STORE_PATH),
                        resolve.apply(trustStorePassword, TRUST_STORE_PASSWORD))
                .trustStoreType(resolve.apply(trustStoreType, TRUST_STORE_TYPE))
                .keyStore(
                        resolve.apply(keyStorePath, KEY_STORE_PATH),
                        resolve.apply(keyStorePassword, KEY_STORE_PASSWORD))
                .keyStoreType(resolve.apply(keyStoreType, KEY_STORE_TYPE))
                .caCertFile(resolve.apply(caCertFile, CA_CERT_FILE))
                .clientCertificate(
                        resolve.apply(certFile, CERT_FILE), resolve.apply(keyFile, KEY_FILE))
                .build();
    }

    /**
     * The SSL context for these settings, reading the files on this machine.
     *
     * @throws IllegalArgumentException naming the option whose file cannot be read or used
     */
    SSLContext createSslContext() {
        TrustManager[] trust = null;
        if (trustStorePath != null) {
            KeyStore store =
                    loadStore(
                            trustStorePath,
                            trustStorePassword,
                            trustStoreType,
                            TRUST_STORE_PATH,
                            TRUST_STORE_PASSWORD);
            trust = trustManagers(store, TRUST_STORE_PATH);
        } else if (caCertFile != null) {
            trust =
                    trustManagers(
                            PemFiles.trustStore(readable(caCertFile, CA_CERT_FILE), CA_CERT_FILE),
                            CA_CERT_FILE);
        }
        KeyManager[] keys = null;
        if (keyStorePath != null) {
            KeyStore store =
                    loadStore(
                            keyStorePath,
                            keyStorePassword,
                            keyStoreType,
                            KEY_STORE_PATH,
                            KEY_STORE_PASSWORD);
            keys = keyManagers(store, passwordChars(keyStorePassword), KEY_STORE_PASSWORD);
        } else if (certFile != null) {
            char[] password = PemFiles.inMemoryPassword();
            KeyStore store =
                    PemFiles.keyStore(
                            readable(certFile, CERT_FILE),
                            readable(keyFile, KEY_FILE),
                            password,
                            CERT_FILE,
                            KEY_FILE);
            keys = keyManagers(store, password, CERT_FILE + "'/'" + KEY_FILE);
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static KeyStore loadStore(
            String path, String password, String type, String pathOption, String passwordOption) {
        Path file = readable(path, pathOption);
        KeyStore store;
        try {
            store = KeyStore.getInstance(type == null ? typeOf(path) : type);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "'" + pathOption + "': unknown store type '" + type + "': " + e.getMessage());
        }
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, passwordChars(password));
            return store;
        } catch (IOException | GeneralSecurityException e) {
            // A wrong password surfaces as an IOException whose cause is an
            // UnrecoverableKeyException; name both options, as either may be wrong.
            throw new IllegalArgumentException(
                    "Cannot open '"
                            + path
                            + "' ('"
                            + pathOption
                            + "'): "
                            + e.getMessage()
                            + ". Check '"
                            + passwordOption
                            + "' and that the file is a "
                            + (type == null ? typeOf(path) : type)
                            + " store.",
                    e);
        }
    }

    /** PKCS12 unless the file name says JKS; Java reads either format with either type. */
    private static String typeOf(String path) {
        String lower = path.toLowerCase(java.util.Locale.ROOT);
        return lower.endsWith(".jks") ? "JKS" : "PKCS12";
    }

    private static TrustManager[] trustManagers(KeyStore store, String option) {
        try {
            TrustManagerFactory factory =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "'" + option + "': cannot use it to verify servers: " + e.getMessage(), e);
        }
    }

    private static KeyManager[] keyManagers(KeyStore store, char[] password, String option) {
        try {
            KeyManagerFactory factory =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            return factory.getKeyManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "'"
                            + option
                            + "': cannot use the client key: "
                            + e.getMessage()
                            + " (the key's password must be the store's password).",
                    e);
        }
    }

    private static Path readable(String path, String option) {
        Path file = Paths.get(path);
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(
                    "'"
                            + option
                            + "': cannot read '"
                            + path
                            + "' on this machine; it must exist and be readable on every"
                            + " TaskManager.");
        }
        return file;
    }

    private static char[] passwordChars(String password) {
        return password == null ? null : password.toCharArray();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TlsSettings)) {
            return false;
        }
        TlsSettings that = (TlsSettings) o;
        return java.util.Arrays.equals(values(), that.values());
    }

    @Override
    public int hashCode() {
        return Objects.hash(trustStorePath, keyStorePath, caCertFile, certFile, keyFile);
    }

    @Override
    public String toString() {
        return "TlsSettings{trustStorePath="
                + trustStorePath
                + ", trustStorePassword="
                + (trustStorePassword == null ? null : MASK)
                + ", trustStoreType="
                + trustStoreType
                + ", keyStorePath="
                + keyStorePath
                + ", keyStorePassword="
                + (keyStorePassword == null ? null : MASK)
                + ", keyStoreType="
                + keyStoreType
                + ", caCertFile="
                + caCertFile
                + ", certFile="
                + certFile
                + ", keyFile="
                + keyFile
                + '}';
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Builds {@link TlsSettings}; {@link #build()} validates. */
    @PublicEvolving
    public static final class Builder {
        private String trustStorePath;
        private String trustStorePassword;
        private String trustStoreType;
        private String keyStorePath;
        private String keyStorePassword;
        private String keyStoreType;
        private String caCertFile;
        private String certFile;
        private String keyFile;

        private Builder() {}

        /**
         * A trust store (PKCS12 or JKS) holding the CA certificates that signed the servers'
         * certificates. The password may be null for a store without integrity check.
         */
        public Builder trustStore(String path, String password) {
            this.trustStorePath = path;
            this.trustStorePassword = password;
            return this;
        }

        /** The trust store's type ({@code PKCS12}, {@code JKS}); default from the file name. */
        public Builder trustStoreType(String type) {
            this.trustStoreType = type;
            return this;
        }

        /**
         * A key store (PKCS12 or JKS) with the client's certificate and private key, for mutual
         * TLS; the key's password must be the store's password.
         */
        public Builder keyStore(String path, String password) {
            this.keyStorePath = path;
            this.keyStorePassword = password;
            return this;
        }

        /** The key store's type ({@code PKCS12}, {@code JKS}); default from the file name. */
        public Builder keyStoreType(String type) {
            this.keyStoreType = type;
            return this;
        }

        /** A PEM file with the CA certificates to trust (instead of a trust store). */
        public Builder caCertFile(String path) {
            this.caCertFile = path;
            return this;
        }

        /**
         * The client certificate (chain) and its unencrypted private key as PEM files, for mutual
         * TLS (instead of a key store). The key may be PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1
         * ({@code BEGIN RSA PRIVATE KEY}).
         */
        public Builder clientCertificate(String certFile, String keyFile) {
            this.certFile = certFile;
            this.keyFile = keyFile;
            return this;
        }

        /** Validates and builds the settings. */
        public TlsSettings build() {
            return new TlsSettings(this);
        }
    }
}
