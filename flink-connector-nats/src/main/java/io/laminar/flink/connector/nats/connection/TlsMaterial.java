package io.laminar.flink.connector.nats.connection;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.laminar.flink.connector.nats.connection.TlsSettings.CA_CERT_FILE;
import static io.laminar.flink.connector.nats.connection.TlsSettings.CERT_FILE;
import static io.laminar.flink.connector.nats.connection.TlsSettings.KEY_FILE;
import static io.laminar.flink.connector.nats.connection.TlsSettings.KEY_STORE_PASSWORD;
import static io.laminar.flink.connector.nats.connection.TlsSettings.KEY_STORE_PATH;
import static io.laminar.flink.connector.nats.connection.TlsSettings.KEY_STORE_TYPE;
import static io.laminar.flink.connector.nats.connection.TlsSettings.NAMES;
import static io.laminar.flink.connector.nats.connection.TlsSettings.TRUST_STORE_PASSWORD;
import static io.laminar.flink.connector.nats.connection.TlsSettings.TRUST_STORE_PATH;
import static io.laminar.flink.connector.nats.connection.TlsSettings.TRUST_STORE_TYPE;

/**
 * Reads the TLS material that {@link TlsSettings} point to (key stores, or PEM certificates and
 * keys as nats-server itself uses them) on the machine that connects, into an {@link SSLContext}.
 * Every error names the setting whose file cannot be read or used.
 */
final class TlsMaterial {

    private static final Pattern KEY_BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END");

    /** PKCS#8 header for an RSA key: version 0 and SEQUENCE { OID rsaEncryption, NULL }. */
    private static final byte[] RSA_PKCS8_PREFIX = {
        2,
        1,
        0,
        0x30,
        0x0d,
        6,
        9,
        0x2a,
        (byte) 0x86,
        0x48,
        (byte) 0x86,
        (byte) 0xf7,
        0x0d,
        1,
        1,
        1,
        5,
        0
    };

    private TlsMaterial() {}

    /** The SSL context for {@code tls}, reading the files on this machine. */
    static SSLContext sslContext(TlsSettings tls) {
        TrustManager[] trust = null;
        if (tls.has(TRUST_STORE_PATH)) {
            trust =
                    trustManagers(
                            loadStore(
                                    tls, TRUST_STORE_PATH, TRUST_STORE_PASSWORD, TRUST_STORE_TYPE),
                            TRUST_STORE_PATH);
        } else if (tls.has(CA_CERT_FILE)) {
            trust = trustManagers(trustStore(readable(tls, CA_CERT_FILE)), CA_CERT_FILE);
        }
        KeyManager[] keys = null;
        if (tls.has(KEY_STORE_PATH)) {
            KeyStore store = loadStore(tls, KEY_STORE_PATH, KEY_STORE_PASSWORD, KEY_STORE_TYPE);
            keys = keyManagers(store, chars(tls.get(KEY_STORE_PASSWORD)), KEY_STORE_PASSWORD);
        } else if (tls.has(CERT_FILE)) {
            char[] password = Long.toHexString(new SecureRandom().nextLong()).toCharArray();
            KeyStore store = keyStore(readable(tls, CERT_FILE), readable(tls, KEY_FILE), password);
            keys = keyManagers(store, password, CERT_FILE);
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** The JVM's default context (default trust store), which jnats takes for tls:// URLs. */
    static SSLContext defaultContext() {
        try {
            return SSLContext.getDefault();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static KeyStore loadStore(TlsSettings tls, int path, int password, int type) {
        Path file = readable(tls, path);
        String storeType = tls.has(type) ? tls.get(type) : typeOf(tls.get(path));
        KeyStore store;
        try {
            store = KeyStore.getInstance(storeType);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    name(path) + ": unknown store type '" + storeType + "': " + e.getMessage());
        }
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, chars(tls.get(password)));
            return store;
        } catch (IOException | GeneralSecurityException e) {
            // A wrong password surfaces as an IOException whose cause is an
            // UnrecoverableKeyException; name both settings, as either may be wrong.
            throw new IllegalArgumentException(
                    "Cannot open '"
                            + file
                            + "' ("
                            + name(path)
                            + "): "
                            + e.getMessage()
                            + ". Check "
                            + name(password)
                            + " and that the file is a "
                            + storeType
                            + " store.",
                    e);
        }
    }

    /** PKCS12 unless the file name says JKS; Java reads either format with either type. */
    private static String typeOf(String path) {
        return path.toLowerCase(Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12";
    }

    private static TrustManager[] trustManagers(KeyStore store, int setting) {
        try {
            TrustManagerFactory factory =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    name(setting) + ": cannot use it to verify servers: " + e.getMessage(), e);
        }
    }

    private static KeyManager[] keyManagers(KeyStore store, char[] password, int setting) {
        try {
            KeyManagerFactory factory =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            return factory.getKeyManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    name(setting)
                            + ": cannot use the client key: "
                            + e.getMessage()
                            + " (the key's password must be the store's password).",
                    e);
        }
    }

