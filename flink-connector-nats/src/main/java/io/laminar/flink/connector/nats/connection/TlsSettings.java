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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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

    /** Whether the settings present a client certificate (mutual TLS). */
    public boolean hasClientCertificate() {
        return keyStorePath != null || certFile != null;
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
                            PemFiles.trustStore(readable(caCertFile, CA_CERT_FILE)), CA_CERT_FILE);
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
                            readable(certFile, CERT_FILE), readable(keyFile, KEY_FILE), password);
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

    public String getTrustStorePath() {
        return trustStorePath;
    }

    public String getTrustStoreType() {
        return trustStoreType;
    }

    public String getKeyStorePath() {
        return keyStorePath;
    }

    public String getKeyStoreType() {
        return keyStoreType;
    }

    public String getCaCertFile() {
        return caCertFile;
    }

    public String getCertFile() {
        return certFile;
    }

    public String getKeyFile() {
        return keyFile;
    }

    public boolean hasTrustStorePassword() {
        return trustStorePassword != null;
    }

    public boolean hasKeyStorePassword() {
        return keyStorePassword != null;
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

    /** Reads PEM certificates and keys into in-memory key stores. */
    private static final class PemFiles {

        private static final java.util.regex.Pattern KEY_BLOCK =
                java.util.regex.Pattern.compile(
                        "-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END");

        /** RSA's algorithm identifier in PKCS#8: SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }. */
        private static final byte[] RSA_ALGORITHM = {
            0x30,
            0x0d,
            0x06,
            0x09,
            0x2a,
            (byte) 0x86,
            0x48,
            (byte) 0x86,
            (byte) 0xf7,
            0x0d,
            0x01,
            0x01,
            0x01,
            0x05,
            0x00
        };

        static char[] inMemoryPassword() {
            return Long.toHexString(new SecureRandom().nextLong()).toCharArray();
        }

        static KeyStore trustStore(Path caFile) {
            List<Certificate> certificates = certificates(caFile, CA_CERT_FILE);
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                for (int i = 0; i < certificates.size(); i++) {
                    store.setCertificateEntry("ca-" + i, certificates.get(i));
                }
                return store;
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException(
                        "'" + CA_CERT_FILE + "': cannot use the certificates: " + e.getMessage(),
                        e);
            }
        }

        static KeyStore keyStore(Path certFile, Path keyFile, char[] password) {
            List<Certificate> chain = certificates(certFile, CERT_FILE);
            java.security.PrivateKey key = privateKey(keyFile);
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("client", key, password, chain.toArray(new Certificate[0]));
                return store;
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException(
                        "'"
                                + CERT_FILE
                                + "'/'"
                                + KEY_FILE
                                + "': the key does not fit the certificate: "
                                + e.getMessage(),
                        e);
            }
        }

        private static List<Certificate> certificates(Path file, String option) {
            try (InputStream in = Files.newInputStream(file)) {
                Collection<? extends Certificate> read =
                        CertificateFactory.getInstance("X.509").generateCertificates(in);
                if (read.isEmpty()) {
                    throw new IllegalArgumentException(
                            "'" + option + "': no certificate in '" + file + "'.");
                }
                return new ArrayList<>(read);
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException(
                        "'"
                                + option
                                + "': '"
                                + file
                                + "' is not a PEM certificate file: "
                                + e.getMessage(),
                        e);
            }
        }

        private static java.security.PrivateKey privateKey(Path file) {
            String text;
            try {
                text = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "'" + KEY_FILE + "': cannot read '" + file + "': " + e.getMessage(), e);
            }
            java.util.regex.Matcher m = KEY_BLOCK.matcher(text);
            if (!m.find()) {
                throw new IllegalArgumentException(
                        "'"
                                + KEY_FILE
                                + "': no '-----BEGIN PRIVATE KEY-----' block in '"
                                + file
                                + "'.");
            }
            String kind = m.group(1).trim();
            byte[] der = java.util.Base64.getMimeDecoder().decode(m.group(2));
            byte[] pkcs8;
            if (kind.isEmpty()) {
                pkcs8 = der;
            } else if (kind.equals("RSA")) {
                pkcs8 = rsaPkcs1ToPkcs8(der);
            } else {
                throw new IllegalArgumentException(
                        "'"
                                + KEY_FILE
                                + "': '"
                                + kind
                                + " PRIVATE KEY' is not supported; convert the key to unencrypted"
                                + " PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out"
                                + " key-pkcs8.pem");
            }
            java.security.spec.PKCS8EncodedKeySpec spec =
                    new java.security.spec.PKCS8EncodedKeySpec(pkcs8);
            for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
                try {
                    return java.security.KeyFactory.getInstance(algorithm).generatePrivate(spec);
                } catch (GeneralSecurityException e) {
                    // Try the next algorithm.
                }
            }
            throw new IllegalArgumentException(
                    "'"
                            + KEY_FILE
                            + "': the key in '"
                            + file
                            + "' is not an RSA, EC or EdDSA private key that can be read.");
        }

        /** Wraps a PKCS#1 RSA key in a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption). */
        private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            body.write(0x02);
            body.write(0x01);
            body.write(0x00);
            body.write(RSA_ALGORITHM, 0, RSA_ALGORITHM.length);
            body.write(0x04);
            writeLength(body, pkcs1.length);
            body.write(pkcs1, 0, pkcs1.length);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.write(0x30);
            writeLength(out, body.size());
            byte[] bytes = body.toByteArray();
            out.write(bytes, 0, bytes.length);
            return out.toByteArray();
        }

        private static void writeLength(java.io.ByteArrayOutputStream out, int length) {
            if (length < 0x80) {
                out.write(length);
                return;
            }
            int bytes = 0;
            for (int l = length; l > 0; l >>= 8) {
                bytes++;
            }
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write((length >> (8 * i)) & 0xff);
            }
        }
    }
}
