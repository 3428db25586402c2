package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.PublicEvolving;

/** A record's Key-Value key cannot be written; the message quotes the key and says why. */
@PublicEvolving
public class InvalidKeyException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidKeyException(String message) {
        super(message);
    }
}
