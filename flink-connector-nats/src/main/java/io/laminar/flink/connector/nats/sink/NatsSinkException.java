package io.laminar.flink.connector.nats.sink;

import org.apache.flink.annotation.PublicEvolving;

/**
 * A record could not be delivered and retrying cannot help (for example it is larger than the
 * server's {@code max_payload}, or the user may not publish to its subject). The message names the
 * subject and the reason; the job fails with it.
 */
@PublicEvolving
public class NatsSinkException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NatsSinkException(String message) {
        super(message);
    }

    public NatsSinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
