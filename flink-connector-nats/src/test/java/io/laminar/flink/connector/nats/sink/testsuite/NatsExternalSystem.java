package io.laminar.flink.connector.nats.sink.testsuite;

import io.laminar.flink.connector.nats.testutils.NatsServerExtension;

import io.nats.client.Connection;

import org.apache.flink.connector.testframe.TestResource;
import org.apache.flink.connector.testframe.junit.annotations.TestExternalSystem;

/**
 * The nats-server of one suite class, as the testing framework's {@link TestExternalSystem}: the
 * framework starts it before the first test case and stops it (deleting its JetStream store) after
 * the last one.
 */
final class NatsExternalSystem implements TestResource {

    private final NatsServerExtension server = new NatsServerExtension();

    @Override
    public void startUp() {
        server.start();
    }

    @Override
    public void tearDown() {
        server.close();
    }

    /** Client URL of the running server. */
    String url() {
        return server.url();
    }

    /** A new connection to the server; the caller closes it. */
    Connection connect() {
        return server.connect();
    }

    @Override
    public String toString() {
        return "nats-server";
    }
}
