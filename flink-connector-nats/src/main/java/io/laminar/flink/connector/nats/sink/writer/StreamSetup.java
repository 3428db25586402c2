package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.JetStreamSettings;
import io.laminar.flink.connector.nats.sink.JetStreamSettings.StreamCreation;
import io.laminar.flink.connector.nats.sink.NatsSinkException;
import io.laminar.flink.connector.nats.sink.SettingNames;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.DeliveryGuarantee;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * What a JetStream writer checks at start-up: that the expected stream (or the Key-Value bucket's
 * stream) exists, creating the expected stream when asked to and it is missing, and that
 * exactly-once can recognise replays (the duplicate window). An existing stream is never changed:
 * where it differs from the stream the settings would create, a WARN names the setting.
 */
@Internal
final class StreamSetup {

    private static final Logger LOG = LoggerFactory.getLogger(StreamSetup.class);

    /** JetStream's API error code for a stream that does not exist. */
    private static final int STREAM_NOT_FOUND = 10059;

    /** JetStream's API error code for a name taken by a stream with another configuration. */
    private static final int STREAM_NAME_IN_USE = 10058;

    private final JetStreamManagement management;
    private final JetStreamSettings settings;
    private final DeliveryGuarantee guarantee;
    private final SettingNames names;

    StreamSetup(
            JetStreamManagement management,
            JetStreamSettings settings,
            DeliveryGuarantee guarantee,
            SettingNames names) {
        this.management = management;
        this.settings = settings;
        this.guarantee = guarantee;
        this.names = names;
    }

