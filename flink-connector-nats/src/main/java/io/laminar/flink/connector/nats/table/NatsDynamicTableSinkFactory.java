package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.connection.EnvironmentReferences;
import io.laminar.flink.connector.nats.connection.ServerUrls;
import io.laminar.flink.connector.nats.connection.TlsSettings;
import io.laminar.flink.connector.nats.sink.JetStreamSettings;
import io.laminar.flink.connector.nats.sink.MessageHeaders;
import io.laminar.flink.connector.nats.sink.Subjects;
import io.laminar.flink.connector.nats.table.NatsConnectorOptions.ValueFieldsInclude;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.base.table.AsyncDynamicTableSinkFactory;
import org.apache.flink.connector.base.table.sink.options.AsyncSinkConfigurationValidator;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.laminar.flink.connector.nats.table.NatsConnectorOptions.*;

/**
 * Creates the {@code nats_sink} table sink: {@code CREATE TABLE t (...) WITH ('connector' =
 * 'nats_sink', 'servers' = '...', 'subject' = '...', 'format' = 'json')}. Every option is checked
 * here, at planning time, with an error that names it.
 */
@Internal
public class NatsDynamicTableSinkFactory extends AsyncDynamicTableSinkFactory {

    /** The connector identifier used in {@code 'connector' = 'nats_sink'}. */
    public static final String IDENTIFIER = "nats_sink";

    /** Options a named connection may set. */
    static final List<ConfigOption<?>> CONNECTION_OPTIONS =
            Arrays.asList(
                    SERVERS,
                    USERNAME,
                    PASSWORD,
                    TOKEN,
                    CREDENTIALS_FILE,
                    NKEY_SEED_FILE,
                    CREDENTIALS,
                    JWT,
                    NKEY_SEED,
                    TLS_REQUIRED,
                    TLS_VERIFY_HOSTNAME,
                    TLS_INSECURE_TRUST_ALL,
                    TLS_TRUST_STORE_PATH,
                    TLS_TRUST_STORE_PASSWORD,
                    TLS_TRUST_STORE_TYPE,
                    TLS_KEY_STORE_PATH,
                    TLS_KEY_STORE_PASSWORD,
                    TLS_KEY_STORE_TYPE,
                    TLS_CA_CERT_FILE,
                    TLS_CERT_FILE,
                    TLS_KEY_FILE,
                    CONNECTION_NAME,
                    CONNECT_TIMEOUT,
                    RECONNECT_WAIT,
                    RECONNECT_MAX_ATTEMPTS,
                    RECONNECT_BUFFER_SIZE);

    /** Options that describe a stream to create. */
    private static final List<ConfigOption<?>> STREAM_CREATION_OPTIONS =
            Arrays.asList(
                    JETSTREAM_STREAM_CREATE_IF_MISSING,
                    JETSTREAM_STREAM_SUBJECTS,
                    JETSTREAM_STREAM_STORAGE,
                    JETSTREAM_STREAM_REPLICAS,
                    JETSTREAM_STREAM_DUPLICATE_WINDOW);

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        Set<ConfigOption<?>> options = new HashSet<>();
        options.add(FactoryUtil.FORMAT);
        return options;
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        Set<ConfigOption<?>> options = new HashSet<>(super.optionalOptions());
        options.addAll(CONNECTION_OPTIONS);
        options.add(CONNECTION);
        options.add(SUBJECT);
        options.add(SUBJECT_FIELD);
        options.add(HEADERS);
        options.add(REPLY_TO_FIELD);
        options.add(MSG_ID_FIELD);
        options.add(VALUE_FIELDS_INCLUDE);
        options.add(DELIVERY_GUARANTEE);
        options.add(CONFIRM_TIMEOUT);
        options.add(CONNECTION_POOL_SIZE);
        options.add(ORDER_PER_SUBJECT);
        options.add(DEAD_LETTER_SUBJECT);
        options.add(JETSTREAM_ENABLED);
        options.add(JETSTREAM_STREAM);
        options.add(JETSTREAM_ACK_TIMEOUT);
        options.add(JETSTREAM_MAX_PENDING_ACKS);
        options.add(JETSTREAM_DOMAIN);
        options.add(JETSTREAM_API_PREFIX);
        options.addAll(STREAM_CREATION_OPTIONS);
        options.add(KV_BUCKET);
        options.add(KV_KEY_DELIMITER);
        options.add(KV_DELETE_MODE);
        return options;
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        AsyncDynamicSinkContext sinkContext = new AsyncDynamicSinkContext(this, context);
        FactoryUtil.TableFactoryHelper helper = sinkContext.getFactoryHelper();
        helper.validateExcept(HEADERS_PREFIX, PROPERTIES_PREFIX);

