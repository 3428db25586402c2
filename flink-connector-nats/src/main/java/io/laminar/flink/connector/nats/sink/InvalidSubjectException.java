package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.PublicEvolving;

/** A record's subject or reply-to subject cannot be published to; the message says why. */
@PublicEvolving
public class InvalidSubjectException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidSubjectException(String message) {
        super(message);
    }
}
