package dev.switchboard.server.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class EmbeddedDatabaseIT {

    @Test
    void runsWithLogicalWalAndKeepsDataAcrossRestarts() throws Exception {
        Path dataDir = TestDataDirectories.fresh("embedded");
        EmbeddedDatabaseSettings settings = EmbeddedDatabaseSettings.defaults(dataDir);

        try (EmbeddedDatabase db = EmbeddedDatabase.start(settings)) {
            try (Connection c = db.endpoint().connect(); Statement s = c.createStatement()) {
                assertThat(single(s, "SHOW wal_level")).isEqualTo("logical");
                assertThat(single(s, "SHOW synchronous_commit")).isEqualTo("on");
                assertThat(single(s, "SHOW max_replication_slots")).isEqualTo("32");
                s.execute("CREATE TABLE kept(v text)");
                s.execute("INSERT INTO kept VALUES ('survives')");
            }
        }

        try (EmbeddedDatabase db = EmbeddedDatabase.start(settings)) {
            try (Connection c = db.endpoint().connect(); Statement s = c.createStatement()) {
                assertThat(single(s, "SELECT v FROM kept")).isEqualTo("survives");
            }
        }
        TestDataDirectories.delete(dataDir);
    }

    private static String single(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
