package io.laminar.flink.connector.nats.testutils;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * JetStream helpers for tests: create and delete streams, count and read back their messages.
 * Checked exceptions are wrapped in {@link UncheckedIOException} (I/O problems) or {@link
 * IllegalStateException} (JetStream API errors).
 */
public final class StreamCapture {

    /** JetStream API error code for "no message found". */
    private static final int NO_MESSAGE_FOUND = 10037;

    private StreamCapture() {}

    /** Creates a stream with file storage and one replica that captures {@code subjects}. */
    public static void createFileStream(Connection conn, String streamName, String... subjects) {
        createStream(conn, streamName, StorageType.File, subjects);
    }

    /** Creates a stream with memory storage and one replica that captures {@code subjects}. */
    public static void createMemoryStream(Connection conn, String streamName, String... subjects) {
        createStream(conn, streamName, StorageType.Memory, subjects);
    }

    private static void createStream(
            Connection conn, String streamName, StorageType storage, String... subjects) {
        StreamConfiguration config =
                StreamConfiguration.builder()
                        .name(streamName)
                        .subjects(subjects)
                        .storageType(storage)
                        .replicas(1)
                        .build();
        String what =
                "create "
                        + storage.toString().toLowerCase()
                        + " stream '"
                        + streamName
                        + "' on subjects "
                        + Arrays.toString(subjects);
        try {
            jsm(conn).addStream(config);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to " + what + ": " + e.getMessage(), e);
        } catch (JetStreamApiException e) {
            throw new IllegalStateException("Failed to " + what + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the stream {@code streamName}. */
    public static void deleteStream(Connection conn, String streamName) {
        String what = "delete stream '" + streamName + "'";
        try {
            jsm(conn).deleteStream(streamName);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to " + what + ": " + e.getMessage(), e);
        } catch (JetStreamApiException e) {
            throw new IllegalStateException("Failed to " + what + ": " + e.getMessage(), e);
        }
    }

    /** Number of messages currently stored in {@code streamName}. */
    public static long messageCount(Connection conn, String streamName) {
        return state(conn, streamName).getMsgCount();
    }

    /**
     * Reads every message currently stored in {@code streamName}, in sequence order. Each {@link
     * MessageInfo} exposes subject, headers, data and stream sequence. Deleted sequences are
     * skipped.
     */
    public static List<MessageInfo> readAll(Connection conn, String streamName) {
        StreamState state = state(conn, streamName);
        List<MessageInfo> messages = new ArrayList<>();
        if (state.getMsgCount() == 0) {
            return messages;
        }
        JetStreamManagement jsm = jsm(conn);
        for (long seq = state.getFirstSequence(); seq <= state.getLastSequence(); seq++) {
            String what = "read message " + seq + " of stream '" + streamName + "'";
            try {
                messages.add(jsm.getMessage(streamName, seq));
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != NO_MESSAGE_FOUND) {
                    throw new IllegalStateException("Failed to " + what + ": " + e.getMessage(), e);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Failed to " + what + ": " + e.getMessage(), e);
            }
        }
        return messages;
    }

    /** Payloads of every message in {@code streamName}, in sequence order, decoded as UTF-8. */
    public static List<String> readAllPayloadsAsStrings(Connection conn, String streamName) {
        List<String> payloads = new ArrayList<>();
        for (MessageInfo info : readAll(conn, streamName)) {
            byte[] data = info.getData();
            payloads.add(data == null ? "" : new String(data, StandardCharsets.UTF_8));
        }
        return payloads;
    }

    private static StreamState state(Connection conn, String streamName) {
        String what = "get info of stream '" + streamName + "'";
        try {
            return jsm(conn).getStreamInfo(streamName).getStreamState();
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to " + what + ": " + e.getMessage(), e);
        } catch (JetStreamApiException e) {
            throw new IllegalStateException("Failed to " + what + ": " + e.getMessage(), e);
        }
    }

    private static JetStreamManagement jsm(Connection conn) {
        try {
            return conn.jetStreamManagement();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Failed to obtain JetStreamManagement: " + e.getMessage(), e);
        }
    }
}
