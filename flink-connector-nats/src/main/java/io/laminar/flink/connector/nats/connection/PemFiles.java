package io.laminar.flink.connector.nats.connection;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads PEM certificates and keys, as nats-server itself uses them, into in-memory key stores. */
final class PemFiles {

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

    private PemFiles() {}

    static char[] inMemoryPassword() {
        return Long.toHexString(new SecureRandom().nextLong()).toCharArray();
    }

    static KeyStore trustStore(Path caFile, String option) {
        List<Certificate> certificates = certificates(caFile, option);
        try {
            KeyStore store = emptyStore();
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "'" + option + "': cannot use the certificates: " + e.getMessage(), e);
        }
    }

    static KeyStore keyStore(
            Path certFile, Path keyFile, char[] password, String certOption, String keyOption) {
        List<Certificate> chain = certificates(certFile, certOption);
        PrivateKey key = privateKey(keyFile, keyOption);
        try {
            KeyStore store = emptyStore();
            store.setKeyEntry("client", key, password, chain.toArray(new Certificate[0]));
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "'"
                            + certOption
                            + "'/'"
                            + keyOption
                            + "': the key does not fit the certificate: "
                            + e.getMessage(),
                    e);
        }
    }

    private static KeyStore emptyStore() throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
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

    private static PrivateKey privateKey(Path file, String option) {
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "'" + option + "': cannot read '" + file + "': " + e.getMessage(), e);
        }
        Matcher m = KEY_BLOCK.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException(
                    "'" + option + "': no '-----BEGIN PRIVATE KEY-----' block in '" + file + "'.");
        }
        String kind = m.group(1).trim();
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        if (kind.equals("RSA")) {
            der = rsaPkcs1ToPkcs8(der);
        } else if (!kind.isEmpty()) {
            throw new IllegalArgumentException(
                    "'"
                            + option
                            + "': '"
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
                "'"
                        + option
                        + "': the key in '"
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
