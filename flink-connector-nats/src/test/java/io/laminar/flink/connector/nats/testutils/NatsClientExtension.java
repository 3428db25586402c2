package io.laminar.flink.connector.nats.testutils;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Options;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * JUnit 5 extension holding a test's own jnats connection to a {@link NatsServerExtension}, to
 * subscribe, publish and read streams with: opened before each test, closed after it. Register it
 * on an instance field; the server's extension (or a {@code @BeforeAll} method) must have started
 * the server by then.
 *
 * <pre>{@code
 * @RegisterExtension static final NatsServerExtension NATS = new NatsServerExtension();
 *
 * @RegisterExtension final NatsClientExtension client = NatsClientExtension.of(NATS);
 * }</pre>
 */
public final class NatsClientExtension implements BeforeEachCallback, AfterEachCallback {

    /** How long the clean-up after a test waits for the client to be connected again. */
    private static final Duration RECONNECT_DEADLINE = Duration.ofSeconds(90);

    private final NatsServerExtension server;
    private final UnaryOperator<Options.Builder> options;
    private final boolean deleteStreams;
    private Connection connection;

    private NatsClientExtension(
            NatsServerExtension server,
            UnaryOperator<Options.Builder> options,
            boolean deleteStreams) {
        this.server = server;
        this.options = options;
        this.deleteStreams = deleteStreams;
    }

    /** A connection made with {@link NatsServerExtension#connect()}. */
    public static NatsClientExtension of(NatsServerExtension server) {
        return new NatsClientExtension(server, UnaryOperator.identity(), false);
    }

    /**
     * A connection made with the server's {@link NatsServerExtension#optionsBuilder()}, adapted.
     */
    public static NatsClientExtension of(
            NatsServerExtension server, UnaryOperator<Options.Builder> options) {
        return new NatsClientExtension(server, options, false);
    }

    /**
     * This client, which after each test also deletes every JetStream stream on the server, once it
     * is connected again (after the test's own {@code @AfterEach} methods, which may restart the
     * server). Nothing is deleted when the server is not running.
     */
    public NatsClientExtension deletingStreamsAfterEach() {
        return new NatsClientExtension(server, options, true);
    }

    /** The open connection. */
    public synchronized Connection connection() {
        if (connection == null) {
            throw new IllegalStateException("the client is connected during a test only");
        }
        return connection;
    }

    @Override
    public synchronized void beforeEach(ExtensionContext context) {
        connection = server.connect(options.apply(server.optionsBuilder()));
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) throws Exception {
        Connection open = connection;
        connection = null;
        try {
            if (deleteStreams && server.isRunning()) {
                Await.until(
                        "the test client has reconnected",
                        RECONNECT_DEADLINE,
                        () -> open.getStatus() == Connection.Status.CONNECTED);
                JetStreamManagement jsm = open.jetStreamManagement();
                for (String stream : jsm.getStreamNames()) {
                    jsm.deleteStream(stream);
                }
            }
        } finally {
            open.close();
        }
    }
}
