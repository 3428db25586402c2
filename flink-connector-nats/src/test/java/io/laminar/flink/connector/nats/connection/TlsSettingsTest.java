package io.laminar.flink.connector.nats.connection;

import org.apache.flink.util.InstantiationUtil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Validation, masking and {@code ${NAME}} resolution of {@link TlsSettings}. */
class TlsSettingsTest {

    @AfterEach
    void restoreEnvironment() {
        EnvironmentReferences.useEnvironment(System::getenv);
    }

    @Test
    void to_string_masks_both_store_passwords() {
        TlsSettings tls =
                TlsSettings.builder()
                        .trustStore("/etc/t.p12", "trust-pw-123")
                        .keyStore("/etc/k.jks", "key-pw-456")
                        .build();
        String text =
                ConnectionSettings.builder().servers("tls://h:4222").tls(tls).build().toString();
        assertThat(text)
                .contains("/etc/t.p12")
                .contains("/etc/k.jks")
                .doesNotContain("trust-pw-123")
                .doesNotContain("key-pw-456")
                .contains("trustStorePassword=******");
    }

    @Test
    void conflicting_or_incomplete_settings_name_the_options() {
        assertThatThrownBy(
                        () ->
                                TlsSettings.builder()
                                        .trustStore("/t.p12", null)
                                        .caCertFile("/ca.pem")
                                        .build())
                .hasMessageContaining("'trustStorePath'")
                .hasMessageContaining("'caCertFile'");
        assertThatThrownBy(() -> TlsSettings.builder().clientCertificate("/c.pem", null).build())
                .hasMessageContaining("'certFile' and 'keyFile'");
        assertThatThrownBy(() -> TlsSettings.builder().keyStore(null, "pw").build())
                .hasMessageContaining("'keyStorePath' is not");
        assertThatThrownBy(
                        () ->
                                TlsSettings.builder()
                                        .keyStore("/k.p12", "pw")
                                        .clientCertificate("/c.pem", "/k.pem")
                                        .build())
                .hasMessageContaining("not both");
    }

    @Test
    void a_missing_file_names_its_option_when_the_context_is_made() {
        assertThatThrownBy(
                        () ->
                                TlsMaterial.sslContext(
                                        TlsSettings.builder()
                                                .caCertFile("/does/not/exist.pem")
                                                .build()))
                .hasMessageContaining("'caCertFile'")
                .hasMessageContaining("/does/not/exist.pem");
    }

    @Test
    void references_are_resolved_only_on_request_and_name_the_option_when_unset() {
        EnvironmentReferences.useEnvironment(
                Map.of("KS_PW", "resolved-pw", "DIR", "/secrets")::get);
        ConnectionSettings settings =
                ConnectionSettings.builder()
                        .servers("nats://h:4222")
                        .tls(TlsSettings.builder().keyStore("${DIR}/k.p12", "${KS_PW}").build())
                        .build();
        assertThat(settings.hasEnvironmentReferences()).isTrue();
        assertThat(settings.toString()).doesNotContain("resolved-pw");
        EnvironmentReferences references =
                EnvironmentReferences.allowing("KS_PW, DIR, NOT_*", "'key'");
        ConnectionSettings resolved = settings.resolveEnvironmentReferences(references);
        assertThat(resolved.getTls())
                .isEqualTo(TlsSettings.builder().keyStore("/secrets/k.p12", "resolved-pw").build());
        assertThat(resolved.hasEnvironmentReferences()).isFalse();
        assertThat(resolved.toString()).doesNotContain("resolved-pw");

        ConnectionSettings unset =
                ConnectionSettings.builder()
                        .servers("nats://h:4222")
                        .tls(
                                TlsSettings.builder()
                                        .trustStore("/t.p12", "${NOT_SET_ANYWHERE}")
                                        .build())
                        .build();
        assertThatThrownBy(() -> unset.resolveEnvironmentReferences(references))
                .hasMessageContaining("'trustStorePassword'")
                .hasMessageContaining("NOT_SET_ANYWHERE");
    }

    @Test
    void nkey_seed_file_is_an_authentication_method_of_its_own() throws Exception {
        assertThatThrownBy(
                        () ->
                                ConnectionSettings.builder()
                                        .servers("nats://h:4222")
                                        .token("t")
                                        .nkeySeedFile("/u.nk")
                                        .build())
                .hasMessageContaining("Only one authentication method");
        ConnectionSettings settings =
                ConnectionSettings.builder()
                        .servers("nats://h:4222")
                        .nkeySeedFile("/u.nk")
                        .tls(TlsSettings.builder().caCertFile("/ca.pem").build())
                        .build();
        assertThat(settings.authenticationSetting()).contains("'nkeySeedFile'");
        ConnectionSettings copy = InstantiationUtil.clone(settings, getClass().getClassLoader());
        assertThat(copy).isEqualTo(settings);
    }
}
