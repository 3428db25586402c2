package io.laminar.flink.connector.nats.connection;

import io.nats.client.Options;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionSettingsTest {

    @Test
    void user_info_in_urls_is_masked() {
        assertThat(Redaction.url("nats://bob:pw@host:4222")).isEqualTo("nats://******@host:4222");
        assertThat(Redaction.url("nats://host:4222")).isEqualTo("nats://host:4222");
        assertThat(Redaction.url("tok3n@host:4222")).isEqualTo("******@host:4222");
    }

    @Test
    void to_string_masks_password_token_and_url_user_info() {
        ConnectionSettings withPassword =
                ConnectionSettings.builder()
                        .servers("nats://a:x-secret@h1:4222", "nats://h2:4222")
                        .userInfo("publisher", "pw-secret")
                        .build();
        assertThat(withPassword.toString())
                .doesNotContain("x-secret")
                .doesNotContain("pw-secret")
                .contains("nats://******@h1:4222")
                .contains("nats://h2:4222")
                .contains("password=******");
        ConnectionSettings withToken =
                ConnectionSettings.builder().servers("nats://h:4222").token("tk-secret").build();
        assertThat(withToken.toString()).doesNotContain("tk-secret").contains("token=******");
    }

    @Test
    void options_carry_every_setting() {
        ConnectionSettings settings =
                ConnectionSettings.builder()
                        .servers("nats://h1:4222", "nats://h2:4223")
                        .connectionName("orders-sink")
                        .connectionTimeout(java.time.Duration.ofSeconds(3))
                        .reconnectWait(java.time.Duration.ofMillis(250))
                        .maxReconnects(7)
                        .reconnectBufferSize(1234)
                        .build();
        Options options = settings.toOptionsBuilder((c, e) -> {}, null).build();
        assertThat(options.getServers()).hasSize(2);
        assertThat(options.getConnectionName()).isEqualTo("orders-sink");
        assertThat(options.getConnectionTimeout()).isEqualTo(java.time.Duration.ofSeconds(3));
        assertThat(options.getReconnectWait()).isEqualTo(java.time.Duration.ofMillis(250));
        assertThat(options.getMaxReconnect()).isEqualTo(7);
        assertThat(options.getReconnectBufferSize()).isEqualTo(1234);
    }

    @Test
    void url_user_info_becomes_the_credentials_for_discovered_servers_too() {
        Options withPassword =
                ConnectionSettings.builder()
                        .servers("nats://flink:p%40ss@h1:4222", "nats://flink:p%40ss@h2:4222")
                        .build()
                        .toOptionsBuilder((c, e) -> {}, null)
                        .build();
        assertThat(withPassword.getUsername()).isEqualTo("flink");
        assertThat(withPassword.getPassword()).isEqualTo("p@ss");

        Options withToken =
                ConnectionSettings.builder()
                        .servers("nats://s3cret-token@h1:4222", "nats://h2:4222")
                        .build()
                        .toOptionsBuilder((c, e) -> {}, null)
                        .build();
        assertThat(withToken.getToken()).isEqualTo("s3cret-token");
        assertThat(withToken.getUsername()).isNull();
    }

    @Test
    void url_user_info_is_left_alone_when_urls_disagree_or_credentials_are_set() {
        Options disagreeing =
                ConnectionSettings.builder()
                        .servers("nats://a:1@h1:4222", "nats://b:2@h2:4222")
                        .build()
                        .toOptionsBuilder((c, e) -> {}, null)
                        .build();
        assertThat(disagreeing.getUsername()).isNull();
        assertThat(disagreeing.getToken()).isNull();

        Options explicit =
                ConnectionSettings.builder()
                        .servers("nats://a:1@h1:4222")
                        .userInfo("publisher", "pw")
                        .build()
                        .toOptionsBuilder((c, e) -> {}, null)
                        .build();
        assertThat(explicit.getUsername()).isEqualTo("publisher");
        assertThat(explicit.getPassword()).isEqualTo("pw");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "outgoingqueue.discardwhenfull, true, drops a publish",
        "io.nats.client.outgoingqueue.discardwhenfull, TRUE, drops a publish",
        "outgoingqueue.discardwhenfull, ${NATS_DISCARD}, cannot be checked",
        "statisticscollector, com.example.MyStatistics, statistics",
        "io.nats.client.statisticscollector, com.example.MyStatistics, statistics",
        "clientsidelimitchecks, false, max_payload",
        "clientsidelimitchecks, ' true', max_payload",
        "clientsidelimitchecks, ${NATS_CHECKS}, cannot be checked",
        "noheaders, true, headers",
        "nonoresponders, true, no-responders"
    })
    void properties_that_let_jnats_lose_or_endlessly_republish_records_are_refused_naming_them(
            String key, String value, String why) {
        ConnectionSettings.Builder builder =
                ConnectionSettings.builder().servers("nats://h:4222").property(key, value);
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'properties." + key + "'")
                .hasMessageContaining(why);
    }

    @Test
    void harmless_values_of_those_properties_and_other_properties_pass_to_jnats() {
        Options options =
                ConnectionSettings.builder()
                        .servers("nats://h:4222")
                        .property("outgoingqueue.discardwhenfull", "false")
                        .property("statisticscollector", "")
                        .property("clientsidelimitchecks", "TRUE")
                        .property("noheaders", "false")
                        .property("nonoresponders", "false")
                        .property("io.nats.client.outgoingqueue.maxmessages", "7")
                        .property("pedantic", "true")
                        .build()
                        .toOptionsBuilder((c, e) -> {}, null)
                        .build();
        assertThat(options.isDiscardMessagesWhenOutgoingQueueFull()).isFalse();
        assertThat(options.getMaxMessagesInOutgoingQueue()).isEqualTo(7);
        assertThat(options.isPedantic()).isTrue();
        assertThat(options.clientSideLimitChecks()).isTrue();
        assertThat(options.isNoHeaders()).isFalse();
        assertThat(options.isNoNoResponders()).isFalse();
    }
}
