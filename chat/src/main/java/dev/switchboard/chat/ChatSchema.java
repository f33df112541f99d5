package dev.switchboard.chat;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The chat's table. A fresh database gets it from the migrations ({@code db/chat}); a database that already holds the
 * seed app's {@code chat_data} (created by hand from its README, no migration history) is adopted: every row is kept,
 * the record id gets a working sequence (the seed's DDL names one it never creates), UPDATE events carry whole rows,
 * and the migration history starts after the table's creation.
 */
public final class ChatSchema {
    private static final Logger log = LoggerFactory.getLogger(ChatSchema.class);
    private static final String SEQUENCE = "chat_data_incremental_record_id_seq";

    private ChatSchema() {}

    public static void migrate(DataSource dataSource) {
        boolean adopt;
        try (Connection c = dataSource.getConnection()) {
            adopt = exists(c, "chat_data") && !exists(c, "flyway_schema_history");
            if (adopt) adopt(c);
        } catch (SQLException e) {
            throw new IllegalStateException("The existing chat_data table could not be adopted: " + e.getMessage(), e);
        }
        // Adopted: the table stands for the first migration, which must not run again.
        Flyway.configure().dataSource(dataSource).locations("classpath:db/chat")
                .baselineOnMigrate(adopt).baselineVersion("1").baselineDescription("adopted the existing chat_data").load().migrate();
    }

    private static void adopt(Connection c) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            long rows;
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM chat_data")) {
                rs.next();
                rows = rs.getLong(1);
            }
            s.execute("CREATE SEQUENCE IF NOT EXISTS " + SEQUENCE);
            // The next record id follows the highest one kept (or starts at 1).
            s.execute("SELECT setval('" + SEQUENCE + "', COALESCE((SELECT max(incremental_record_id) FROM chat_data), 0) + 1, false)");
            s.execute("ALTER TABLE chat_data ALTER COLUMN incremental_record_id SET DEFAULT nextval('" + SEQUENCE + "')");
            s.execute("ALTER SEQUENCE " + SEQUENCE + " OWNED BY chat_data.incremental_record_id");
            s.execute("ALTER TABLE chat_data ALTER COLUMN is_edited SET DEFAULT FALSE");
            s.execute("ALTER TABLE chat_data REPLICA IDENTITY FULL");
            c.commit();
            log.info("Adopted the existing chat_data table ({} rows kept; record ids continue after the highest)", rows);
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        try (var s = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            s.setString(1, "public." + table);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
