package io.laminar.flink.connector.nats.connection;

import io.nats.client.Options;

import javax.net.ssl.SSLContext;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Keeps TLS verifying what it should. With {@code verifyHostname} (the default) every TLS
 * connection checks that the server's certificate names the host connected to, whether TLS comes
 * from the TLS settings, from {@code tls://} or {@code wss://} URLs alone, or from jnats' {@code
 * secure} property. {@code opentls://} URLs and jnats' {@code opentls} property, with which jnats
 * trusts every certificate, need {@code insecureTrustAll}; jnats properties from which jnats builds
 * a TLS context of its own, which checks no host name, need {@code verifyHostname} off.
 */
final class TlsVerification {

    private static final List<String> OWN_CONTEXT_PROPERTIES =
            List.of("keyStore", "trustStore", "ssl.context.factory.class");

    private static final String SERVER_POOL_PROPERTY = "servers.pool.implementation.class";

    private final List<String> servers;
    private final Map<String, String> properties;
    private final TlsSettings tls;
    private final boolean verifyHostname;
    private final boolean insecureTrustAll;

    TlsVerification(
            List<String> servers,
            Map<String, String> properties,
            TlsSettings tls,
            boolean verifyHostname,
            boolean insecureTrustAll) {
        this.servers = servers;
        this.properties = properties;
        this.tls = tls;
        this.verifyHostname = verifyHostname;
        this.insecureTrustAll = insecureTrustAll;
    }

    /** Refuses what would trust every certificate, or skip the host name, without being asked. */
    void check() {
        if (!insecureTrustAll) {
            for (String server : servers) {
                if (server != null && server.toLowerCase(Locale.ROOT).startsWith("opentls://")) {
                    throw new IllegalArgumentException(
                            "'servers': '"
                                    + Redaction.url(server)
                                    + "' makes jnats trust every server certificate, so anyone on"
                                    + " the way to NATS could read the traffic and take the"
                                    + " credentials. Use tls:// with the TLS settings ('tls'), or"
                                    + " set 'insecureTrustAll' to true to accept that.");
                }
            }
        }
        for (String key : properties.keySet()) {
            String name = JnatsProperties.shortKey(key);
            if (name.equals("opentls") && !insecureTrustAll) {
                throw new IllegalArgumentException(
                        "'properties."
                                + key
                                + "' makes jnats trust every server certificate, so anyone on the"
                                + " way to NATS could read the traffic and take the credentials."
                                + " Use the TLS settings ('tls'), or set 'insecureTrustAll' to"
                                + " true to accept that.");
            }
            if (OWN_CONTEXT_PROPERTIES.contains(name) && verifyHostname) {
                throw new IllegalArgumentException(
                        "'properties."
                                + key
                                + "' makes jnats build a TLS context of its own, which does not"
                                + " check the server's host name. Use the TLS settings ('tls'),"
                                + " or set 'verifyHostname' to false.");
            }
        }
    }

    /** Gives {@code builder} the TLS context for these settings, if they ask for TLS. */
    void apply(Options.Builder builder) {
        SSLContext context = tls == null ? null : TlsMaterial.sslContext(tls);
        if (verifyHostname) {
            if (context == null && asksForTls() && !asksToTrustAll()) {
                // What jnats would take for tls:// URLs, but verifying.
                context = TlsMaterial.defaultContext();
            }
            if (context != null) {
                ResolvedHosts hosts = new ResolvedHosts();
                if (property(SERVER_POOL_PROPERTY) == null) {
                    builder.serverPool(hosts);
                }
                context = new HostnameVerifyingContext(context, hosts::nameOf);
            }
        }
        if (context != null) {
            // With a context, jnats upgrades to TLS whatever the URL's scheme.
            builder.sslContext(context);
        }
    }

    private boolean asksForTls() {
        return hasScheme("tls://", "wss://") || Boolean.parseBoolean(property("secure"));
    }

    private boolean asksToTrustAll() {
        return hasScheme("opentls://") || Boolean.parseBoolean(property("opentls"));
    }

    private boolean hasScheme(String... schemes) {
        for (String server : servers) {
            String lower = server.toLowerCase(Locale.ROOT);
            for (String scheme : schemes) {
                if (lower.startsWith(scheme)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The value of the jnats property {@code name} (keys read as jnats reads them), or null. */
    private String property(String name) {
        for (Map.Entry<String, String> property : properties.entrySet()) {
            if (JnatsProperties.shortKey(property.getKey()).replace('_', '.').equals(name)) {
                return property.getValue();
            }
        }
        return null;
    }
}
