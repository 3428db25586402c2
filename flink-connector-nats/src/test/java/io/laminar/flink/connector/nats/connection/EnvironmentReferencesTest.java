package io.laminar.flink.connector.nats.connection;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvironmentReferencesTest {

    @BeforeEach
    void fakeEnvironment() {
        Map<String, String> env = Map.of("NATS_PASSWORD", "pw-123", "HOST", "nats-1");
        EnvironmentReferences.useEnvironment(env::get);
    }

    @AfterEach
    void realEnvironment() {
        EnvironmentReferences.useEnvironment(System::getenv);
    }

    @Test
    void references_are_found_and_resolved_in_place() {
        assertThat(EnvironmentReferences.contains("${NATS_PASSWORD}")).isTrue();
        assertThat(EnvironmentReferences.contains("plain")).isFalse();
        assertThat(EnvironmentReferences.contains("$${NOT_A_REF}")).isFalse();
        assertThat(EnvironmentReferences.resolve("${NATS_PASSWORD}", "password"))
                .isEqualTo("pw-123");
        assertThat(EnvironmentReferences.resolve("nats://${HOST}:4222", "servers"))
                .isEqualTo("nats://nats-1:4222");
        assertThat(EnvironmentReferences.resolve("$${HOST} stays", "subject"))
                .isEqualTo("${HOST} stays");
        assertThat(EnvironmentReferences.resolve(null, "token")).isNull();
    }

    @Test
    void an_unset_variable_names_variable_and_option() {
        assertThatThrownBy(() -> EnvironmentReferences.resolve("${MISSING_VAR}", "password"))
                .hasMessageContaining("Option 'password'")
                .hasMessageContaining("MISSING_VAR")
                .hasMessageContaining("not set");
    }

    @Test
    void connection_settings_keep_references_until_resolved_on_the_task_manager() {
        ConnectionSettings settings =
                ConnectionSettings.builder()
                        .servers("${HOST_LIST}")
                        .userInfo("publisher", "${NATS_PASSWORD}")
                        .build();
        assertThat(settings.hasEnvironmentReferences()).isTrue();
        assertThat(settings.toString()).doesNotContain("pw-123");
        assertThatThrownBy(() -> settings.toOptionsBuilder(null, null))
                .isInstanceOf(IllegalStateException.class);

        EnvironmentReferences.useEnvironment(
                Map.of("NATS_PASSWORD", "pw-123", "HOST_LIST", "nats://a:4222,nats://b:4222")::get);
        ConnectionSettings resolved = settings.resolveEnvironmentReferences();
        assertThat(resolved.hasEnvironmentReferences()).isFalse();
        assertThat(resolved.getServers()).containsExactly("nats://a:4222", "nats://b:4222");
        assertThat(resolved.toString()).doesNotContain("pw-123");
    }

    @Test
    void servers_split_from_json_array_or_comma_list() {
        assertThat(ConnectionSettings.splitServers("[\"nats://a:1\", \"nats://b:2\"]"))
                .containsExactly("nats://a:1", "nats://b:2");
        assertThat(ConnectionSettings.splitServers("nats://a:1, nats://b:2"))
                .containsExactly("nats://a:1", "nats://b:2");
        assertThatThrownBy(() -> ConnectionSettings.splitServers("[\"nats://a:1\""))
                .hasMessageContaining("servers");
    }
}
