package io.laminar.flink.connector.nats.testutils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A test PKI generated with {@code openssl} and the JDK's {@code keytool}: a CA, a server
 * certificate for 127.0.0.1/localhost signed by it, a client certificate signed by it (PKCS#1 RSA
 * key, as PEM and as a PKCS12 key store), trust stores (PKCS12 and JKS) holding the CA, and an
 * unrelated CA that trusts nothing of the above. On request, server certificates signed by the CA
 * for other names ({@link #serverTlsConfigFor}), for tests of host-name verification.
 *
 * <pre>{@code
 * TestCertificates pki = TestCertificates.generate(tempDir, "store-pw");
 * String tlsBlock = pki.serverTlsConfig(true); // for NatsServerExtension.builder().config(...)
 * }</pre>
 */
public final class TestCertificates {

    public final Path caCert;
    public final Path serverCert;
    public final Path serverKey;
    public final Path clientCert;
    public final Path clientKey;
    public final Path clientKeyStore;
    public final Path trustStore;
    public final Path trustStoreJks;
    public final Path otherCaCert;
    public final String storePassword;

    private final Path dir;
    private final Path caKey;

    private TestCertificates(Path dir, String storePassword) {
        this.dir = dir;
        this.caKey = dir.resolve("ca-key.pem");
        this.caCert = dir.resolve("ca.pem");
        this.serverCert = dir.resolve("server.pem");
        this.serverKey = dir.resolve("server-key.pem");
        this.clientCert = dir.resolve("client.pem");
        this.clientKey = dir.resolve("client-key.pem");
        this.clientKeyStore = dir.resolve("client.p12");
        this.trustStore = dir.resolve("truststore.p12");
        this.trustStoreJks = dir.resolve("truststore.jks");
        this.otherCaCert = dir.resolve("other-ca.pem");
        this.storePassword = storePassword;
    }

    /** Generates everything into {@code dir}; needs {@code openssl} and {@code keytool}. */
    public static TestCertificates generate(Path dir, String storePassword) {
        TestCertificates pki = new TestCertificates(dir, storePassword);
        pki.create(dir);
        return pki;
    }

    /**
     * A nats-server {@code tls} block using the server certificate; with {@code verifyClients} the
     * server requires client certificates signed by the CA (mutual TLS).
     */
    public String serverTlsConfig(boolean verifyClients) {
        return tlsBlock(serverCert, serverKey, verifyClients);
    }

    /**
     * A nats-server {@code tls} block (no client certificates) with a new server certificate signed
     * by the CA whose only subject alternative names are {@code subjectAltNames}, e.g. {@code
     * "DNS:other.example"}: a server that is not the host the client connects to.
     */
    public String serverTlsConfigFor(String subjectAltNames) {
        String name = "server-" + subjectAltNames.replaceAll("[^A-Za-z0-9.]", "_");
        Path cert = dir.resolve(name + ".pem");
        Path key = dir.resolve(name + "-key.pem");
        // No common name a verifier could fall back to: only the alternative names count.
        serverCertificate(key, cert, "/O=Flink NATS Test", subjectAltNames);
        return tlsBlock(cert, key, false);
    }

    private String tlsBlock(Path cert, Path key, boolean verifyClients) {
        return "tls {\n"
                + "  cert_file: \""
                + cert
                + "\"\n"
                + "  key_file: \""
                + key
                + "\"\n"
                + "  ca_file: \""
                + caCert
                + "\"\n"
                + "  verify: "
                + verifyClients
                + "\n"
                + "  timeout: 2\n"
                + "}\n";
    }

    private void create(Path dir) {
        selfSignedCa(dir, caKey, caCert, "/CN=Flink NATS Test CA");
        selfSignedCa(dir, dir.resolve("other-ca-key.pem"), otherCaCert, "/CN=Unrelated CA");
        serverCertificate(serverKey, serverCert, "/CN=localhost", "IP:127.0.0.1,DNS:localhost");

        // PKCS#1 ("BEGIN RSA PRIVATE KEY"), the older format many tools still write.
        run(dir, "openssl", "genrsa", "-traditional", "-out", clientKey.toString(), "2048");
        Path clientCsr = dir.resolve("client.csr");
        run(
                dir,
                "openssl",
                "req",
                "-new",
                "-key",
                clientKey.toString(),
                "-out",
                clientCsr.toString(),
                "-subj",
                "/CN=flink-client");
        sign(dir, clientCsr, clientCert, caKey, "extendedKeyUsage=clientAuth\n");
        run(
                dir,
                "openssl",
                "pkcs12",
                "-export",
                "-in",
                clientCert.toString(),
                "-inkey",
                clientKey.toString(),
                "-name",
                "client",
                "-out",
                clientKeyStore.toString(),
                "-passout",
                "pass:" + storePassword);

        for (String[] store :
                new String[][] {
                    {trustStore.toString(), "PKCS12"}, {trustStoreJks.toString(), "JKS"}
                }) {
            run(
                    dir,
                    keytool(),
                    "-importcert",
                    "-noprompt",
                    "-alias",
                    "ca",
                    "-file",
                    caCert.toString(),
                    "-keystore",
                    store[0],
                    "-storetype",
                    store[1],
                    "-storepass",
                    storePassword);
        }
    }

    private void serverCertificate(Path key, Path cert, String subject, String subjectAltNames) {
        Path csr = dir.resolve(cert.getFileName() + ".csr");
        run(
                dir,
                "openssl",
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                csr.toString(),
                "-subj",
                subject);
        sign(
                dir,
                csr,
                cert,
                caKey,
                "subjectAltName=" + subjectAltNames + "\nextendedKeyUsage=serverAuth\n");
    }

    private static void selfSignedCa(Path dir, Path key, Path cert, String subject) {
        run(
                dir,
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "2",
                "-subj",
                subject,
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign");
    }

    private void sign(Path dir, Path csr, Path cert, Path caKey, String extensions) {
        Path ext = dir.resolve(cert.getFileName() + ".ext");
        try {
            Files.write(ext, extensions.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run(
                dir,
                "openssl",
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                caCert.toString(),
                "-CAkey",
                caKey.toString(),
                "-set_serial",
                String.valueOf(ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE)),
                "-days",
                "2",
                "-out",
                cert.toString(),
                "-extfile",
                ext.toString());
    }

    private static String keytool() {
        Path inJavaHome = Path.of(System.getProperty("java.home"), "bin", "keytool");
        return Files.isExecutable(inJavaHome) ? inJavaHome.toString() : "keytool";
    }

    private static void run(Path dir, String... command) {
        List<String> cmd = new ArrayList<>(Arrays.asList(command));
        try {
            Process p =
                    new ProcessBuilder(cmd)
                            .directory(dir.toFile())
                            .redirectErrorStream(true)
                            .start();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(
                        String.join(" ", cmd)
                                + " failed:\n"
                                + new String(output, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Could not run " + cmd.get(0) + " (is it installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
