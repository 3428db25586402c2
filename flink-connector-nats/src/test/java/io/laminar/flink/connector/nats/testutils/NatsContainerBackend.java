package io.laminar.flink.connector.nats.testutils;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Fallback used by {@link NatsServerExtension} when no local {@code nats-server} binary exists but
 * a Docker engine is reachable. Kept in its own class so Testcontainers is only loaded when needed.
 */
final class NatsContainerBackend {

    static final String IMAGE = "nats:2.10";
    private static final int CLIENT_PORT = 4222;
    private static final String CONFIG_PATH = "/etc/nats/test-extension.conf";

    private final GenericContainer<?> container;

    NatsContainerBackend(String configText, boolean jetStream) {
        List<String> command = new ArrayList<>();
        GenericContainer<?> c =
                new GenericContainer<>(DockerImageName.parse(IMAGE))
                        .withExposedPorts(CLIENT_PORT)
                        .waitingFor(
                                Wait.forLogMessage(".*Server is ready.*\\n", 1)
                                        .withStartupTimeout(Duration.ofSeconds(60)));
        if (configText != null) {
            c.withCopyToContainer(Transferable.of(configText), CONFIG_PATH);
            command.add("-c");
            command.add(CONFIG_PATH);
        }
        if (jetStream) {
            command.add("-js");
        }
        c.withCommand(command.toArray(new String[0]));
        this.container = c;
    }

    /** True if Testcontainers can reach a Docker engine; never throws. */
    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    void start() {
        container.start();
    }

    void stop() {
        container.stop();
    }

    boolean isRunning() {
        return container.isRunning();
    }

    String host() {
        return container.getHost();
    }

    int port() {
        return container.getMappedPort(CLIENT_PORT);
    }
}
