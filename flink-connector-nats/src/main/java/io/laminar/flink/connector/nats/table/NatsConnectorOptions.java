package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.connection.ConnectionSettings;
import io.laminar.flink.connector.nats.sink.JetStreamSettings;
import io.laminar.flink.connector.nats.sink.NatsSinkBuilder;
import io.laminar.flink.connector.nats.sink.SettingNames;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.description.Description;
import org.apache.flink.connector.base.DeliveryGuarantee;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every option of the {@code nats_sink} table connector, with its description. The spec's names
 * ({@code subject_field}, ...) are the keys; Flink-style dashed names are accepted as fallbacks.
 * The options that carry secrets, paths or servers (servers, username, password, token, the
 * credentials and NKey files or values, the JWT, the TLS paths and passwords) may hold {@code
 * ${NAME}} references to environment variables, resolved on the TaskManager when the writer
 * connects, for the variables the cluster allows ({@code nats.environment-references.allowed}); the
 * other options refuse them.
 */
@PublicEvolving
public final class NatsConnectorOptions {

    private NatsConnectorOptions() {}

    /** Prefix of Flink configuration keys that define named connections. */
    public static final String NAMED_CONNECTION_PREFIX = "nats.connection.";

    /** Prefix of per-key static header options. */
    public static final String HEADERS_PREFIX = "headers.";

    /** Prefix of options passed to jnats {@code Options}. */
    public static final String PROPERTIES_PREFIX = "properties.";

    /**
     * The option that sets each setting whose builder name differs from the option's key: error
     * messages from the settings and the builder name the option a SQL user wrote.
     */
    static final SettingNames SETTING_NAMES = new SettingNames(settingNames());

    private static Map<String, String> settingNames() {
        Map<String, String> names = new LinkedHashMap<>();
        names.put("userInfo", "username'/'password");
        names.put("credentialsFile", "credentials_file");
        names.put("nkeySeedFile", "nkey_seed_file");
        names.put("nkeySeed", "nkey_seed");
        names.put("connectionName", "connection_name");
        names.put("connectionTimeout", "connect-timeout");
        names.put("reconnectWait", "reconnect.wait");
        names.put("maxReconnects", "reconnect.max-attempts");
        names.put("reconnectBufferSize", "reconnect.buffer-size");
        names.put("tls", "tls.*");
        names.put("verifyHostname", "tls.verify-hostname");
        names.put("insecureTrustAll", "tls.insecure-trust-all");
        names.put("trustStorePath", "tls.trust-store.path");
        names.put("trustStorePassword", "tls.trust-store.password");
        names.put("trustStoreType", "tls.trust-store.type");
        names.put("keyStorePath", "tls.key-store.path");
        names.put("keyStorePassword", "tls.key-store.password");
        names.put("keyStoreType", "tls.key-store.type");
        names.put("caCertFile", "tls.ca-cert-file");
        names.put("certFile", "tls.cert-file");
        names.put("keyFile", "tls.key-file");
        names.put("deliveryGuarantee", "sink.delivery-guarantee");
        names.put("jetStream", "jetstream.enabled");
        names.put("expectedStream", "jetstream.stream");
        names.put("ackTimeout", "jetstream.ack-timeout");
        names.put("maxPendingAcks", "jetstream.max-pending-acks");
        names.put("domain", "jetstream.domain");
        names.put("apiPrefix", "jetstream.api-prefix");
        names.put("createStreamIfMissing", "jetstream.stream.create-if-missing");
        names.put("streamSubjects", "jetstream.stream.subjects");
        names.put("streamStorage", "jetstream.stream.storage");
        names.put("streamReplicas", "jetstream.stream.replicas");
        names.put("streamDuplicateWindow", "jetstream.stream.duplicate-window");
        names.put("confirmTimeout", "sink.confirm-timeout");
        names.put("connectionPoolSize", "sink.connection-pool-size");
        names.put("deadLetterSubject", "sink.dead-letter.subject");
        names.put("orderPerSubject", "sink.order-per-subject");
        names.put("maxInFlightRequests", "sink.requests.max-inflight");
        return names;
    }

    // ---------------------------------------------------------------- connection

    public static final ConfigOption<String> SERVERS =
            ConfigOptions.key("servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "NATS server URLs: a JSON array such as '[\"nats://a:4222\","
                                    + " \"nats://b:4222\"]' or a comma-separated list. Required,"
                                    + " here or in the named connection.");

    public static final ConfigOption<String> USERNAME =
            ConfigOptions.key("username")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Username for authentication; needs 'password'.");