    private static Path readable(TlsSettings tls, int setting) {
        Path file = Paths.get(tls.get(setting));
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(
                    name(setting)
                            + ": cannot read '"
                            + file
                            + "' on this machine; it must exist and be readable on every"
                            + " TaskManager.");
        }
        return file;
    }

    private static String name(int setting) {
        return "'" + NAMES[setting] + "'";
    }

    private static char[] chars(String password) {
        return password == null ? null : password.toCharArray();
    }

    private static KeyStore trustStore(Path caFile) {
        List<Certificate> certificates = certificates(caFile, CA_CERT_FILE);
        try {
            KeyStore store = emptyStore();
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    name(CA_CERT_FILE) + ": cannot use the certificates: " + e.getMessage(), e);
        }
    }

    private static KeyStore keyStore(Path certFile, Path keyFile, char[] password) {
        List<Certificate> chain = certificates(certFile, CERT_FILE);
        PrivateKey key = privateKey(keyFile);
        try {
            KeyStore store = emptyStore();
            store.setKeyEntry("client", key, password, chain.toArray(new Certificate[0]));
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    name(CERT_FILE)
                            + "/"
                            + name(KEY_FILE)
                            + ": the key does not fit the certificate: "
                            + e.getMessage(),
                    e);
        }
    }

    private static KeyStore emptyStore() throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    private static List<Certificate> certificates(Path file, int setting) {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> read =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (read.isEmpty()) {
                throw new IllegalArgumentException(
                        name(setting) + ": no certificate in '" + file + "'.");
            }
            return new ArrayList<>(read);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    name(setting)
                            + ": '"
                            + file
                            + "' is not a PEM certificate file: "
                            + e.getMessage(),
                    e);
        }
    }

    private static PrivateKey privateKey(Path file) {
        String option = name(KEY_FILE);
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    option + ": cannot read '" + file + "': " + e.getMessage(), e);
        }
        Matcher m = KEY_BLOCK.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException(
                    option + ": no '-----BEGIN PRIVATE KEY-----' block in '" + file + "'.");
        }
        String kind = m.group(1).trim();
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        if (kind.equals("RSA")) {
            der = rsaPkcs1ToPkcs8(der);
        } else if (!kind.isEmpty()) {
            throw new IllegalArgumentException(
                    option
                            + ": '"
                            + kind
                            + " PRIVATE KEY' is not supported; convert the key to unencrypted"
                            + " PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out"
                            + " key-pkcs8.pem");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // Try the next algorithm.
            }
        }
        throw new IllegalArgumentException(
                option
                        + ": the key in '"
                        + file
                        + "' is not an RSA, EC or EdDSA private key that can be read.");
    }

    /** Wraps a PKCS#1 RSA key in a PKCS#8 PrivateKeyInfo: SEQUENCE { prefix, OCTET STRING }. */
    private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(RSA_PKCS8_PREFIX, 0, RSA_PKCS8_PREFIX.length);
        body.write(0x04);
        writeLength(body, pkcs1.length);
        body.write(pkcs1, 0, pkcs1.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        writeLength(out, body.size());
        out.write(body.toByteArray(), 0, body.size());
        return out.toByteArray();
    }

    /** A DER length: short form below 128, else the count of length bytes, then the bytes. */
    private static void writeLength(ByteArrayOutputStream out, int length) {
        if (length < 0x80) {
            out.write(length);
            return;
        }
        int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
        out.write(0x80 | bytes);
        for (int i = bytes - 1; i >= 0; i--) {
            out.write((length >> (8 * i)) & 0xff);
        }
    }
}
