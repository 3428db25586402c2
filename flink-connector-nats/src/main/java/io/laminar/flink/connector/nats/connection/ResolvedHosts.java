package io.laminar.flink.connector.nats.connection;

import io.nats.client.impl.NatsServerPool;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * jnats' server pool, remembering the host name behind each address it resolves one to. By default
 * jnats resolves a URL's host name itself and connects to each address in turn, naming the address
 * to the TLS socket; host-name verification must check the name, not the address.
 */
final class ResolvedHosts extends NatsServerPool {

    /** Host name by address, for this one connection. */
    private final Map<String, String> names = new ConcurrentHashMap<>();

    @Override
    public List<String> resolveHostToIps(String host) {
        return remember(host, super.resolveHostToIps(host));
    }

    @Override
    public List<String> resolveHostToIps(String host, boolean maxOneResult, boolean includeIPV6) {
        return remember(host, super.resolveHostToIps(host, maxOneResult, includeIPV6));
    }

    private List<String> remember(String host, List<String> addresses) {
        if (addresses != null) {
            addresses.forEach(address -> names.put(address, host));
        }
        return addresses;
    }

    /** The host name {@code host} was resolved from, or {@code host} when it was not resolved. */
    String nameOf(String host) {
        // jnats puts an IPv6 address in brackets when it makes a URL of it.
        String address =
                host.startsWith("[") && host.endsWith("]")
                        ? host.substring(1, host.length() - 1)
                        : host;
        return names.getOrDefault(address, host);
    }
}
