package io.laminar.flink.connector.nats.connection;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.function.UnaryOperator;

/**
 * An {@link SSLContext} whose client sockets and engines check that the server's certificate names
 * the host connected to: endpoint identification {@code HTTPS}, which matches the host against the
 * certificate's DNS and IP subject alternative names. jnats creates its TLS socket from this
 * context's socket factory, naming the host it connected to; when that is an address jnats resolved
 * a host name to, {@code nameOf} gives back the name, so that the certificate must match the name
 * in the URL (and the name goes to the server as SNI).
 */
final class HostnameVerifyingContext extends SSLContext {

    private static final String ENDPOINT_IDENTIFICATION = "HTTPS";

    /**
     * @param context an initialised context: trust, client keys and protocols come from it
     * @param nameOf the host name to verify for the host jnats names, e.g. a resolved address
     */
    HostnameVerifyingContext(SSLContext context, UnaryOperator<String> nameOf) {
        super(new Spi(context, nameOf), context.getProvider(), context.getProtocol());
    }

    private static SSLSocket verifying(Socket socket) {
        SSLSocket tls = (SSLSocket) socket;
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm(ENDPOINT_IDENTIFICATION);
        tls.setSSLParameters(parameters);
        return tls;
    }

    private static SSLEngine verifying(SSLEngine engine) {
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm(ENDPOINT_IDENTIFICATION);
        engine.setSSLParameters(parameters);
        return engine;
    }

    private static final class Spi extends SSLContextSpi {
        private final SSLContext context;
        private final UnaryOperator<String> nameOf;

        Spi(SSLContext context, UnaryOperator<String> nameOf) {
            this.context = context;
            this.nameOf = nameOf;
        }

        @Override
        protected void engineInit(KeyManager[] keys, TrustManager[] trust, SecureRandom random)
                throws KeyManagementException {
            context.init(keys, trust, random);
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return new SocketFactory(context.getSocketFactory(), nameOf);
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return context.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return verifying(context.createSSLEngine());
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return verifying(context.createSSLEngine(nameOf.apply(host), port));
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return context.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return context.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return context.getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return context.getSupportedSSLParameters();
        }
    }

    private static final class SocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory factory;
        private final UnaryOperator<String> nameOf;

        SocketFactory(SSLSocketFactory factory, UnaryOperator<String> nameOf) {
            this.factory = factory;
            this.nameOf = nameOf;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return factory.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return factory.getSupportedCipherSuites();
        }

        /** What jnats calls: TLS over the socket it connected to {@code host}. */
        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose)
                throws IOException {
            return verifying(factory.createSocket(socket, nameOf.apply(host), port, autoClose));
        }

        @Override
        public Socket createSocket() throws IOException {
            return verifying(factory.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return verifying(factory.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
                throws IOException {
            return verifying(factory.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return verifying(factory.createSocket(host, port));
        }

        @Override
        public Socket createSocket(
                InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return verifying(factory.createSocket(address, port, localAddress, localPort));
        }
    }
}
