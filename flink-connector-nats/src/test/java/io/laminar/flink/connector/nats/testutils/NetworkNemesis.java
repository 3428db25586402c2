package io.laminar.flink.connector.nats.testutils;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on loopback between clients (the sink) and one server (nats-server on loopback), that
 * injects network faults: {@link #blackhole} (connections stay open and nothing gets through either
 * way, as over a link that went dark: TCP holds the bytes, and delivers them if the link comes back
 * before either end gives the connection up), {@link #cut} (every connection reset both ways, RST),
 * {@link #delay} (each chunk of bytes held back), {@link #limit} (bytes per second each way), and
 * {@link #heal}. Every fault can be bounded in time; only loopback addresses are ever connected to.
 *
 * <pre>{@code
 * try (NetworkNemesis nemesis = NetworkNemesis.to(NATS.port())) {
 *     ... connect the sink to nemesis.url() ...
 *     nemesis.blackhole(Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class NetworkNemesis implements AutoCloseable {

    private static final int CHUNK = 16 * 1024;

    private final int targetPort;
    private final ServerSocket listener;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService healer =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "nemesis-healer");
                        t.setDaemon(true);
                        return t;
                    });
    private ScheduledFuture<?> pendingHeal;

    private volatile boolean blackholed;
    private volatile long delayNanos;
    private volatile long bytesPerSecond;
    private volatile boolean closed;

    private NetworkNemesis(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getByName(Loopback.HOST), 0));
        Thread acceptor = new Thread(this::acceptLoop, "nemesis-accept-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A nemesis in front of the server listening on {@code targetPort} on loopback. */
    public static NetworkNemesis to(int targetPort) {
        try {
            return new NetworkNemesis(targetPort);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the network nemesis: " + e, e);
        }
    }

    /** The port clients connect to. */
    public int port() {
        return listener.getLocalPort();
    }

    /** The URL clients connect to. */
    public String url() {
        return "nats://" + Loopback.HOST + ":" + port();
    }

    /** Connections open through the nemesis now. */
    public int openConnections() {
        return links.size();
    }

    /** Nothing gets through either way; connections stay open; healed after {@code duration}. */
    public synchronized void blackhole(Duration duration) {
        blackholed = true;
        healAfter(duration);
    }

    /** Resets every open connection both ways (RST); new connections pass. */
    public void cut() {
        for (Link link : links) {
            link.reset();
        }
    }

    /** Each chunk of bytes is held back {@code delay} each way; healed after {@code duration}. */
    public synchronized void delay(Duration delay, Duration duration) {
        delayNanos = delay.toNanos();
        healAfter(duration);
    }

    /** At most {@code bytesPerSecond} each way per connection; healed after {@code duration}. */
    public synchronized void limit(long bytesPerSecond, Duration duration) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("bytesPerSecond must be positive");
        }
        this.bytesPerSecond = bytesPerSecond;
        healAfter(duration);
    }

    /** Ends every fault: bytes pass again, without delay or limit. */
    public synchronized void heal() {
        if (pendingHeal != null) {
            pendingHeal.cancel(false);
            pendingHeal = null;
        }
        blackholed = false;
        delayNanos = 0;
        bytesPerSecond = 0;
        notifyAll();
    }

    /** Waits while the link is dark. */
    private synchronized void awaitLight() throws InterruptedException {
        while (blackholed && !closed) {
            wait();
        }
    }

    private void healAfter(Duration duration) {
        if (pendingHeal != null) {
            pendingHeal.cancel(false);
        }
        pendingHeal = healer.schedule(this::heal, duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            try {
                Socket server = new Socket(InetAddress.getByName(Loopback.HOST), targetPort);
                Link link = new Link(client, server);
                links.add(link);
                link.start();
            } catch (IOException e) {
                // The server is down: the client sees its connection refused as a reset.
                resetQuietly(client);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            notifyAll();
        }
        healer.shutdownNow();
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Link link : links) {
            link.close();
        }
    }

    private static void resetQuietly(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /** One client connection and its connection to the server, pumped both ways. */
    private final class Link {
        private final Socket client;
        private final Socket server;

        Link(Socket client, Socket server) throws SocketException {
            this.client = client;
            this.server = server;
            client.setTcpNoDelay(true);
            server.setTcpNoDelay(true);
        }

        void start() {
            pump(client, server, "up");
            pump(server, client, "down");
        }

        private void pump(Socket from, Socket to, String direction) {
            Thread t =
                    new Thread(
                            () -> {
                                try (InputStream in = from.getInputStream();
                                        OutputStream out = to.getOutputStream()) {
                                    byte[] buffer = new byte[CHUNK];
                                    int n;
                                    while ((n = in.read(buffer)) >= 0) {
                                        forward(buffer, n, out);
                                    }
                                } catch (IOException | InterruptedException e) {
                                    // reset, closed or stopped
                                } finally {
                                    close();
                                }
                            },
                            "nemesis-" + direction + "-" + from.getPort());
            t.setDaemon(true);
            t.start();
        }

        private void forward(byte[] buffer, int n, OutputStream out)
                throws IOException, InterruptedException {
            awaitLight();
            long delay = delayNanos;
            if (delay > 0) {
                TimeUnit.NANOSECONDS.sleep(delay);
            }
            long rate = bytesPerSecond;
            if (rate > 0) {
                for (int offset = 0; offset < n; ) {
                    int part = (int) Math.min(n - offset, Math.max(1, rate / 10));
                    out.write(buffer, offset, part);
                    out.flush();
                    offset += part;
                    TimeUnit.NANOSECONDS.sleep(part * 1_000_000_000L / rate);
                }
                return;
            }
            out.write(buffer, 0, n);
            out.flush();
        }

        /** Resets both sockets (RST), so both ends see "connection reset". */
        void reset() {
            resetQuietly(client);
            resetQuietly(server);
            links.remove(this);
        }

        void close() {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing
            }
            try {
                server.close();
            } catch (IOException ignored) {
                // closing
            }
            links.remove(this);
        }
    }
}
