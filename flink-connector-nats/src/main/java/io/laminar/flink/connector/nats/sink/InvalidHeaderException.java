package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.PublicEvolving;

/**
 * A record's header name or value cannot be sent over NATS; the message names the header, the
 * subject and why (never the value, which may be a secret).
 */
@PublicEvolving
public class InvalidHeaderException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidHeaderException(String message) {
        super(message);
    }
}
