package io.laminar.flink.connector.nats.sink.writer;

import io.laminar.flink.connector.nats.sink.NatsMessage;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriterStateSerializer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Writes buffered {@link NatsMessage}s into checkpoints and reads them back on restore.
 *
 * <p>Version 1 layout of one message: subject, reply-to (nullable), message id (nullable), the
 * header count with each key and its values, then the payload length and bytes. Strings are
 * length-prefixed UTF-8; a nullable string has a leading presence flag.
 */
@Internal
public final class NatsMessageStateSerializer extends AsyncSinkWriterStateSerializer<NatsMessage> {

    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    protected void serializeRequestToStream(NatsMessage message, DataOutputStream out)
            throws IOException {
        writeString(out, message.getSubject());
        writeNullable(out, message.getReplyTo());
        writeNullable(out, message.getMessageId());
        Map<String, List<String>> headers = message.getHeaders();
        out.writeInt(headers.size());
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            writeString(out, header.getKey());
            out.writeInt(header.getValue().size());
            for (String value : header.getValue()) {
                writeString(out, value);
            }
        }
        byte[] payload = message.getPayload();
        out.writeInt(payload.length);
        out.write(payload);
    }

    @Override
    protected NatsMessage deserializeRequestFromStream(long requestSize, DataInputStream in)
            throws IOException {
        String subject = readString(in);
        String replyTo = readNullable(in);
        String messageId = readNullable(in);
        int headerCount = in.readInt();
        String[] keys = new String[headerCount];
        String[][] values = new String[headerCount][];
        for (int i = 0; i < headerCount; i++) {
            keys[i] = readString(in);
            values[i] = new String[in.readInt()];
            for (int j = 0; j < values[i].length; j++) {
                values[i][j] = readString(in);
            }
        }
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);

        NatsMessage.Builder builder =
                NatsMessage.builder(subject, payload).replyTo(replyTo).messageId(messageId);
        for (int i = 0; i < headerCount; i++) {
            for (String value : values[i]) {
                builder.header(keys[i], value);
            }
        }
        return builder.build();
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void writeNullable(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            writeString(out, value);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? readString(in) : null;
    }
}
