package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.NatsMessage;

import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class NatsMessageStateSerializerTest {

    private final NatsMessageStateSerializer serializer = new NatsMessageStateSerializer();

    @Test
    void buffered_messages_survive_a_round_trip_exactly() throws Exception {
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        List<NatsMessage> messages =
                Arrays.asList(
                        NatsMessage.of("orders.plain", "hello".getBytes(StandardCharsets.UTF_8)),
                        NatsMessage.of("orders.empty", new byte[0]),
                        NatsMessage.builder("orders.full", binary)
                                .replyTo("service.response")
                                .header("content-type", "application/json")
                                .header("x-multi", "one")
                                .header("x-multi", "two")
                                .messageId("id-42")
                                .build(),
                        NatsMessage.builder("orders.ünïcödé", "€".getBytes(StandardCharsets.UTF_8))
                                .header("x-text", "grüße")
                                .build());
        List<RequestEntryWrapper<NatsMessage>> wrappers = new ArrayList<>();
        for (NatsMessage m : messages) {
            wrappers.add(new RequestEntryWrapper<>(m, m.sizeInBytes()));
        }

        byte[] bytes = serializer.serialize(new BufferedRequestState<>(wrappers));
        BufferedRequestState<NatsMessage> restored =
                serializer.deserialize(serializer.getVersion(), bytes);

        List<NatsMessage> restoredMessages =
                restored.getBufferedRequestEntries().stream()
                        .map(RequestEntryWrapper::getRequestEntry)
                        .collect(Collectors.toList());
        assertThat(restoredMessages).containsExactlyElementsOf(messages);
        NatsMessage full = restoredMessages.get(2);
        assertThat(full.getReplyTo()).isEqualTo("service.response");
        assertThat(full.getMessageId()).isEqualTo("id-42");
        assertThat(full.getHeaders().get("x-multi")).containsExactly("one", "two");
        assertThat(full.getPayload()).isEqualTo(binary);
        assertThat(restored.getBufferedRequestEntries())
                .extracting(RequestEntryWrapper::getSize)
                .containsExactlyElementsOf(
                        wrappers.stream()
                                .map(RequestEntryWrapper::getSize)
                                .collect(Collectors.toList()));
    }

    @Test
    void an_empty_buffer_round_trips() throws Exception {
        byte[] bytes = serializer.serialize(new BufferedRequestState<>(new ArrayList<>()));
        assertThat(serializer.deserialize(1, bytes).getBufferedRequestEntries()).isEmpty();
    }
}
