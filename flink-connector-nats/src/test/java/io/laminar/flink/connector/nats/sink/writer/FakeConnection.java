package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.connection.ConnectionEvents;
import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.connection.RoundTrips;
import io.laminar.flink.connector.nats.sink.JetStreamSettings;
import io.laminar.flink.connector.nats.sink.SettingNames;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.PublishOptions;
import io.nats.client.Statistics;
import io.nats.client.api.PublishAck;
import io.nats.client.api.ServerInfo;
import io.nats.client.impl.Headers;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A NATS connection without a server, for unit tests of the publishers. {@link #connection()} is a
 * {@link Connection} that implements exactly the methods the publishers call, each a method of this
 * class (or of its {@link Statistics}, {@link JetStream} and {@link JetStreamManagement} parts)
 * with the same name and parameter types; any other method throws {@link
 * UnsupportedOperationException}, so a publisher that starts calling something new fails its tests
 * instead of getting a silent default.
 *
 * <p>It records what it is given to publish. Round trips ({@code flush}) block until the test
 * answers them with {@link #answerFlush}; JetStream publishes return futures the test completes
 * ({@link AsyncPublish#acknowledge}, {@link AsyncPublish#fail}).
 */
final class FakeConnection {

    /** How long the tests wait for something the publisher does on its own threads. */
    static final Duration DEADLINE = Duration.ofSeconds(10);

    /** The server the fake claims to be connected to, as the failure messages name it. */
    static final String SERVER_URL = "nats://localhost:4222";

    /** How a round trip ends; runs on the publisher's thread, inside {@code flush}. */
    @FunctionalInterface
    interface RoundTrip {
        void answer(FakeConnection connection) throws TimeoutException;
    }

    /** The PONG came back: the flush returns and is counted. */
    static final RoundTrip PONG = c -> c.flushCounter.incrementAndGet();

    /** jnats' flush returned without an error, but no PONG came back: not counted. */
    static final RoundTrip UNCOUNTED = c -> {};

    /** No PONG within the timeout. */
    static final RoundTrip TIMEOUT =
            c -> {
                throw new TimeoutException("Timeout or no response waiting for NATS Server");
            };

    /** jnats could not queue the PING: its outgoing queue stayed full (its waiter stays). */
    static final RoundTrip REFUSED =
            c -> {
                throw new IllegalStateException("Output queue is full 5000");
            };

    /** One message handed to {@code publish}. */
    static final class Sent {
        final String subject;
        final String replyTo;
        final Headers headers;
        final byte[] payload;

        Sent(String subject, String replyTo, Headers headers, byte[] payload) {
            this.subject = subject;
            this.replyTo = replyTo;
            this.headers = headers;
            this.payload = payload;
        }

        @Override
        public String toString() {
            return subject + (replyTo == null ? "" : " reply-to " + replyTo);
        }
    }

    /** One message handed to {@code JetStream.publishAsync}, and the future it returned. */
    static final class AsyncPublish {
        final String subject;
        final Headers headers;
        final byte[] payload;
        final PublishOptions options;
        final CompletableFuture<PublishAck> ack = new CompletableFuture<>();

        AsyncPublish(String subject, Headers headers, byte[] payload, PublishOptions options) {
            this.subject = subject;
            this.headers = headers;
            this.payload = payload;
            this.options = options;
        }

        /** The server stored it. */
        void acknowledge() {
            ack.complete(publishAck());
        }

        void fail(Throwable error) {
            ack.completeExceptionally(error);
        }

        @Override
        public String toString() {
            return subject;
        }
    }

    private volatile Connection.Status status = Connection.Status.CONNECTED;
    private volatile long maxPayload = 1024 * 1024;
    private volatile ServerInfo serverInfo = serverInfo("server-1", 1);
    private volatile String lastError;
    private final AtomicLong flushCounter = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong errs = new AtomicLong();
    private final AtomicInteger flushesStarted = new AtomicInteger();
    private final AtomicInteger forcedReconnects = new AtomicInteger();
    private final BlockingQueue<RoundTrip> flushAnswers = new LinkedBlockingQueue<>();
    private final Map<String, RuntimeException> refusals = new ConcurrentHashMap<>();
    private final Set<String> acknowledgedAtOnce = ConcurrentHashMap.newKeySet();
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final List<AsyncPublish> asyncPublishes = new CopyOnWriteArrayList<>();
    private volatile List<String> streamNames = Collections.singletonList("STREAM");
    private volatile Exception streamLookupFailure;
    private volatile Duration streamLookupLatency = Duration.ZERO;
    private final AtomicInteger streamLookups = new AtomicInteger();

    private final Connection connection = implement(Connection.class, this);
    private final Statistics statistics = implement(Statistics.class, new FakeStatistics());
    private final JetStream jetStream = implement(JetStream.class, new FakeJetStream());
    private final JetStreamManagement management =
            implement(JetStreamManagement.class, new FakeJetStreamManagement());

    /** One connection, one set of turns: publishers on this fake share them, as on a shared one. */
    private final RoundTrips roundTrips = new RoundTrips(connection, null);

    // ---- for the tests ----

    Connection connection() {
        return connection;
    }

    /** A publisher context on this connection, as the writer makes one. */
    /** What a publisher of {@code guarantee} gets, with JetStream when {@code jetStream} is set. */
    PublisherContext context(
            DeliveryGuarantee guarantee, JetStreamSettings jetStream, DeadLetters deadLetters) {
        ConnectionSettings connectionSettings =
                ConnectionSettings.builder().servers(SERVER_URL).build();
        NatsSinkSettings settings =
                new NatsSinkSettings(
                        connectionSettings,
                        guarantee,
                        Duration.ofSeconds(30),
                        jetStream,
                        0,
                        false,
                        null,
                        SettingNames.BUILDER);
        ConnectionEvents events =
                new ConnectionEvents(
                        connectionSettings,
                        PublishErrorClassifier::isFatalServerError,
                        () -> {},
                        () -> {});
        return new PublisherContext(
                connection,
                roundTrips,
                new ServerErrors(events, SettingNames.BUILDER),
                deadLetters,
                settings,
                Duration.ofMillis(10),
                new NatsSinkMetrics(
                        UnregisteredMetricsGroup.createSinkWriterMetricGroup(), new HeldRecords()),
                "fake-publisher");
    }

    void setStatus(Connection.Status status) {
        this.status = status;
    }

    void setMaxPayload(long bytes) {
        this.maxPayload = bytes;
    }

    /** Publishes to {@code subject} throw {@code error} from now on, before anything is sent. */
    void refusePublishesTo(String subject, RuntimeException error) {
        refusals.put(subject, error);
    }

    /** JetStream publishes to {@code subject} are acknowledged before publishAsync returns. */
    void acknowledgeAtOnce(String subject) {
        acknowledgedAtOnce.add(subject);
    }

    /** jnats reconnected: a new socket, its INFO, and the reconnect counted. */
    void reconnect() {
        newSocket();
        reconnects.incrementAndGet();
    }

    /**
     * A new socket's INFO has arrived but the reconnect is not counted yet: a new client id from
     * the same server.
     */
    void newSocket() {
        ServerInfo info = serverInfo;
        serverInfo = serverInfo(info.getServerId(), info.getClientId() + 1);
    }

    /** The INFO of another server, with the same client id, before the reconnect is counted. */
    void otherServer() {
        ServerInfo info = serverInfo;
        serverInfo = serverInfo(info.getServerId() + "-other", info.getClientId());
    }

    /** The server sent {@code -ERR error}. */
    void serverError(String error) {
        lastError = error;
        errs.incrementAndGet();
    }

    /** The stream names the server gives for a subject filter. */
    void setStreamNames(List<String> names) {
        this.streamNames = names;
    }

    /** Stream lookups ({@code getStreamNames}) throw {@code failure} from now on. */
    void failStreamLookups(Exception failure) {
        this.streamLookupFailure = failure;
    }

    /** Stream lookups take {@code latency} from now on, as with a server that answers slowly. */
    void slowStreamLookups(Duration latency) {
        this.streamLookupLatency = latency;
    }

    /** How many times the streams for a subject were looked up. */
    int streamLookups() {
        return streamLookups.get();
    }

    /** How the next round trip that is not answered yet ends. */
    void answerFlush(RoundTrip answer) {
        flushAnswers.add(answer);
    }

    int flushesStarted() {
        return flushesStarted.get();
    }

    /** How often the publishers had jnats reconnect ({@code forceReconnect}). */
    int forcedReconnects() {
        return forcedReconnects.get();
    }

    /** Everything published with core NATS, in order. */
    List<Sent> sent() {
        return new ArrayList<>(sent);
    }

    /** Everything published with JetStream, in order. */
    List<AsyncPublish> asyncPublishes() {
        return new ArrayList<>(asyncPublishes);
    }

    static PublishAck publishAck() {
        try {
            return new PublishAck(
                    io.nats.client.impl.NatsMessage.builder()
                            .subject("_INBOX.ack")
                            .data("{\"stream\":\"STREAM\",\"seq\":1}")
                            .build());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static ServerInfo serverInfo(String serverId, int clientId) {
        return new ServerInfo(
                "INFO {\"server_id\":\"" + serverId + "\",\"client_id\":" + clientId + "}");
    }

    // ---- Connection: what the publishers call ----

    Connection.Status getStatus() {
        return status;
    }

    Statistics getStatistics() {
        return statistics;
    }

    ServerInfo getServerInfo() {
        return serverInfo;
    }

    long getMaxPayload() {
        return maxPayload;
    }

    String getLastError() {
        return lastError;
    }

    JetStream jetStream() {
        return jetStream;
    }

    JetStreamManagement jetStreamManagement() {
        return management;
    }

    void publish(String subject, String replyTo, byte[] body) {
        publish(subject, replyTo, null, body);
    }

    void publish(String subject, String replyTo, Headers headers, byte[] body) {
        checkPublishable(subject, body);
        sent.add(new Sent(subject, replyTo, headers, body));
    }

    /** Blocks until the test answers; nothing answered within {@code timeout} is a timeout. */
    void flush(Duration timeout) throws TimeoutException, InterruptedException {
        flushesStarted.incrementAndGet();
        RoundTrip answer = flushAnswers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        (answer == null ? TIMEOUT : answer).answer(this);
    }

    /**
     * jnats replaces the socket: the new one's INFO arrives, then the reconnect is counted; then
     * {@link #forcedReconnects} counts it.
     */
    void forceReconnect() {
        reconnect();
        forcedReconnects.incrementAndGet();
    }

    /** What jnats checks before it takes a message. */
    private void checkPublishable(String subject, byte[] body) {
        if (status == Connection.Status.CLOSED) {
            throw new IllegalStateException("Connection is Closed");
        }
        RuntimeException refusal = refusals.get(subject);
        if (refusal != null) {
            throw refusal;
        }
        if (body.length > maxPayload) {
            throw new IllegalArgumentException(
                    "Message payload size exceed server configuration "
                            + body.length
                            + " vs "
                            + maxPayload);
        }
    }

    private final class FakeStatistics {
        long getFlushCounter() {
            return flushCounter.get();
        }

        long getReconnects() {
            return reconnects.get();
        }

        long getErrs() {
            return errs.get();
        }
    }

    private final class FakeJetStream {
        CompletableFuture<PublishAck> publishAsync(
                String subject, Headers headers, byte[] body, PublishOptions options) {
            checkPublishable(subject, body);
            AsyncPublish publish = new AsyncPublish(subject, headers, body, options);
            asyncPublishes.add(publish);
            if (acknowledgedAtOnce.contains(subject)) {
                publish.acknowledge();
            }
            return publish.ack;
        }
    }

    private final class FakeJetStreamManagement {
        List<String> getStreamNames(String subjectFilter) throws Exception {
            streamLookups.incrementAndGet();
            // The server's time to answer, not a wait for something the test does.
            LockSupport.parkNanos(streamLookupLatency.toNanos());
            Exception failure = streamLookupFailure;
            if (failure != null) {
                throw failure;
            }
            return streamNames;
        }
    }

    /**
     * {@code type} implemented by {@code target}'s methods of the same name and parameter types;
     * every other method throws {@link UnsupportedOperationException}.
     */
    private static <T> T implement(Class<T> type, Object target) {
        return type.cast(
                Proxy.newProxyInstance(
                        FakeConnection.class.getClassLoader(),
                        new Class<?>[] {type},
                        (proxy, method, args) -> {
                            if (method.getDeclaringClass() == Object.class) {
                                switch (method.getName()) {
                                    case "equals":
                                        return proxy == args[0];
                                    case "hashCode":
                                        return System.identityHashCode(proxy);
                                    default:
                                        return "Fake" + type.getSimpleName();
                                }
                            }
                            Method implementation;
                            try {
                                implementation =
                                        target.getClass()
                                                .getDeclaredMethod(
                                                        method.getName(),
                                                        method.getParameterTypes());
                            } catch (NoSuchMethodException e) {
                                throw new UnsupportedOperationException(
                                        "The fake does not implement " + method);
                            }
                            implementation.setAccessible(true);
                            try {
                                return implementation.invoke(target, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        }));
    }
}
