package io.laminar.flink.connector.nats.examples;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.sink.NatsSink;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;

import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Publishes a handful of orders as JSON to {@code orders.<region>} with a header, then prints what
 * a NATS subscriber received. Usage: {@code OrdersToNats [nats-url]} (default {@code
 * nats://127.0.0.1:4222}).
 */
public final class OrdersToNats {

    private static final String[][] ORDERS = {
        {"1001", "eu", "42.50"},
        {"1002", "us", "17.00"},
        {"1003", "eu", "99.90"},
        {"1004", "apac", "5.25"},
        {"1005", "us", "63.10"},
    };

    private OrdersToNats() {}

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "nats://127.0.0.1:4222";

        try (Connection subscriber = Nats.connect(url)) {
            List<Message> received = new CopyOnWriteArrayList<>();
            Dispatcher dispatcher = subscriber.createDispatcher(received::add);
            dispatcher.subscribe("orders.>");
            subscriber.flush(Duration.ofSeconds(5));

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            env.fromData(ORDERS)
                    .map(
                            o ->
                                    String.format(
                                            "{\"order_id\":%s,\"region\":\"%s\",\"amount\":%s}",
                                            o[0], o[1], o[2]))
                    .sinkTo(
                            NatsSink.<String>builder()
                                    .setConnectionSettings(
                                            ConnectionSettings.builder().servers(url).build())
                                    .setSerializationSchema(new SimpleStringSchema())
                                    .setSubjectSelector(
                                            json ->
                                                    "orders."
                                                            + json.replaceAll(
                                                                    ".*\"region\":\"([^\"]+)\".*",
                                                                    "$1"))
                                    .setHeader("content-type", "application/json")
                                    .build())
                    .name("NATS sink");
            env.execute("orders to NATS");

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received.size() < ORDERS.length && System.nanoTime() < deadline) {
                subscriber.flush(Duration.ofSeconds(1));
            }
            System.out.println(
                    "Subscriber on 'orders.>' received " + received.size() + " messages:");
            for (Message m : received) {
                System.out.println(
                        "  "
                                + m.getSubject()
                                + "  content-type="
                                + m.getHeaders().getFirst("content-type")
                                + "  "
                                + new String(m.getData(), StandardCharsets.UTF_8));
            }
            dispatcher.unsubscribe("orders.>");
            if (received.size() != ORDERS.length) {
                System.err.println("Expected " + ORDERS.length + " messages.");
                System.exit(1);
            }
        }
    }
}
