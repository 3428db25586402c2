package io.laminar.flink.connector.nats.table;

import io.laminar.flink.connector.nats.testutils.FlinkEnvironment;
import io.laminar.flink.connector.nats.testutils.MessageCollector;
import io.laminar.flink.connector.nats.testutils.NatsClientExtension;
import io.laminar.flink.connector.nats.testutils.NatsServerExtension;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static io.laminar.flink.connector.nats.table.NatsEnvironmentReferencesITCase.ALLOWED_KEY;
import static io.laminar.flink.connector.nats.table.NatsEnvironmentReferencesITCase.NATS_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code ${NAME}} references on a cluster whose configuration (that of its TaskManagers, as from
 * {@code config.yaml}) sets {@code nats.environment-references.allowed} to a glob: a variable the
 * glob matches is read, and the list replaces the default {@code NATS_*}, so a {@code NATS_}
 * variable it does not match is refused.
 */
class NatsEnvironmentReferencesAllowListITCase {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    () -> {
                        Configuration cluster = new Configuration();
                        // As config.yaml's "nats.environment-references.allowed: [OTHER_TEST_*]"
                        // reaches the TaskManager: the YAML list flattened to a string.
                        cluster.setString(ALLOWED_KEY, "[OTHER_TEST_*]");
                        return new MiniClusterResourceConfiguration.Builder()
                                .setNumberTaskManagers(1)
                                .setNumberSlotsPerTaskManager(1)
                                .setConfiguration(cluster)
                                .build();
                    });

    @RegisterExtension
    static final NatsServerExtension NATS = NatsEnvironmentReferencesITCase.twoUserServer();

    @RegisterExtension
    final NatsClientExtension client =
            NatsClientExtension.of(NATS, o -> o.userInfo("publisher", NATS_PASSWORD));

    private StreamTableEnvironment tEnv;

    @BeforeEach
    void createEnvironment() {
        tEnv = StreamTableEnvironment.create(FlinkEnvironment.create());
    }

    private void createTable(String name, String user, String password) {
        tEnv.executeSql(
                NatsEnvironmentReferencesITCase.createTable(
                        NATS, "allow.", name, user, password, ""));
    }

    @Test
    void a_glob_in_the_cluster_configuration_allows_a_variable_it_matches() throws Exception {
        createTable("globbed", "other", "${OTHER_TEST_SECRET}");
        try (MessageCollector collector =
                MessageCollector.subscribe(client.connection(), "allow.globbed")) {
            tEnv.executeSql("INSERT INTO globbed VALUES ('allowed by glob')").await();
            collector.awaitCount(1, DEADLINE);
            assertThat(collector.payloadsAsStrings()).containsExactly("allowed by glob");
        }
    }

    @Test
    void the_list_replaces_the_default_so_an_unlisted_nats_variable_is_refused() {
        createTable("unlisted", "publisher", "${NATS_TEST_PASSWORD}");
        assertThatThrownBy(() -> tEnv.executeSql("INSERT INTO unlisted VALUES ('x')").await())
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("NATS_TEST_PASSWORD")
                                        .contains("'" + ALLOWED_KEY + "'")
                                        .contains("OTHER_TEST_*")
                                        .doesNotContain(NATS_PASSWORD));
    }
}