    public static final ConfigOption<String> PASSWORD =
            ConfigOptions.key("password")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Password for authentication. Prefer a reference such as"
                                    + " '${NATS_PASSWORD}', resolved on the TaskManager, so the"
                                    + " value never enters the plan.");

    public static final ConfigOption<String> TOKEN =
            ConfigOptions.key("token")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Authentication token (prefer a '${NAME}' reference).");

    public static final ConfigOption<String> CREDENTIALS_FILE =
            ConfigOptions.key("credentials_file")
                    .stringType()
                    .noDefaultValue()
                    .withFallbackKeys("credentials-file")
                    .withDescription(
                            "Path of a NATS credentials file (.creds: user JWT and NKey seed),"
                                    + " readable on every TaskManager.");

    public static final ConfigOption<String> NKEY_SEED_FILE =
            ConfigOptions.key("nkey_seed_file")
                    .stringType()
                    .noDefaultValue()
                    .withFallbackKeys("nkey-seed-file")
                    .withDescription(
                            "Path of a file holding an NKey seed (SU...) for NKey authentication,"
                                    + " readable on every TaskManager; the server lists the"
                                    + " matching public key.");

    public static final ConfigOption<String> CREDENTIALS =
            ConfigOptions.key("credentials")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The whole text of a NATS credentials file (.creds: user JWT and NKey"
                                    + " seed) as a value, so no file is needed on the"
                                    + " TaskManagers; give it as a reference such as"
                                    + " '${NATS_CREDS}', resolved on the TaskManager.");

    public static final ConfigOption<String> JWT =
            ConfigOptions.key("jwt")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A user JWT as a value (operator mode); needs 'nkey_seed', the seed"
                                    + " of the user it was issued for. Prefer a reference such as"
                                    + " '${NATS_JWT}'.");

    public static final ConfigOption<String> NKEY_SEED =
            ConfigOptions.key("nkey_seed")
                    .stringType()
                    .noDefaultValue()
                    .withFallbackKeys("nkey-seed")
                    .withDescription(
                            "An NKey seed (SU...) as a value: alone, NKey authentication; with"
                                    + " 'jwt', the user's seed. Give it as a reference such as"
                                    + " '${NATS_NKEY_SEED}', resolved on the TaskManager.");

    // ---------------------------------------------------------------- TLS

    public static final ConfigOption<Boolean> TLS_REQUIRED =
            ConfigOptions.key("tls.required")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Use TLS even with nats:// URLs. TLS is also used with tls:// URLs and"
                                    + " whenever a 'tls.*' option for the trust store, CA file or"
                                    + " client certificate is set; without a trust store or CA"
                                    + " file the JVM's default trust store is used.");

    public static final ConfigOption<Boolean> TLS_VERIFY_HOSTNAME =
            ConfigOptions.key("tls.verify-hostname")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Check that the server's certificate names the host connected to (a"
                                    + " DNS or IP subject alternative name matching the host in"
                                    + " 'servers', or the address a cluster advertises). Applies"
                                    + " to every TLS connection and does not turn TLS on. 'false'"
                                    + " accepts a certificate of any host signed by a trusted"
                                    + " CA.");

    public static final ConfigOption<Boolean> TLS_INSECURE_TRUST_ALL =
            ConfigOptions.key("tls.insecure-trust-all")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Allow opentls:// URLs and 'properties.opentls', with which the"
                                    + " connection trusts every server certificate, so anyone on"
                                    + " the way to NATS can read and change the traffic and take"
                                    + " the credentials; refused without it. For development only;"
                                    + " the sink logs a WARN when it connects.");

    public static final ConfigOption<String> TLS_TRUST_STORE_PATH =
            ConfigOptions.key("tls.trust-store.path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Trust store (PKCS12 or JKS) with the CA certificates that signed the"
                                    + " servers' certificates, readable on every TaskManager.");

    public static final ConfigOption<String> TLS_TRUST_STORE_PASSWORD =
            ConfigOptions.key("tls.trust-store.password")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Password of the trust store (prefer a '${NAME}' reference).");

    public static final ConfigOption<String> TLS_TRUST_STORE_TYPE =
            ConfigOptions.key("tls.trust-store.type")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Type of the trust store: PKCS12 or JKS (default: JKS for a .jks"
                                    + " file, else PKCS12).");

    public static final ConfigOption<String> TLS_KEY_STORE_PATH =
            ConfigOptions.key("tls.key-store.path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Key store (PKCS12 or JKS) with the client certificate and private key"
                                    + " for mutual TLS; the key's password is the store's.");

    public static final ConfigOption<String> TLS_KEY_STORE_PASSWORD =
            ConfigOptions.key("tls.key-store.password")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Password of the key store (prefer a '${NAME}' reference).");

    public static final ConfigOption<String> TLS_KEY_STORE_TYPE =
            ConfigOptions.key("tls.key-store.type")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Type of the key store: PKCS12 or JKS (default: JKS for a .jks file,"
                                    + " else PKCS12).");

    public static final ConfigOption<String> TLS_CA_CERT_FILE =
            ConfigOptions.key("tls.ca-cert-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "PEM file with the CA certificates to trust (instead of a trust"
                                    + " store).");

    public static final ConfigOption<String> TLS_CERT_FILE =
            ConfigOptions.key("tls.cert-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "PEM file with the client certificate (chain) for mutual TLS; needs"
                                    + " 'tls.key-file'.");

    public static final ConfigOption<String> TLS_KEY_FILE =
            ConfigOptions.key("tls.key-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "PEM file with the client's unencrypted private key (PKCS#8 'BEGIN"
                                    + " PRIVATE KEY' or PKCS#1 'BEGIN RSA PRIVATE KEY').");

    public static final ConfigOption<String> CONNECTION =
            ConfigOptions.key("connection")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Name of a named connection (the spec's CREATE CONNECTION): its"
                                    + " options come from Flink configuration keys"
                                    + " 'nats.connection.<name>.<option>' (config.yaml, or SET in"
                                    + " the SQL client); the table's own options override them.");

    public static final ConfigOption<String> CONNECTION_NAME =
            ConfigOptions.key("connection_name")
                    .stringType()
                    .noDefaultValue()
                    .withFallbackKeys("connection-name")
                    .withDescription("The name the NATS server shows for the connection.");

    public static final ConfigOption<Duration> CONNECT_TIMEOUT =
            ConfigOptions.key("connect-timeout")
                    .durationType()
                    .defaultValue(ConnectionSettings.DEFAULT_CONNECTION_TIMEOUT)
                    .withDescription("Time allowed to connect to one server.");

    public static final ConfigOption<Duration> RECONNECT_WAIT =
            ConfigOptions.key("reconnect.wait")
                    .durationType()
                    .defaultValue(ConnectionSettings.DEFAULT_RECONNECT_WAIT)
                    .withDescription("Wait between reconnect attempts to one server.");

    public static final ConfigOption<Integer> RECONNECT_MAX_ATTEMPTS =
            ConfigOptions.key("reconnect.max-attempts")
                    .intType()
                    .defaultValue(ConnectionSettings.DEFAULT_MAX_RECONNECTS)
                    .withDescription(
                            "Reconnect attempts per server before the connection is given up"
                                    + " and the job fails (and, with a restart strategy, restarts"
                                    + " from its last checkpoint); with 'reconnect.wait' it is"
                                    + " the longest server outage the job rides out. -1 means"
                                    + " forever.");

    public static final ConfigOption<MemorySize> RECONNECT_BUFFER_SIZE =
            ConfigOptions.key("reconnect.buffer-size")
                    .memoryType()
                    .defaultValue(new MemorySize(ConnectionSettings.DEFAULT_RECONNECT_BUFFER_SIZE))
                    .withDescription(
                            "Publishes jnats holds while reconnecting; 0 disables it (the sink"
                                    + " then retries them itself after the reconnect).");

    // ---------------------------------------------------------------- publishing

    public static final ConfigOption<String> SUBJECT =
            ConfigOptions.key("subject")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The subject to publish to; the fallback when 'subject_field' (or the"
                                    + " 'subject' metadata column) is NULL for a row.");

    public static final ConfigOption<String> SUBJECT_FIELD =
            ConfigOptions.key("subject_field")
                    .stringType()
                    .noDefaultValue()
                    .withFallbackKeys("subject-field")
                    .withDescription("A STRING column holding each row's subject.");

    public static final ConfigOption<String> HEADERS =
            ConfigOptions.key("headers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Static headers for every message, as a JSON object of strings, e.g."
                                    + " '{\"content-type\":\"application/json\"}'. Single headers"
                                    + " can also be given as 'headers.<key>' options. Per-row"
                                    + " headers from the 'headers' metadata column win over"
                                    + " these. Names are printable US-ASCII without ':', values"
                                    + " US-ASCII without CR or LF.");

    public static final ConfigOption<String> REPLY_TO_FIELD =
            ConfigOptions.key("reply_to_field")
                    .stringType()
                    .noDefaultValue()
                    .withFallbackKeys("reply-to-field")
                    .withDescription(
                            "A STRING column holding each row's reply-to subject (request-reply).");

    public static final ConfigOption<String> MSG_ID_FIELD =
            ConfigOptions.key("msg_id_field")
                    .stringType()
                    .noDefaultValue()
                    .withFallbackKeys("msg-id-field")
                    .withDescription(
                            "A STRING column holding each row's message id, sent as the"
                                    + " 'Nats-Msg-Id' header (JetStream drops duplicates by it).");

    /** Which columns go into the payload. */
    public enum ValueFieldsInclude {
        /** Every physical column, routing columns included. */
        ALL,
        /** Every physical column except subject_field, reply_to_field and msg_id_field. */
        EXCEPT_ROUTING,
        /** Key-Value mode: every physical column except the primary-key columns. */
        EXCEPT_KEY
    }

    public static final ConfigOption<ValueFieldsInclude> VALUE_FIELDS_INCLUDE =
            ConfigOptions.key("value.fields-include")
                    .enumType(ValueFieldsInclude.class)
                    .defaultValue(ValueFieldsInclude.ALL)
                    .withDescription(
                            "ALL: every physical column is serialized into the payload;"
                                    + " EXCEPT_ROUTING: the columns named by 'subject_field',"
                                    + " 'reply_to_field' and 'msg_id_field' are left out;"
                                    + " EXCEPT_KEY (with 'kv.bucket'): the primary-key columns are"
                                    + " left out. Metadata columns are never in the payload.");

    // ---------------------------------------------------------------- delivery

    public static final ConfigOption<DeliveryGuarantee> DELIVERY_GUARANTEE =
            ConfigOptions.key("sink.delivery-guarantee")
                    .enumType(DeliveryGuarantee.class)
                    .defaultValue(DeliveryGuarantee.AT_LEAST_ONCE)
                    .withDescription(
                            Description.builder()
                                    .text(
                                            "'at-least-once' (default): checkpoints wait until the"
                                                    + " server confirmed (core) or acknowledged"
                                                    + " (JetStream) every row; 'none': nothing"
                                                    + " waits; 'exactly-once': JetStream"
                                                    + " ('jetstream.enabled') with a message id per"
                                                    + " row ('msg_id_field' or a 'msg_id' metadata"
                                                    + " column), replays dropped by the stream's"
                                                    + " duplicate window.")
                                    .build());

    public static final ConfigOption<String> DEAD_LETTER_SUBJECT =
            ConfigOptions.key("sink.dead-letter.subject")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Rows that can never be published where they should go (invalid or"
                                    + " too long subject, a header NATS cannot carry,"
                                    + " serialization error, larger than the server's"
                                    + " max_payload) are published to this subject instead, with"
                                    + " headers Nats-Sink-Error (why) and"
                                    + " Nats-Sink-Original-Subject; counted by the"
                                    + " nats.deadLettered metric. Without it such a row fails the"
                                    + " job.");

    // ---------------------------------------------------------------- JetStream

    public static final ConfigOption<Boolean> JETSTREAM_ENABLED =
            ConfigOptions.key("jetstream.enabled")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Publish to JetStream: each row counts as delivered when the stream"
                                    + " acknowledged it. Required for 'exactly-once'.");

    public static final ConfigOption<String> JETSTREAM_STREAM =
            ConfigOptions.key("jetstream.stream")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The stream every message must land in (checked at start-up and per"
                                    + " publish with Nats-Expected-Stream); a message stored"
                                    + " elsewhere fails the job.");

    public static final ConfigOption<Duration> JETSTREAM_ACK_TIMEOUT =
            ConfigOptions.key("jetstream.ack-timeout")
                    .durationType()
                    .defaultValue(JetStreamSettings.DEFAULT_ACK_TIMEOUT)
                    .withDescription(
                            "How long to wait for one acknowledgement before the row is"
                                    + " published again. The sink's connection keeps a publish"
                                    + " waiting at least this long, also above jnats' 5 s request"
                                    + " cleanup interval.");

    public static final ConfigOption<Integer> JETSTREAM_MAX_PENDING_ACKS =
            ConfigOptions.key("jetstream.max-pending-acks")
                    .intType()
                    .defaultValue(JetStreamSettings.DEFAULT_MAX_PENDING_ACKS)
                    .withDescription(
                            "Acknowledgements outstanding per writer before publishing waits"
                                    + " (back-pressure).");

    public static final ConfigOption<String> JETSTREAM_DOMAIN =
            ConfigOptions.key("jetstream.domain")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The JetStream domain to use (e.g. the hub's domain from a leaf"
                                    + " node): the stream check at start-up, stream creation and"
                                    + " Key-Value writes go through $JS.<domain>.API.");

    public static final ConfigOption<String> JETSTREAM_API_PREFIX =
            ConfigOptions.key("jetstream.api-prefix")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The prefix of the JetStream API subjects (default $JS.API), for"
                                    + " JetStream imported from another account; instead of"
                                    + " 'jetstream.domain'.");

    public static final ConfigOption<Boolean> JETSTREAM_STREAM_CREATE_IF_MISSING =
            ConfigOptions.key("jetstream.stream.create-if-missing")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Create 'jetstream.stream' at start-up when it does not exist"
                                    + " (default false: a missing stream fails the job). An"
                                    + " existing stream is never changed; where it differs from"
                                    + " the options below, a WARN names the option.");

    public static final ConfigOption<List<String>> JETSTREAM_STREAM_SUBJECTS =
            ConfigOptions.key("jetstream.stream.subjects")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Subjects of the stream to create, separated by ';' (default: the"
                                    + " table's 'subject'; required with 'subject_field').");

    public static final ConfigOption<JetStreamSettings.Storage> JETSTREAM_STREAM_STORAGE =
            ConfigOptions.key("jetstream.stream.storage")
                    .enumType(JetStreamSettings.Storage.class)
                    .defaultValue(JetStreamSettings.Storage.FILE)
                    .withDescription("Storage of the stream to create: 'file' or 'memory'.");

    public static final ConfigOption<Integer> JETSTREAM_STREAM_REPLICAS =
            ConfigOptions.key("jetstream.stream.replicas")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "Replicas of the stream to create (1 to 5; more need a JetStream"
                                    + " cluster).");

    public static final ConfigOption<Duration> JETSTREAM_STREAM_DUPLICATE_WINDOW =
            ConfigOptions.key("jetstream.stream.duplicate-window")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "Duplicate window of the stream to create (default: twice the"
                                    + " checkpoint interval, at least 2 min), within which"
                                    + " exactly-once drops replayed records.");

    public static final ConfigOption<Duration> CONFIRM_TIMEOUT =
            ConfigOptions.key("sink.confirm-timeout")
                    .durationType()
                    .defaultValue(NatsSinkBuilder.DEFAULT_CONFIRM_TIMEOUT)
                    .withDescription(
                            "How long one confirmation round trip may take, waiting for a"
                                    + " reconnect included, before it is tried again.");

    public static final ConfigOption<Integer> CONNECTION_POOL_SIZE =
            ConfigOptions.key("sink.connection-pool-size")
                    .intType()
                    .defaultValue(NatsSinkBuilder.DEFAULT_CONNECTION_POOL_SIZE)
                    .withDescription(
                            "NATS connections per TaskManager that the job's sink writers with the"
                                    + " same connection options share (writer subtask index modulo"
                                    + " this size picks one). 0 gives every writer its own"
                                    + " connection.");

    public static final ConfigOption<Boolean> ORDER_PER_SUBJECT =
            ConfigOptions.key("sink.order-per-subject")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Keep each subject's rows in order through retries, reconnects and"
                                    + " server restarts: a row is published only once the earlier"
                                    + " rows of its subject are confirmed. One batch in flight"
                                    + " ('sink.requests.max-inflight' 1), at most one row per"
                                    + " subject in a batch.");

    // ---------------------------------------------------------------- key-value

    public static final ConfigOption<String> KV_BUCKET =
            ConfigOptions.key("kv.bucket")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Write the table, an upsert changelog keyed by its PRIMARY KEY, to"
                                    + " this NATS Key-Value bucket (which must exist) instead of"
                                    + " to subjects.");

    public static final ConfigOption<String> KV_KEY_DELIMITER =
            ConfigOptions.key("kv.key.delimiter")
                    .stringType()
                    .defaultValue(".")
                    .withDescription(
                            "Joins the primary-key columns' values into the key; the default"
                                    + " '.' makes keys hierarchical (watchable with wildcards).");

    /** What a DELETE row does to its key. */
    public enum KeyValueDeleteMode {
        /** A delete marker: the key is gone, its history stays. */
        DELETE,
        /** A purge marker: the key and its history are gone. */
        PURGE
    }

    public static final ConfigOption<KeyValueDeleteMode> KV_DELETE_MODE =
            ConfigOptions.key("kv.delete-mode")
                    .enumType(KeyValueDeleteMode.class)
                    .defaultValue(KeyValueDeleteMode.DELETE)
                    .withDescription(
                            "What a DELETE row writes: 'delete' a delete marker (the key's"
                                    + " history stays), 'purge' a purge marker (its history is"
                                    + " removed).");
}