    /**
     * Fails fast, at start-up, when the expected stream or the Key-Value bucket is missing (after
     * creating the expected stream, if so configured); explains exactly-once.
     */
    void check(String bucket) {
        String stream =
                bucket != null ? KeyValueMessages.stream(bucket) : settings.getExpectedStream();
        if (stream == null) {
            return;
        }
        String what =
                bucket != null
                        ? String.format(
                                "The NATS Key-Value bucket '%s' (stream '%s')", bucket, stream)
                        : String.format("The expected JetStream stream '%s'", stream);
        String fix =
                bucket != null
                        ? "Create the bucket (e.g. nats kv add " + bucket + ") or fix its name."
                        : "Create the stream, fix the stream name, or set"
                                + " 'createStreamIfMissing'.";
        StreamCreation creation = bucket == null ? settings.getStreamCreation() : null;
        StreamInfo info;
        try {
            info = lookUp(stream, what);
            if (creation != null) {
                warnIfDifferent(info.getConfiguration(), creation);
            }
        } catch (JetStreamApiException e) {
            if (creation == null || e.getApiErrorCode() != STREAM_NOT_FOUND) {
                throw new NatsSinkException(
                        names.rename(apiError(what + " is not available", e) + " " + fix));
            }
            info = create(stream, creation);
        }
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            Duration window = info.getConfiguration().getDuplicateWindow();
            String warning =
                    duplicateWindowWarning(stream, window, settings.getCheckpointInterval());
            if (warning != null) {
                LOG.warn(warning);
            } else {
                LOG.info(
                        "Exactly-once into stream '{}': replays are dropped by message id within"
                                + " its duplicate window of {}.",
                        stream,
                        window);
            }
        }
    }

    /** The stream's info; a {@link JetStreamApiException} when it does not exist. */
    private StreamInfo lookUp(String stream, String what) throws JetStreamApiException {
        try {
            return management.getStreamInfo(stream);
        } catch (IOException e) {
            // jnats gives up after its request timeout (the connection timeout): a server that
            // stopped answering, or one without JetStream whose subject someone else subscribes.
            throw new NatsSinkException(
                    String.format(
                            "The server did not answer the check of %s (%s). Make sure the"
                                    + " server runs JetStream and answers%s; the check waits for"
                                    + " the connection timeout.",
                            what.replace("The ", "the "),
                            e.getMessage(),
                            settings.usesDefaultApi()
                                    ? ""
                                    : " on the API prefix " + settings.getApiPrefix() + ">"),
                    e);
        }
    }

    /**
     * Creates the stream. When several writers start at once, one creates it and the others find
     * it: the server accepts the same configuration again, and a name taken meanwhile by another
     * configuration is looked up instead.
     */
    private StreamInfo create(String stream, StreamCreation creation) {
        Duration window = creation.duplicateWindowFor(settings.getCheckpointInterval());
        StreamConfiguration config =
                StreamConfiguration.builder()
                        .name(stream)
                        .subjects(creation.getSubjects())
                        .storageType(storageType(creation.getStorage()))
                        .replicas(creation.getReplicas())
                        .duplicateWindow(window)
                        .build();
        try {
            StreamInfo info = management.addStream(config);
            LOG.info(
                    "Created the JetStream stream '{}': subjects {}, {} storage, {} replica(s),"
                            + " duplicate window {}.",
                    stream,
                    creation.getSubjects(),
                    storageType(creation.getStorage()),
                    creation.getReplicas(),
                    window);
            return info;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != STREAM_NAME_IN_USE) {
                throw new NatsSinkException(
                        names.rename(
                                apiError(
                                        "Could not create the JetStream stream '"
                                                + stream
                                                + "' ('createStreamIfMissing')",
                                        e)));
            }
        } catch (IOException e) {
            throw new NatsSinkException(
                    "The server did not answer the creation of the JetStream stream '"
                            + stream
                            + "' ("
                            + e.getMessage()
                            + ").",
                    e);
        }
        String what = "The JetStream stream '" + stream + "', created meanwhile by another writer,";
        try {
            StreamInfo existing = lookUp(stream, what);
            warnIfDifferent(existing.getConfiguration(), creation);
            return existing;
        } catch (JetStreamApiException e) {
            throw new NatsSinkException(apiError(what + " is not available", e));
        }
    }

    /** Logs a WARN for each way the existing stream differs from the one the settings create. */
    private void warnIfDifferent(StreamConfiguration existing, StreamCreation creation) {
        List<String> differences = new ArrayList<>();
        if (!new HashSet<>(existing.getSubjects()).equals(new HashSet<>(creation.getSubjects()))) {
            differences.add(
                    "its subjects are "
                            + existing.getSubjects()
                            + ", not "
                            + creation.getSubjects()
                            + " ('streamSubjects')");
        }
        if (existing.getStorageType() != storageType(creation.getStorage())) {
            differences.add(
                    "its storage is "
                            + existing.getStorageType()
                            + ", not "
                            + creation.getStorage().name().toLowerCase(Locale.ROOT)
                            + " ('streamStorage')");
        }
        if (existing.getReplicas() != creation.getReplicas()) {
            differences.add(
                    "it has "
                            + existing.getReplicas()
                            + " replica(s), not "
                            + creation.getReplicas()
                            + " ('streamReplicas')");
        }
        if (creation.getDuplicateWindow() != null
                && !creation.getDuplicateWindow().equals(existing.getDuplicateWindow())) {
            differences.add(
                    "its duplicate window is "
                            + existing.getDuplicateWindow()
                            + ", not "
                            + creation.getDuplicateWindow()
                            + " ('streamDuplicateWindow')");
        }
        for (String difference : differences) {
            LOG.warn(
                    names.rename("The JetStream stream '{}' exists and is left as it is, but {}."),
                    existing.getName(),
                    names.rename(difference));
        }
    }

    private static StorageType storageType(JetStreamSettings.Storage storage) {
        return storage == JetStreamSettings.Storage.MEMORY ? StorageType.Memory : StorageType.File;
    }

    private static String apiError(String what, JetStreamApiException e) {
        return String.format(
                "%s: error %d/%d: %s.",
                what, e.getErrorCode(), e.getApiErrorCode(), e.getErrorDescription());
    }

    /**
     * The warning for a duplicate window shorter than the checkpoint interval, or null: a replay
     * after a failure resends records up to one interval old, and the stream only recognises ids it
     * saw within its window.
     */
    static String duplicateWindowWarning(
            String stream, Duration window, Duration checkpointInterval) {
        if (window == null
                || checkpointInterval == null
                || window.compareTo(checkpointInterval) >= 0) {
            return null;
        }
        return "Stream '"
                + stream
                + "' keeps message ids for "
                + window
                + ", less than the checkpoint interval of "
                + checkpointInterval
                + ": after a failure, replayed records older than the window are stored again."
                + " Raise the stream's duplicate_window (e.g. to several checkpoint intervals"
                + " plus the time to recover) or checkpoint more often.";
    }
}
