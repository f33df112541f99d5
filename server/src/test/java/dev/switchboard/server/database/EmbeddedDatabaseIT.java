package dev.switchboard.server.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
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
                assertThat(single(s, "SHOW fsync")).isEqualTo("on");
                assertThat(single(s, "SHOW full_page_writes")).isEqualTo("on");
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

    @Test
    void everyLoginNeedsTheGeneratedPassword() throws Exception {
        Path dataDir = TestDataDirectories.fresh("embedded-password");
        try (EmbeddedDatabase db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dataDir))) {
            Path passwordFile = EmbeddedDatabase.passwordFile(dataDir);
            assertThat(Files.getPosixFilePermissions(passwordFile)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            assertThat(db.endpoint().password()).isEqualTo(Files.readString(passwordFile).strip()).hasSizeGreaterThan(20);
            String url = db.endpoint().jdbcUrl();
            assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "")).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isIn("28P01", "08004"));
            assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "wrong")).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
            try (Connection c = db.endpoint().connect()) {
                assertThat(c.isValid(1)).isTrue();
            }
        }
        // The same password works after a restart (it is kept, not generated again).
        try (EmbeddedDatabase db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dataDir)); Connection c = db.endpoint().connect()) {
            assertThat(c.isValid(1)).isTrue();
        }
        TestDataDirectories.delete(dataDir);
    }

    @Test
    void aServerLeftRunningByAKilledProcessIsStoppedAndTheNewStartIsQuick() throws Exception {
        Path dataDir = TestDataDirectories.fresh("embedded-orphan");
        EmbeddedDatabaseSettings settings = EmbeddedDatabaseSettings.defaults(dataDir);
        EmbeddedDatabaseProcess killed = EmbeddedDatabaseProcess.start(dataDir);
        killed.kill();
        // What a SIGKILLed Switchboard leaves behind: its postmaster still runs and holds the data directory.
        ProcessHandle orphan = OrphanPostmaster.pidOf(dataDir).flatMap(ProcessHandle::of).orElseThrow();
        assertThat(orphan.isAlive()).isTrue();

        long started = System.nanoTime();
        try (EmbeddedDatabase db = EmbeddedDatabase.start(settings)) {
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            assertThat(orphan.isAlive()).isFalse();
            assertThat(db.postmaster().orElseThrow().pid()).isNotEqualTo(orphan.pid());
            try (Connection c = db.endpoint().connect()) {
                assertThat(c.isValid(1)).isTrue();
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
