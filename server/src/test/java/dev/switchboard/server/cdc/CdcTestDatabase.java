package dev.switchboard.server.cdc;

import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.database.TestDataDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** An embedded PostgreSQL for one test class, with helpers to run SQL. */
final class CdcTestDatabase implements AutoCloseable {

    private final Path dataDir;
    private EmbeddedDatabaseSettings settings;
    private EmbeddedDatabase db;

    private CdcTestDatabase(Path dataDir, EmbeddedDatabaseSettings settings) {
        this.dataDir = dataDir;
        this.settings = settings;
    }

    static CdcTestDatabase start(String name) {
        return start(name, s -> s);
    }

    static CdcTestDatabase start(String name, java.util.function.UnaryOperator<EmbeddedDatabaseSettings> customize) {
        Path dir = TestDataDirectories.fresh(name);
        // fsync off only to keep the suite fast; commits still go through WAL as in production.
        EmbeddedDatabaseSettings settings = customize.apply(EmbeddedDatabaseSettings.defaults(dir).withSetting("fsync", "off"));
        CdcTestDatabase database = new CdcTestDatabase(dir, settings);
        database.startServer();
        return database;
    }

    void startServer() {
        try {
            db = EmbeddedDatabase.start(settings);
            settings = settings.withPort(db.port()); // restarts keep the port, as a real server would
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void stopServer() {
        db.close();
    }

    dev.switchboard.server.database.DatabaseEndpoint endpoint() {
        return db.endpoint();
    }

    Connection connect() throws SQLException {
        return db.endpoint().connect();
    }

    void execute(String... statements) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        db.close();
        TestDataDirectories.delete(dataDir);
    }
}