        Map<String, String> options =
                NamedConnections.merge(
                        context.getCatalogTable().getOptions(),
                        context.getConfiguration(),
                        CONNECTION_OPTIONS,
                        PROPERTIES_PREFIX);
        Configuration config = Configuration.fromMap(options);
        ResolvedSchema schema = context.getCatalogTable().getResolvedSchema();

        KeyValueTable keyValue = keyValueTable(config, options, schema);
        RowRouting routing =
                keyValue == null
                        ? routing(config, options, schema)
                        : keyValueRouting(config, schema, keyValue);
        DeliveryGuarantee guarantee = get(config, DELIVERY_GUARANTEE);
        JetStreamSettings jetStream = jetStream(config, keyValue != null);
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE && keyValue == null) {
            List<String> missing = new ArrayList<>();
            if (jetStream == null) {
                missing.add("'jetstream.enabled' = 'true'");
            }
            if (!routing.hasMessageId() && !hasMetadataColumn(schema, "msg_id")) {
                missing.add("a message id per row ('msg_id_field' or a 'msg_id' metadata column)");
            }
            if (!missing.isEmpty()) {
                throw new ValidationException(
                        "Option 'sink.delivery-guarantee' = 'exactly-once' needs JetStream"
                                + " publishing with a message id per row, so that replays are"
                                + " dropped by the stream's duplicate window. Missing: "
                                + String.join(" and ", missing)
                                + ".");
            }
        }
        NatsDynamicTableSink.Builder builder =
                new NatsDynamicTableSink.Builder()
                        .format(sinkContext.getEncodingFormat(), sinkContext.getPhysicalDataType())
                        .routing(routing)
                        .connection(settings(() -> connectionSettings(config, options)))
                        .deliveryGuarantee(guarantee)
                        .confirmTimeout(get(config, CONFIRM_TIMEOUT))
                        .jetStream(jetStream)
                        .deadLetterSubject(config.get(DEAD_LETTER_SUBJECT))
                        .connectionPoolSize(get(config, CONNECTION_POOL_SIZE))
                        .orderPerSubject(get(config, ORDER_PER_SUBJECT))
                        .keyValue(keyValue);
        settings(() -> addAsyncOptionsToBuilder(asyncOptions(helper), builder));
        NatsDynamicTableSink sink = builder.build();
        // The builder owns the sink's rules; the payload schema needs the planner's context and
        // is left out: the row serializer is never called.
        settings(() -> sink.createSink(null));
        return sink;
    }

    /**
     * {@code create}'s result; a setting it refuses becomes a {@link ValidationException} that
     * names the option the user wrote.
     */
    private static <T> T settings(Supplier<T> create) {
        try {
            return create.get();
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "Invalid NATS sink option: " + SETTING_NAMES.rename(e.getMessage()), e);
        }
    }

    /**
     * The Key-Value table when 'kv.bucket' is set, after refusing the options and columns that
     * route rows to subjects; null otherwise, after refusing the Key-Value options.
     */
    private static KeyValueTable keyValueTable(
            Configuration config, Map<String, String> options, ResolvedSchema schema) {
        String bucket = config.get(KV_BUCKET);
        if (bucket == null) {
            for (ConfigOption<?> option : Arrays.asList(KV_KEY_DELIMITER, KV_DELETE_MODE)) {
                if (config.contains(option)) {
                    throw new ValidationException(
                            "Option '" + option.key() + "' only applies with 'kv.bucket'.");
                }
            }
            if (get(config, VALUE_FIELDS_INCLUDE) == ValueFieldsInclude.EXCEPT_KEY) {
                throw new ValidationException(
                        "Option 'value.fields-include' = 'EXCEPT_KEY' only applies with"
                                + " 'kv.bucket'; use 'ALL' or 'EXCEPT_ROUTING'.");
            }
            return null;
        }
        List<String> refused = new ArrayList<>();
        for (ConfigOption<?> option :
                Arrays.asList(
                        SUBJECT,
                        SUBJECT_FIELD,
                        REPLY_TO_FIELD,
                        MSG_ID_FIELD,
                        HEADERS,
                        JETSTREAM_ENABLED,
                        JETSTREAM_STREAM,
                        JETSTREAM_STREAM_CREATE_IF_MISSING)) {
            if (config.contains(option)) {
                refused.add("'" + option.key() + "'");
            }
        }
        options.keySet().stream()
                .filter(key -> key.startsWith(HEADERS_PREFIX))
                .forEach(key -> refused.add("'" + key + "'"));
        if (config.contains(ORDER_PER_SUBJECT) && !get(config, ORDER_PER_SUBJECT)) {
            refused.add("'sink.order-per-subject' = 'false'");
        }
        if (get(config, VALUE_FIELDS_INCLUDE) == ValueFieldsInclude.EXCEPT_ROUTING) {
            refused.add("'value.fields-include' = 'EXCEPT_ROUTING' (use 'EXCEPT_KEY')");
        }
        for (Column column : schema.getColumns()) {
            if (column instanceof Column.MetadataColumn
                    && !((Column.MetadataColumn) column).isVirtual()) {
                refused.add("metadata column '" + column.getName() + "'");
            }
        }
        if (!refused.isEmpty()) {
            throw new ValidationException(
                    "Option 'kv.bucket' writes each row to the key its PRIMARY KEY gives, in"
                            + " the bucket's own stream, with the order per key kept; these do"
                            + " not apply to it: "
                            + String.join(", ", refused)
                            + ".");
        }
        return KeyValueTable.of(
                bucket, config.get(KV_KEY_DELIMITER), get(config, KV_DELETE_MODE), schema);
    }

    /** The payload columns of a Key-Value table: all, or all but the key ('EXCEPT_KEY'). */
    private static RowRouting keyValueRouting(
            Configuration config, ResolvedSchema schema, KeyValueTable keyValue) {
        boolean exceptKey = get(config, VALUE_FIELDS_INCLUDE) == ValueFieldsInclude.EXCEPT_KEY;
        int physical = (int) schema.getColumns().stream().filter(Column::isPhysical).count();
        int[] payload =
                IntStream.range(0, physical)
                        .filter(i -> !exceptKey || !keyValue.isKeyField(i))
                        .toArray();
        if (payload.length == 0) {
            throw new ValidationException(
                    "Option 'value.fields-include' = 'EXCEPT_KEY' leaves no column for the"
                            + " value: add a value column or use 'ALL'.");
        }
        return RowRouting.builder().payloadFields(payload).build();
    }

    private static JetStreamSettings jetStream(Configuration config, boolean keyValue) {
        if (!keyValue && !get(config, JETSTREAM_ENABLED)) {
            List<ConfigOption<?>> jetStreamOnly =
                    new ArrayList<>(
                            Arrays.asList(
                                    JETSTREAM_STREAM,
                                    JETSTREAM_ACK_TIMEOUT,
                                    JETSTREAM_MAX_PENDING_ACKS,
                                    JETSTREAM_DOMAIN,
                                    JETSTREAM_API_PREFIX));
            jetStreamOnly.addAll(STREAM_CREATION_OPTIONS);
            for (ConfigOption<?> option : jetStreamOnly) {
                if (config.contains(option)) {
                    throw new ValidationException(
                            "Option '"
                                    + option.key()
                                    + "' only applies with 'jetstream.enabled' = 'true'.");
                }
            }
            return null;
        }
        return settings(
                () ->
                        JetStreamSettings.builder()
                                .expectedStream(keyValue ? null : config.get(JETSTREAM_STREAM))
                                .ackTimeout(get(config, JETSTREAM_ACK_TIMEOUT))
                                .maxPendingAcks(get(config, JETSTREAM_MAX_PENDING_ACKS))
                                .domain(config.get(JETSTREAM_DOMAIN))
                                .apiPrefix(config.get(JETSTREAM_API_PREFIX))
                                .createStreamIfMissing(streamCreation(config))
                                .build());
    }

    /** How to create a missing stream, or null; the subjects default to the static subject. */
    private static JetStreamSettings.StreamCreation streamCreation(Configuration config) {
        if (!get(config, JETSTREAM_STREAM_CREATE_IF_MISSING)) {
            for (ConfigOption<?> option : STREAM_CREATION_OPTIONS) {
                if (option != JETSTREAM_STREAM_CREATE_IF_MISSING && config.contains(option)) {
                    throw new ValidationException(
                            "Option '"
                                    + option.key()
                                    + "' only applies with '"
                                    + JETSTREAM_STREAM_CREATE_IF_MISSING.key()
                                    + "' = 'true'.");
                }
            }
            return null;
        }
        List<String> subjects = config.get(JETSTREAM_STREAM_SUBJECTS);
        if (subjects == null || subjects.isEmpty()) {
            String subject = config.get(SUBJECT);
            if (subject == null) {
                throw new ValidationException(
                        "Option '"
                                + JETSTREAM_STREAM_SUBJECTS.key()
                                + "' is required to create a stream when the subject comes from"
                                + " each row; it defaults to 'subject' only for a static one.");
            }
            subjects = List.of(subject);
        }
        return JetStreamSettings.StreamCreation.subjects(subjects)
                .storage(get(config, JETSTREAM_STREAM_STORAGE))
                .replicas(get(config, JETSTREAM_STREAM_REPLICAS))
                .duplicateWindow(config.get(JETSTREAM_STREAM_DUPLICATE_WINDOW));
    }

    private static Properties asyncOptions(FactoryUtil.TableFactoryHelper helper) {
        return new AsyncSinkConfigurationValidator(helper.getOptions())
                .getValidatedConfigurations();
    }

    private static ConnectionSettings connectionSettings(
            Configuration config, Map<String, String> options) {
        String servers = config.get(SERVERS);
        ConnectionSettings.Builder builder =
                ConnectionSettings.builder()
                        .servers(
                                EnvironmentReferences.contains(servers)
                                        ? List.of(servers)
                                        : ServerUrls.split(servers))
                        .userInfo(config.get(USERNAME), config.get(PASSWORD))
                        .token(config.get(TOKEN))
                        .credentialsFile(config.get(CREDENTIALS_FILE))
                        .nkeySeedFile(config.get(NKEY_SEED_FILE))
                        .credentials(config.get(CREDENTIALS))
                        .jwt(config.get(JWT))
                        .nkeySeed(config.get(NKEY_SEED))
                        .tls(tls(config))
                        .verifyHostname(get(config, TLS_VERIFY_HOSTNAME))
                        .insecureTrustAll(get(config, TLS_INSECURE_TRUST_ALL))
                        .connectionName(config.get(CONNECTION_NAME))
                        .connectionTimeout(get(config, CONNECT_TIMEOUT))
                        .reconnectWait(get(config, RECONNECT_WAIT))
                        .maxReconnects(get(config, RECONNECT_MAX_ATTEMPTS))
                        .reconnectBufferSize(get(config, RECONNECT_BUFFER_SIZE).getBytes());
        options.forEach(
                (key, value) -> {
                    if (key.startsWith(PROPERTIES_PREFIX)) {
                        builder.property(key.substring(PROPERTIES_PREFIX.length()), value);
                    }
                });
        return builder.build();
    }

    /**
     * TLS settings when TLS is asked for: 'tls.required', or a 'tls.*' option for trust or the
     * client certificate. The verification options apply to every TLS connection without asking.
     */
    private static TlsSettings tls(Configuration config) {
        List<ConfigOption<?>> notAsking =
                Arrays.asList(TLS_REQUIRED, TLS_VERIFY_HOSTNAME, TLS_INSECURE_TRUST_ALL);
        boolean any = false;
        for (ConfigOption<?> option : CONNECTION_OPTIONS) {
            if (option.key().startsWith("tls.") && !notAsking.contains(option)) {
                any |= config.contains(option);
            }
        }
        if (!any && !get(config, TLS_REQUIRED)) {
            return null;
        }
        return TlsSettings.builder()
                .trustStore(config.get(TLS_TRUST_STORE_PATH), config.get(TLS_TRUST_STORE_PASSWORD))
                .trustStoreType(config.get(TLS_TRUST_STORE_TYPE))
                .keyStore(config.get(TLS_KEY_STORE_PATH), config.get(TLS_KEY_STORE_PASSWORD))
                .keyStoreType(config.get(TLS_KEY_STORE_TYPE))
                .caCertFile(config.get(TLS_CA_CERT_FILE))
                .clientCertificate(config.get(TLS_CERT_FILE), config.get(TLS_KEY_FILE))
                .build();
    }

    private static RowRouting routing(
            Configuration config, Map<String, String> options, ResolvedSchema schema) {
        List<Column> physical =
                schema.getColumns().stream()
                        .filter(Column::isPhysical)
                        .collect(Collectors.toList());
        RowRouting.Builder routing = RowRouting.builder();

        String subject = config.get(SUBJECT);
        String subjectField = config.get(SUBJECT_FIELD);
        if (subject == null && subjectField == null && !hasMetadataColumn(schema, "subject")) {
            throw new ValidationException(
                    "Set option 'subject' (one subject for every row) or 'subject_field' (a STRING"
                            + " column with each row's subject), or declare a 'subject' metadata"
                            + " column.");
        }
        if (subject != null) {
            subject = literal(subject, SUBJECT.key());
            String problem = Subjects.problem(subject);
            if (problem != null) {
                throw new ValidationException(
                        "Option 'subject' = '"
                                + Subjects.printable(subject)
                                + "' is not a valid subject: "
                                + problem);
            }
        }
        routing.staticSubject(subject);
        Set<Integer> routingFields = new HashSet<>();
        if (subjectField != null) {
            int pos = stringColumn(physical, subjectField, "subject_field");
            routing.subjectField(pos, subjectField);
            routingFields.add(pos);
        }
        String replyToField = config.get(REPLY_TO_FIELD);
        if (replyToField != null) {
            int pos = stringColumn(physical, replyToField, "reply_to_field");
            routing.replyToField(pos);
            routingFields.add(pos);
        }
        String msgIdField = config.get(MSG_ID_FIELD);
        if (msgIdField != null) {
            int pos = stringColumn(physical, msgIdField, "msg_id_field");
            routing.msgIdField(pos);
            routingFields.add(pos);
        }
        routing.staticHeaders(staticHeaders(config, options));

        ValueFieldsInclude include = get(config, VALUE_FIELDS_INCLUDE);
        List<Integer> payload = new ArrayList<>();
        for (int i = 0; i < physical.size(); i++) {
            if (include == ValueFieldsInclude.ALL || !routingFields.contains(i)) {
                payload.add(i);
            }
        }
        if (payload.isEmpty()) {
            throw new ValidationException(
                    "Option 'value.fields-include' = 'EXCEPT_ROUTING' leaves no column for the"
                            + " payload: add a payload column or use 'ALL'.");
        }
        routing.payloadFields(payload.stream().mapToInt(Integer::intValue).toArray());
        return routing.build();
    }

    private static boolean hasMetadataColumn(ResolvedSchema schema, String key) {
        for (Column column : schema.getColumns()) {
            if (column instanceof Column.MetadataColumn) {
                Column.MetadataColumn m = (Column.MetadataColumn) column;
                // A VIRTUAL metadata column is never written to a sink.
                if (!m.isVirtual() && key.equals(m.getMetadataKey().orElse(m.getName()))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int stringColumn(List<Column> physical, String name, String option) {
        for (int i = 0; i < physical.size(); i++) {
            Column column = physical.get(i);
            if (column.getName().equals(name)) {
                LogicalType type = column.getDataType().getLogicalType();
                if (!type.is(LogicalTypeFamily.CHARACTER_STRING)) {
                    throw new ValidationException(
                            "Option '"
                                    + option
                                    + "' names the column '"
                                    + name
                                    + "', which is "
                                    + type.asSummaryString()
                                    + "; it must be a STRING (VARCHAR or CHAR) column.");
                }
                return i;
            }
        }
        throw new ValidationException(
                "Option '"
                        + option
                        + "' names the column '"
                        + name
                        + "', which is not a physical column of the table. Physical columns: "
                        + physical.stream().map(Column::getName).collect(Collectors.toList())
                        + ".");
    }

    private static Map<String, String> staticHeaders(
            Configuration config, Map<String, String> options) {
        Map<String, String> headers = new LinkedHashMap<>();
        String json = config.get(HEADERS);
        if (json != null && !json.trim().isEmpty()) {
            JsonNode node;
            try {
                node = JSON.readTree(json);
            } catch (Exception e) {
                throw new ValidationException(
                        "Option 'headers' must be a JSON object of strings, e.g."
                                + " '{\"content-type\":\"application/json\"}'; it could not be"
                                + " parsed: "
                                + e.getMessage().split("\n")[0]);
            }
            if (node == null || !node.isObject()) {
                throw new ValidationException(
                        "Option 'headers' must be a JSON object of strings, e.g."
                                + " '{\"content-type\":\"application/json\"}', not "
                                + (node == null ? "empty" : node.getNodeType().toString())
                                + ".");
            }
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (!field.getValue().isValueNode() || field.getValue().isNull()) {
                    throw new ValidationException(
                            "Option 'headers': the value of '"
                                    + field.getKey()
                                    + "' must be a string, not "
                                    + field.getValue().getNodeType()
                                    + ".");
                }
                String key = field.getKey();
                headers.put(key, checkHeader(HEADERS.key(), key, field.getValue().asText()));
            }
        }
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (e.getKey().startsWith(HEADERS_PREFIX)) {
                String key = e.getKey().substring(HEADERS_PREFIX.length());
                headers.put(key, checkHeader(e.getKey(), key, e.getValue()));
            }
        }
        return headers;
    }

    /**
     * Checks a static header at planning time and returns the value to send. The value is never
     * shown: it may be a secret.
     */
    private static String checkHeader(String option, String key, String value) {
        String problem = MessageHeaders.nameProblem(key);
        if (problem != null) {
            throw new ValidationException(
                    "Option '"
                            + option
                            + "': the header name '"
                            + key
                            + "' cannot be sent: "
                            + problem
                            + ".");
        }
        String literal = literal(value, option);
        problem = MessageHeaders.valueProblem(literal);
        if (problem != null) {
            throw new ValidationException(
                    "Option '"
                            + option
                            + "': the value of header '"
                            + key
                            + "' cannot be sent: "
                            + problem
                            + ".");
        }
        return literal;
    }

    /**
     * The value of an option that takes no {@code ${NAME}} references (subject, headers): one is
     * refused rather than sent as text, and {@code $${} becomes {@code ${}.
     */
    private static String literal(String value, String option) {
        return settings(
                () -> {
                    EnvironmentReferences.requireNone(value, option);
                    return EnvironmentReferences.unescape(value);
                });
    }

    private static <T> T get(Configuration config, ConfigOption<T> option) {
        try {
            return config.get(option);
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "Invalid value for option '" + option.key() + "': " + e.getMessage(), e);
        }
    }
}
