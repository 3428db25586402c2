package io.laminar.flink.connector.nats.sink.testsuite;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.sink.JetStreamSettings;
import io.laminar.flink.connector.nats.sink.NatsMessage;
import io.laminar.flink.connector.nats.sink.NatsSink;
import io.laminar.flink.connector.nats.testutils.StreamCapture;

import io.nats.client.Connection;

import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.testframe.external.ExternalContextFactory;
import org.apache.flink.connector.testframe.external.ExternalSystemDataReader;
import org.apache.flink.connector.testframe.external.sink.DataStreamSinkV2ExternalContext;
import org.apache.flink.connector.testframe.external.sink.TestingSinkSettings;
import org.apache.flink.core.execution.CheckpointingMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One test case's view of NATS for Flink's {@code SinkTestSuiteBase}: a subject of its own, a
 * JetStream stream capturing that subject, the sink under test publishing to it, and a reader of
 * the stream.
 *
 * <p>In {@link Mode#CORE} the sink publishes with core NATS and the stream only records what
 * arrives on the subject; in {@link Mode#JETSTREAM} the sink publishes to the stream and checks
 * every acknowledgement. The suite's semantic picks the sink's delivery guarantee: at-least-once,
 * or (JetStream only) exactly-once, where each record is its own message id so that the stream
 * drops a replayed record as a duplicate.
 *
 * <p>The stream is created on first use and deleted when the framework closes the context after the
 * test case.
 */
final class NatsSinkExternalContext implements DataStreamSinkV2ExternalContext<String> {

    /** How the sink under test publishes. */
    enum Mode {
        CORE,
        JETSTREAM
    }

    private static final AtomicInteger CASES = new AtomicInteger();

    private static final int MIN_RECORDS = 300;
    private static final int MAX_RECORDS = 800;

    private final NatsExternalSystem nats;
    private final Mode mode;
    private final String subject;
    private final String stream;

    private Connection connection;
    private boolean streamCreated;

    private NatsSinkExternalContext(NatsExternalSystem nats, Mode mode) {
        int id = CASES.incrementAndGet();
        String name = mode.name().toLowerCase();
        this.nats = nats;
        this.mode = mode;
        this.subject = "suite." + name + "." + id;
        this.stream = "SUITE_" + mode.name() + "_" + id;
    }

    /** Creates a context, with a subject and stream of its own, for every test case. */
    static ExternalContextFactory<NatsSinkExternalContext> factory(
            NatsExternalSystem nats, Mode mode) {
        return testName -> new NatsSinkExternalContext(nats, mode);
    }

    @Override
    public Sink<String> createSink(TestingSinkSettings sinkSettings) {
        ensureStream();
        boolean exactlyOnce = exactlyOnce(sinkSettings);
        if (mode == Mode.CORE) {
            if (exactlyOnce) {
                // The suite aborts (not fails) a case whose sink cannot be built this way.
                throw new UnsupportedOperationException(
                        "core NATS offers at-least-once, not exactly-once");
            }
            return NatsSink.<String>builder()
                    .setConnectionSettings(ConnectionSettings.builder().servers(nats.url()).build())
                    .setSerializationSchema(new SimpleStringSchema())
                    .setSubject(subject)
                    .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                    .build();
        }
        String target = subject;
        return NatsSink.<String>builder()
                .setConnectionSettings(ConnectionSettings.builder().servers(nats.url()).build())
                .setJetStream(JetStreamSettings.builder().expectedStream(stream).build())
                .setDeliveryGuarantee(
                        exactlyOnce
                                ? DeliveryGuarantee.EXACTLY_ONCE
                                : DeliveryGuarantee.AT_LEAST_ONCE)
                .setMessageSerializer(
                        record ->
                                NatsMessage.builder(target, record.getBytes(StandardCharsets.UTF_8))
                                        .messageId(exactlyOnce ? record : null)
                                        .build())
                .build();
    }

    @Override
    public ExternalSystemDataReader<String> createSinkDataReader(TestingSinkSettings sinkSettings) {
        ensureStream();
        try {
            return new NatsStreamDataReader(connection.jetStreamManagement(), stream);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Between {@value #MIN_RECORDS} and {@value #MAX_RECORDS} distinct records; each starts with
     * its index, so equal records never stand for different inputs.
     */
    @Override
    public List<String> generateTestData(TestingSinkSettings sinkSettings, long seed) {
        Random random = new Random(seed);
        int count = MIN_RECORDS + random.nextInt(MAX_RECORDS - MIN_RECORDS + 1);
        List<String> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder record = new StringBuilder(String.format("%04d-", i));
            int length = 5 + random.nextInt(60);
            for (int c = 0; c < length; c++) {
                record.append((char) ('a' + random.nextInt(26)));
            }
            records.add(record.toString());
        }
        return records;
    }

    @Override
    public TypeInformation<String> getProducedType() {
        return Types.STRING;
    }

    /** Classes come from the test class path of the MiniCluster; no jar to ship. */
    @Override
    public List<URL> getConnectorJarPaths() {
        return Collections.emptyList();
    }

    @Override
    public void close() throws InterruptedException {
        if (connection == null) {
            return;
        }
        try {
            if (streamCreated) {
                StreamCapture.deleteStream(connection, stream);
            }
        } finally {
            connection.close();
            connection = null;
        }
    }

    @Override
    public String toString() {
        return "NATS " + mode.name().toLowerCase() + " -> stream " + stream;
    }

    /** Creates the stream before anything publishes: core NATS drops what nobody captures. */
    private void ensureStream() {
        if (connection == null) {
            connection = nats.connect();
        }
        if (!streamCreated) {
            StreamCapture.createMemoryStream(connection, stream, subject);
            streamCreated = true;
        }
    }

    @SuppressWarnings("deprecation") // the only getter TestingSinkSettings has in Flink 2.2/2.3
    private static boolean exactlyOnce(TestingSinkSettings sinkSettings) {
        return org.apache.flink.streaming.api.CheckpointingMode.convertToCheckpointingMode(
                        sinkSettings.getCheckpointingMode())
                == CheckpointingMode.EXACTLY_ONCE;
    }
}
