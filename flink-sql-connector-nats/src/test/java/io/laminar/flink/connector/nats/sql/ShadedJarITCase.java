package io.laminar.flink.connector.nats.sql;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the packaged {@code flink-sql-connector-nats} jar (not {@code target/classes}): it must
 * hold only our package and the relocated dependencies, and register the table factory. Runs in the
 * {@code integration-test} phase, after {@code package}; the jar is named by the system property
 * {@code shaded.jar}.
 */
class ShadedJarITCase {

    private static final String OUR_PACKAGE = "io/laminar/flink/connector/nats/";
    private static final String SHADED = OUR_PACKAGE + "shaded/";
    private static final String FACTORY_SERVICE =
            "META-INF/services/org.apache.flink.table.factories.Factory";
    private static final String FACTORY_CLASS =
            "io.laminar.flink.connector.nats.table.NatsDynamicTableSinkFactory";
    private static final Pattern VERSIONED_ENTRY = Pattern.compile("^META-INF/versions/\\d+/");

    /** Packages of bundled dependencies: each may only appear relocated under {@link #SHADED}. */
    private static final List<String> BUNDLED_PACKAGES = List.of("io/nats/", "org/bouncycastle/");

    private static Path jar;
    private static Map<String, byte[]> entries;

    @BeforeAll
    static void readJar() throws IOException {
        String property = System.getProperty("shaded.jar");
        assertThat(property)
                .as("system property shaded.jar (set by the failsafe configuration)")
                .isNotBlank();
        jar = Paths.get(property);
        assertThat(jar).as("the shaded jar; run 'mvn package' first").isRegularFile();
        entries = new LinkedHashMap<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> all = file.entries();
            while (all.hasMoreElements()) {
                JarEntry entry = all.nextElement();
                if (entry.isDirectory()) {
                    continue;
                }
                try (InputStream in = file.getInputStream(entry)) {
                    entries.put(entry.getName(), in.readAllBytes());
                }
            }
        }
    }

    @Test
    void every_class_is_in_our_package() {
        List<String> foreign =
                entries.keySet().stream()
                        .filter(name -> name.endsWith(".class"))
                        .map(name -> VERSIONED_ENTRY.matcher(name).replaceFirst(""))
                        .filter(name -> !name.startsWith(OUR_PACKAGE))
                        .collect(Collectors.toList());
        assertThat(foreign).as("classes outside %s in %s", OUR_PACKAGE, jar).isEmpty();
    }

    @Test
    void holds_nothing_but_our_package_and_metadata() {
        List<String> foreign =
                entries.keySet().stream()
                        .filter(name -> !name.startsWith("META-INF/"))
                        .filter(name -> !name.startsWith(OUR_PACKAGE))
                        .collect(Collectors.toList());
        assertThat(foreign).as("resources outside %s and META-INF/", OUR_PACKAGE).isEmpty();
    }

    @Test
    void bundles_the_connector_and_relocated_jnats() {
        assertThat(entries)
                .containsKeys(
                        OUR_PACKAGE + "table/NatsDynamicTableSinkFactory.class",
                        OUR_PACKAGE + "sink/NatsSink.class",
                        OUR_PACKAGE + "connection/ConnectionSettings.class",
                        SHADED + "io/nats/client/Nats.class",
                        SHADED + "io/nats/client/impl/SocketDataPort.class",
                        SHADED + "io/nats/client/NKey.class");
    }

    @Test
    void no_class_refers_to_an_unrelocated_dependency() {
        List<String> offenders = new ArrayList<>();
        for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
            if (!entry.getKey().endsWith(".class")) {
                continue;
            }
            // Class names in the constant pool are modified UTF-8; ASCII names read as Latin-1.
            String constants = new String(entry.getValue(), StandardCharsets.ISO_8859_1);
            for (String bundled : BUNDLED_PACKAGES) {
                Matcher m = Pattern.compile(Pattern.quote(bundled)).matcher(constants);
                while (m.find()) {
                    if (!constants.startsWith("shaded/", m.start() - "shaded/".length())) {
                        offenders.add(entry.getKey() + " -> " + bundled);
                        break;
                    }
                }
            }
        }
        assertThat(offenders).as("classes that still name an unrelocated package").isEmpty();
    }

    @Test
    void keeps_nats_wire_protocol_type_names_unrelocated() {
        // jnats compares these against what the server sends; relocating them would break
        // JetStream API responses.
        String natsMessage =
                new String(
                        entries.get(SHADED + "io/nats/client/impl/NatsMessage.class"),
                        StandardCharsets.ISO_8859_1);
        assertThat(natsMessage)
                .contains("io.nats.jetstream.api")
                .doesNotContain("shaded.io.nats.jetstream");
    }

    @Test
    void registers_the_table_factory() {
        assertThat(entries).containsKey(FACTORY_SERVICE);
        List<String> factories =
                new String(entries.get(FACTORY_SERVICE), StandardCharsets.UTF_8)
                        .lines()
                        .map(String::trim)
                        .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                        .collect(Collectors.toList());
        assertThat(factories).contains(FACTORY_CLASS);
        for (String factory : factories) {
            assertThat(entries)
                    .as("service entry %s names a class in the jar", factory)
                    .containsKey(factory.replace('.', '/') + ".class");
        }
    }

    @Test
    void notice_names_every_bundled_dependency_and_its_license() {
        assertThat(entries)
                .containsKeys("META-INF/NOTICE", "META-INF/licenses/LICENSE.bouncycastle");
        String notice = new String(entries.get("META-INF/NOTICE"), StandardCharsets.UTF_8);
        assertThat(notice)
                .contains("io.nats:jnats:" + System.getProperty("jnats.version"))
                .contains(
                        "org.bouncycastle:bcprov-lts8on:"
                                + System.getProperty("bouncycastle.version"))
                .contains("Apache Software License 2.0")
                .contains("MIT")
                .doesNotContain("${");
    }

    @Test
    void relocated_jnats_signs_nkey_challenges_with_the_bundled_bouncycastle() throws Exception {
        // Only the shaded jar and the JDK: a missing BouncyCastle class shows up here, not at the
        // first connection with a credentials file on a cluster.
        try (URLClassLoader isolated =
                new URLClassLoader(
                        new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> nkeyClass =
                    Class.forName(
                            "io.laminar.flink.connector.nats.shaded.io.nats.client.NKey",
                            true,
                            isolated);
            Object nkey =
                    nkeyClass
                            .getMethod("createUser", SecureRandom.class)
                            .invoke(null, (Object) null);
            byte[] nonce = "nonce-from-server".getBytes(StandardCharsets.UTF_8);
            byte[] signature =
                    (byte[]) nkeyClass.getMethod("sign", byte[].class).invoke(nkey, nonce);
            Method verify = nkeyClass.getMethod("verify", byte[].class, byte[].class);
            assertThat((Boolean) verify.invoke(nkey, nonce, signature)).isTrue();
            assertThat(Collections.list(isolated.getResources(FACTORY_SERVICE))).hasSize(1);
        }
    }

    @Test
    void is_small() throws IOException {
        // BouncyCastle is minimized to what jnats uses; the whole provider would add ~6 MB.
        assertThat(Files.size(jar)).isLessThan(4L * 1024 * 1024);
    }
}
