package dev.switchboard.server.cdc;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.cdc.config.ConnectorConfig;
import dev.switchboard.server.cdc.config.ConnectorConfigLoader;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PostgreSQL itself restarts in the middle of a stream of changes. */
class CdcDatabaseRestartIT {

    private static CdcTestDatabase db;

    @BeforeAll
    static void startDatabase() {
        db = CdcTestDatabase.start("cdc-restart");
    }

    @AfterAll
    static void stopDatabase() {
        db.close();
    }

    @Test
    void tenThousandChangesSurvivePostgresRestart() throws Exception {
        db.execute("CREATE TABLE numbers (n bigint PRIMARY KEY, payload text)");
        ConnectorConfig config = ConnectorConfigLoader.fromJson("{\"connector\": [{\"tablename\": \"numbers\", "
                + "\"ablychannelname\": \"numbers\", \"operation\": \"INSERT\"}]}");
        RecordingSink sink = new RecordingSink().confirmingAfter(20);
        // The endpoint object stays valid across the restart: same port.
        try (ChangeConnector connector = new ChangeConnector(config, db.endpoint(), sink, ConnectorOptions.defaults().fast())) {
            connector.start();
            await().until(() -> connector.status().state() == ConnectorState.STREAMING);

            try (NumberedRowWriter writer = new NumberedRowWriter(CdcDatabaseRestartIT::connect, "numbers", 10_000, 5)
                    .allowUpTo(4000).start()) {
                // Stop PostgreSQL while rows are still being written and delivered.
                await().atMost(Duration.ofSeconds(60)).until(() -> sink.size() >= 3000);
                writer.allowUpTo(10_000);
                db.stopServer();
                await().until(() -> connector.status().state() != ConnectorState.STREAMING);
                db.startServer();

                await().atMost(Duration.ofSeconds(90)).until(() -> writer.finished() && sink.size() >= 10_000);
                assertThat(writer.failure()).isNull();
            }
            await().until(() -> connector.status().state() == ConnectorState.STREAMING && connector.status().lagBytes() == 0);
        }

        CdcResilienceIT.assertEveryRowOnceInCommitOrder(sink, 10_000);
    }

    private static Connection connect() {
        try {
            return db.connect();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
