package io.laminar.flink.connector.nats.connection;

import io.nats.client.Options;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvironmentReferencesTest {

    private static final String WHERE = "'allowed.key'";

    private static final EnvironmentReferences NATS_AND_HOST =
            EnvironmentReferences.allowing("NATS_*, HOST, HOST_LIST", WHERE);

    /** The names the code under test asked the environment for. */
    private final List<String> asked = new ArrayList<>();

    @BeforeEach
    void fakeEnvironment() {
        Map<String, String> env =
                Map.of(
                        "NATS_PASSWORD", "pw-123",
                        "HOST", "nats-1",
                        "AWS_SECRET_ACCESS_KEY", "aws-s3cret",
                        "MY_SECRET", "my-s3cret");
        EnvironmentReferences.useEnvironment(
                name -> {
                    asked.add(name);
                    return env.get(name);
                });
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
        assertThat(NATS_AND_HOST.resolve("${NATS_PASSWORD}", "password")).isEqualTo("pw-123");
        assertThat(NATS_AND_HOST.resolve("nats://${HOST}:4222", "servers"))
                .isEqualTo("nats://nats-1:4222");
        assertThat(NATS_AND_HOST.resolve("$${HOST} stays", "password")).isEqualTo("${HOST} stays");
        assertThat(NATS_AND_HOST.resolve(null, "token")).isNull();
        assertThat(EnvironmentReferences.unescape("a $${HOST} ${HOST} $${ b"))
                .isEqualTo("a ${HOST} ${HOST} $${ b");
    }

    @Test
    void an_unset_variable_names_variable_and_option() {
        assertThatThrownBy(() -> NATS_AND_HOST.resolve("${NATS_MISSING_VAR}", "password"))
                .hasMessageContaining("Option 'password'")
                .hasMessageContaining("NATS_MISSING_VAR")
                .hasMessageContaining("not set");
    }

    @Test
    void a_variable_the_list_does_not_name_is_never_read_and_is_named_with_the_list() {
        assertThatThrownBy(() -> NATS_AND_HOST.resolve("${AWS_SECRET_ACCESS_KEY}", "password"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Option 'password'")
                .hasMessageContaining("AWS_SECRET_ACCESS_KEY")
                .hasMessageContaining(WHERE + " allows only NATS_*, HOST, HOST_LIST")
                .hasMessageNotContaining("aws-s3cret");
        assertThat(asked).as("variables read").doesNotContain("AWS_SECRET_ACCESS_KEY");
        // A name is matched whole: HOST allows neither HOSTS nor MY_HOST.
        assertThatThrownBy(() -> NATS_AND_HOST.resolve("${HOSTS}", "servers"))
                .hasMessageContaining("HOSTS");
        assertThat(asked).doesNotContain("HOSTS");
    }

    @Test
    void globs_names_and_the_forms_of_a_list_are_accepted() {
        EnvironmentReferences yamlList =
                EnvironmentReferences.allowing("[NATS_*, 'MY_SECRET', \"OTHER_*\"]", WHERE);
        assertThat(yamlList.allowed()).isEqualTo("NATS_*, MY_SECRET, OTHER_*");
        assertThat(yamlList.resolve("${MY_SECRET}", "token")).isEqualTo("my-s3cret");
        assertThat(EnvironmentReferences.allowing("HOST;MY_*", WHERE).resolve("${MY_SECRET}", "t"))
                .isEqualTo("my-s3cret");
        assertThat(
                        EnvironmentReferences.allowing("*_KEY", WHERE)
                                .resolve("${AWS_SECRET_ACCESS_KEY}", "t"))
                .isEqualTo("aws-s3cret");
        assertThat(EnvironmentReferences.allowing("*", WHERE).resolve("${HOST}", "servers"))
                .isEqualTo("nats-1");
    }

    @Test
    void an_empty_list_allows_no_variable() {
        EnvironmentReferences none = EnvironmentReferences.allowing(" ", WHERE);
        assertThatThrownBy(() -> none.resolve("${NATS_PASSWORD}", "password"))
                .hasMessageContaining(WHERE + " allows none");
        assertThat(none.resolve("$${NATS_PASSWORD}", "password")).isEqualTo("${NATS_PASSWORD}");
        assertThat(asked).isEmpty();
    }

    @Test
    void an_entry_that_is_neither_a_name_nor_a_glob_is_refused_naming_the_list() {
        assertThatThrownBy(() -> EnvironmentReferences.allowing("NATS_*, NATS-PW", WHERE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(WHERE)
                .hasMessageContaining("'NATS-PW'");
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
        ConnectionSettings resolved = settings.resolveEnvironmentReferences(NATS_AND_HOST);
        assertThat(resolved.hasEnvironmentReferences()).isFalse();
        assertThat(resolved.getServers()).containsExactly("nats://a:4222", "nats://b:4222");
        assertThat(resolved.toString()).doesNotContain("pw-123");
    }

    @Test
    void a_refused_variable_in_connection_settings_names_the_setting() {
        ConnectionSettings settings =
                ConnectionSettings.builder()
                        .servers("nats://elsewhere:4222")
                        .userInfo("publisher", "${AWS_SECRET_ACCESS_KEY}")
                        .build();
        assertThatThrownBy(() -> settings.resolveEnvironmentReferences(NATS_AND_HOST))
                .hasMessageContaining("Option 'password'")
                .hasMessageContaining("AWS_SECRET_ACCESS_KEY")
                .hasMessageNotContaining("aws-s3cret");
        assertThat(asked).doesNotContain("AWS_SECRET_ACCESS_KEY");
    }

    /** A variable's value is taken as it is, even when it looks like a reference itself. */
    @Test
    void a_resolved_value_that_holds_a_reference_is_sent_as_it_is() {
        EnvironmentReferences.useEnvironment(Map.of("NATS_PASSWORD", "pa${HOST}word")::get);
        Options options =
                ConnectionSettings.builder()
                        .servers("nats://h:4222")
                        .userInfo("publisher", "${NATS_PASSWORD}")
                        .build()
                        .resolveEnvironmentReferences(NATS_AND_HOST)
                        .toOptionsBuilder((c, e) -> {}, null)
                        .build();
        assertThat(options.getPassword()).isEqualTo("pa${HOST}word");
    }

    @Test
    void servers_split_from_json_array_or_comma_list() {
        assertThat(ServerUrls.split("[\"nats://a:1\", \"nats://b:2\"]"))
                .containsExactly("nats://a:1", "nats://b:2");
        assertThat(ServerUrls.split("nats://a:1, nats://b:2"))
                .containsExactly("nats://a:1", "nats://b:2");
        assertThatThrownBy(() -> ServerUrls.split("[\"nats://a:1\""))
                .hasMessageContaining("servers");
    }
}
