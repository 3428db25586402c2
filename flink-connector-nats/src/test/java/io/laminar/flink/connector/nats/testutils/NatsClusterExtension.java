package io.laminar.flink.connector.nats.testutils;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * JUnit 5 extension that runs a cluster of real {@code nats-server} processes on loopback: three
 * nodes by default, joined by cluster routes, each with JetStream and a store directory of its own,
 * each with a monitoring port so tests can ask which node serves a client.
 *
 * <pre>{@code
 * @RegisterExtension static final NatsClusterExtension CLUSTER = new NatsClusterExtension();
 * ...
 * int node = CLUSTER.nodeServing("my-sink-connection");
 * CLUSTER.node(node).kill();
 * ...
 * CLUSTER.node(node).start();
 * }</pre>
 *
 * <p>{@link #start()} returns once every node is routed to every other and JetStream has a meta
 * leader, so streams can be created right away. Nodes are named {@code n1}, {@code n2}, ... (their
 * {@code server_name}, which is what JetStream reports as a stream's leader); {@link #node(int)}
 * counts from 0.
 */
public final class NatsClusterExtension
        implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    /** Name of the cluster in every node's {@code cluster} block. */
    public static final String CLUSTER_NAME = "laminar-test";

    private static final String PROBE_STREAM = "LAMINAR_HARNESS_PROBE";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(45);

    private final int size;
    private final String user;
    private final String password;
    private final List<NatsServerExtension> nodes = new ArrayList<>();

    /** A three-node cluster. */
    public NatsClusterExtension() {
        this(3);
    }

    /** A cluster of {@code size} nodes (at least 2). */
    public NatsClusterExtension(int size) {
        this(size, null, null);
    }

    /**
     * A three-node cluster whose clients must log in as {@code user}/{@code password}; this
     * extension's own clients ({@link #connectTo}, {@link #optionsBuilder}) do.
     */
    public static NatsClusterExtension withUser(String user, String password) {
        return new NatsClusterExtension(3, user, password);
    }

    private NatsClusterExtension(int size, String user, String password) {
        if (size < 2) {
            throw new IllegalArgumentException("a cluster needs at least 2 nodes: " + size);
        }
        this.size = size;
        this.user = user;
        this.password = password;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /**
     * Starts every node that is not running (the first call picks the ports and writes the
     * configuration) and waits until the cluster is whole again: all routes up, JetStream meta
     * leader elected.
     */
    public synchronized void start() {
        if (nodes.isEmpty()) {
            configure();
        }
        for (NatsServerExtension node : nodes) {
            node.start();
        }
        awaitWhole();
    }

    /** Stops every node and deletes their stores. */
    @Override
    public synchronized void close() {
        RuntimeException first = null;
        for (NatsServerExtension node : nodes) {
            try {
                node.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        nodes.clear();
        if (first != null) {
            throw first;
        }
    }

    /** Number of nodes. */
    public int size() {
        return size;
    }

    /** Node {@code index} (from 0): stop, kill, start it, or ask its URL, PID and log. */
    public synchronized NatsServerExtension node(int index) {
        requireStarted();
        return nodes.get(index);
    }

    /** The {@code server_name} of node {@code index}: {@code n1} for node 0, and so on. */
    public static String serverName(int index) {
        return "n" + (index + 1);
    }

    /** Index of the node whose {@code server_name} is {@code name}. */
    public int indexOfServerName(String name) {
        for (int i = 0; i < size; i++) {
            if (serverName(i).equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no node is named '" + name + "'");
    }

    /** Client URLs of all nodes, comma-separated, as a {@code servers} option takes them. */
    public synchronized String urls() {
        requireStarted();
        return nodes.stream().map(NatsServerExtension::url).collect(Collectors.joining(","));
    }

    /** Client URLs of every node except {@code index}. */
    public synchronized List<String> urlsExcept(int index) {
        requireStarted();
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (i != index) {
                urls.add(nodes.get(i).url());
            }
        }
        return urls;
    }

    /** Index of the node a client connection is currently connected to. */
    public synchronized int nodeOf(Connection connection) {
        requireStarted();
        String url = connection.getConnectedUrl();
        if (url == null) {
            throw new IllegalStateException("the connection is not connected to any node");
        }
        URI uri = URI.create(url);
        for (int i = 0; i < size; i++) {
            if (nodes.get(i).port() == uri.getPort()) {
                return i;
            }
        }
        throw new IllegalStateException(url + " is not a node of this cluster");
    }

    /**
     * Index of the node that serves the client connection named {@code connectionName} (the
     * connection name a client sends in CONNECT, e.g. the sink's connection name), asked from each
     * running node's monitoring endpoint {@code /connz}; -1 when no running node serves it.
     */
    public synchronized int nodeServing(String connectionName) {
        requireStarted();
        for (int i = 0; i < size; i++) {
            NatsServerExtension node = nodes.get(i);
            if (node.isRunning() && node.monitoring().connectionsNamed(connectionName) > 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Connects to node {@code index} only, without server discovery, so the connection stays on
     * that node (e.g. a subscriber that must survive another node's loss). The caller closes it.
     */
    public synchronized Connection connectTo(int index) {
        NatsServerExtension node = node(index);
        Options.Builder options =
                withCredentials(node.optionsBuilder()).ignoreDiscoveredServers().noRandomize();
        return node.connect(options);
    }

    private Options.Builder withCredentials(Options.Builder options) {
        return user == null ? options : options.userInfo(user, password);
    }

    /**
     * Options for a client that knows every node (and learns them by discovery too): connects to
     * any running node and fails over between them.
     */
    public synchronized Options.Builder optionsBuilder() {
        requireStarted();
        Options.Builder options = withCredentials(nodes.get(0).optionsBuilder());
        for (int i = 1; i < size; i++) {
            options.server(nodes.get(i).url());
        }
        return options;
    }

    /**
     * Waits until every running node is routed to every other running node and JetStream can place
     * a stream with a replica on each of them (a meta leader is elected and every node has caught
     * up as a JetStream peer).
     */
    public synchronized void awaitWhole() {
        requireStarted();
        List<Integer> running = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (nodes.get(i).isRunning()) {
                running.add(i);
            }
        }
        for (int i : running) {
            int expectedRoutes = running.size() - 1;
            NatsMonitoring monitoring = nodes.get(i).monitoring();
            Await.until(
                    serverName(i)
                            + " to be routed to the "
                            + expectedRoutes
                            + " other running nodes",
                    READY_TIMEOUT,
                    () -> monitoring.routedPeers() >= expectedRoutes);
        }
        // Routes and a meta leader are not enough: a node that just came back must also have
        // caught up as a JetStream peer before streams can be placed on it. Placing a probe
        // stream with one replica per running node proves it.
        int replicas = running.size();
        try (Connection client = connectTo(running.get(0))) {
            Await.until(
                    "JetStream in cluster "
                            + CLUSTER_NAME
                            + " to place a stream on all "
                            + replicas
                            + " running nodes",
                    READY_TIMEOUT,
                    () -> placesProbeStream(client, replicas));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cluster", e);
        }
    }

    // ------------------------------------------------------------------------------------------

    private void configure() {
        Set<Integer> ports = new LinkedHashSet<>();
        while (ports.size() < 3 * size) {
            ports.add(Loopback.freePort());
        }
        List<Integer> picked = new ArrayList<>(ports);
        List<Integer> clientPorts = picked.subList(0, size);
        List<Integer> routePorts = picked.subList(size, 2 * size);
        List<Integer> monitorPorts = picked.subList(2 * size, 3 * size);
        for (int i = 0; i < size; i++) {
            List<String> routes = new ArrayList<>();
            for (int j = 0; j < size; j++) {
                if (j != i) {
                    routes.add("nats-route://" + Loopback.HOST + ":" + routePorts.get(j));
                }
            }
            String config =
                    "server_name: "
                            + serverName(i)
                            + "\n"
                            + "cluster {\n"
                            + "  name: "
                            + CLUSTER_NAME
                            + "\n"
                            + "  listen: \""
                            + Loopback.HOST
                            + ":"
                            + routePorts.get(i)
                            + "\"\n"
                            + "  routes: ["
                            + String.join(", ", routes)
                            + "]\n"
                            + "}\n"
                            + (user == null
                                    ? ""
                                    : "authorization { user: \""
                                            + user
                                            + "\", password: \""
                                            + password
                                            + "\" }\n");
            nodes.add(
                    new NatsServerExtension(
                            new NatsServerConfig(
                                    true, clientPorts.get(i), monitorPorts.get(i), config, 0)));
        }
    }

    private static boolean placesProbeStream(Connection client, int replicas) {
        try {
            JetStreamManagement jsm = client.jetStreamManagement();
            jsm.addStream(
                    StreamConfiguration.builder()
                            .name(PROBE_STREAM)
                            .subjects("laminar.harness.probe")
                            .storageType(StorageType.Memory)
                            .replicas(replicas)
                            .build());
            jsm.deleteStream(PROBE_STREAM);
            return true;
        } catch (JetStreamApiException | IOException | RuntimeException e) {
            return false;
        }
    }

    private void requireStarted() {
        if (nodes.isEmpty()) {
            throw new IllegalStateException(
                    "NatsClusterExtension has not been started: register it with"
                            + " @RegisterExtension on a static field, or call start()");
        }
    }
}
