package io.laminar.flink.connector.nats.testutils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** The loopback address test servers listen on, and the port checks the harness makes on it. */
final class Loopback {

    static final String HOST = "127.0.0.1";

    private Loopback() {}

    /** A port nothing listens on right now (the OS may hand it out again later). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to find a free port: " + e.getMessage(), e);
        }
    }

    /** True if the port can be bound right now (it is free and not lingering in the kernel). */
    static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** True if a TCP connection to the port succeeds. */
    static boolean acceptsConnections(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 250);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
