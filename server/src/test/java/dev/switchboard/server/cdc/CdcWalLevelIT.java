package dev.switchboard.server.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.cdc.config.ConnectorConfig;
import dev.switchboard.server.cdc.config.ConnectorConfigLoader;
import org.junit.jupiter.api.Test;

/** A PostgreSQL without logical decoding gets a clear, actionable error. */
class CdcWalLevelIT {

    @Test
    void walLevelReplicaIsReportedWithTheFix() {
        try (CdcTestDatabase db = CdcTestDatabase.start("cdc-wal-replica", s -> s.withSetting("wal_level", "replica"))) {
            db.execute("CREATE TABLE chat_data (msg_id text PRIMARY KEY)");
            ConnectorConfig config = ConnectorConfigLoader.fromJson(
                    "{\"connector\": [{\"tablename\": \"chat_data\", \"ablychannelname\": \"c\", \"operation\": \"INSERT\"}]}");
            try (ChangeConnector connector = new ChangeConnector(config, db.endpoint(), new RecordingSink(),
                    ConnectorOptions.defaults().fast())) {
                connector.start();

                await().until(() -> connector.status().state() == ConnectorState.FAILED);
                assertThat(connector.status().lastError()).hasValueSatisfying(message -> assertThat(message)
                        .contains("wal_level is 'replica'")
                        .contains("ALTER SYSTEM SET wal_level = logical"));
            }
        }
    }

    @Test
    void roleWithoutReplicationIsReportedWithTheFix() {
        try (CdcTestDatabase db = CdcTestDatabase.start("cdc-no-replication")) {
            db.execute("CREATE TABLE chat_data (msg_id text PRIMARY KEY)",
                    "CREATE ROLE app LOGIN PASSWORD 'app-secret'", "ALTER TABLE chat_data OWNER TO app");
            ConnectorConfig config = ConnectorConfigLoader.fromJson(
                    "{\"connector\": [{\"tablename\": \"chat_data\", \"ablychannelname\": \"c\", \"operation\": \"INSERT\"}]}");
            var appRole = new dev.switchboard.server.database.DatabaseEndpoint(db.endpoint().jdbcUrl(), "app", "app-secret");
            try (ChangeConnector connector = new ChangeConnector(config, appRole, new RecordingSink(),
                    ConnectorOptions.defaults().fast())) {
                connector.start();

                await().until(() -> connector.status().state() == ConnectorState.FAILED);
                assertThat(connector.status().lastError()).hasValueSatisfying(message -> assertThat(message)
                        .contains("'app' may not use logical replication")
                        .contains("ALTER ROLE \"app\" WITH REPLICATION"));
            }
        }
    }
}
