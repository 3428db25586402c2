package io.laminar.flink.connector.nats.connection;

import org.apache.flink.annotation.PublicEvolving;

/**
 * A NATS connection could not be made or was given up: the message names the servers (user info
 * masked), what went wrong and the setting to check.
 */
@PublicEvolving
public class NatsConnectionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NatsConnectionException(String message) {
        super(message);
    }

    public NatsConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
