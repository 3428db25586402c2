package io.laminar.flink.connector.nats.sink.testsuite;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StreamState;

import org.apache.flink.connector.testframe.external.ExternalSystemDataReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads back, as UTF-8 strings, what the sink wrote into a JetStream stream. Each {@link #poll}
 * returns the messages stored since the previous one, in stream order, so no message is returned
 * twice; duplicates the sink published are separate messages and are all returned.
 *
 * <p>The stream is read by sequence number, which is all it takes here: the suite's streams have no
 * limits and nothing deletes from them while a reader is in use.
 */
final class NatsStreamDataReader implements ExternalSystemDataReader<String> {

    private final JetStreamManagement jsm;
    private final String stream;
    private long nextSequence = 1;

    NatsStreamDataReader(JetStreamManagement jsm, String stream) {
        this.jsm = jsm;
        this.stream = stream;
    }

    /**
     * Returns what was stored since the last call without waiting for more: the suite polls again
     * until it has seen what it expects.
     */
    @Override
    public List<String> poll(Duration timeout) {
        List<String> records = new ArrayList<>();
        try {
            StreamState state = jsm.getStreamInfo(stream).getStreamState();
            long last = state.getLastSequence();
            for (long seq = Math.max(nextSequence, state.getFirstSequence()); seq <= last; seq++) {
                records.add(
                        new String(jsm.getMessage(stream, seq).getData(), StandardCharsets.UTF_8));
                nextSequence = seq + 1;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Failed to read stream '" + stream + "' from sequence " + nextSequence, e);
        } catch (JetStreamApiException e) {
            throw new IllegalStateException(
                    "Failed to read stream '" + stream + "' from sequence " + nextSequence, e);
        }
        return records;
    }

    /** Nothing to release: the connection belongs to the external context. */
    @Override
    public void close() {}
}
