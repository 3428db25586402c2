package io.laminar.flink.connector.nats.e2e;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.sink.NatsSink;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;

/**
 * The DataStream job of the end-to-end test, packaged as a user jar that bundles the unshaded
 * connector and jnats ({@code *-job.jar}) and submitted to the standalone cluster with {@code flink
 * run}. It publishes {@code event-1} .. {@code event-<count>} to one subject.
 *
 * <pre>
 * flink run -c io.laminar.flink.connector.nats.e2e.DataStreamJob job.jar \
 *     --servers nats://127.0.0.1:4222 --subject e2e.datastream --count 20 \
 *     --username publisher --password '${NATS_PASSWORD}'
 * </pre>
 *
 * <p>A {@code ${NAME}} password is resolved from the TaskManager's environment when the writer
 * connects, so the secret never passes through the client or the job graph.
 */
public final class DataStreamJob {

    private DataStreamJob() {}

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        String servers = params.getRequired("servers");
        String subject = params.getRequired("subject");
        long count = params.getLong("count", 20);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSource(
                        new NumberSequenceSource(1, count),
                        WatermarkStrategy.noWatermarks(),
                        "sequence")
                .map(i -> "event-" + i)
                .returns(Types.STRING)
                .sinkTo(
                        NatsSink.<String>builder()
                                .setConnectionSettings(
                                        ConnectionSettings.builder()
                                                .servers(servers)
                                                .userInfo(
                                                        params.getRequired("username"),
                                                        params.getRequired("password"))
                                                .build())
                                .setSerializationSchema(new SimpleStringSchema())
                                .setSubject(subject)
                                .setHeader("x-source", "datastream-e2e")
                                .build())
                .name("nats-sink");
        env.execute("nats-e2e-datastream");
    }
}
