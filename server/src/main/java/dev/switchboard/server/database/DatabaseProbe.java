package dev.switchboard.server.database;

import dev.switchboard.server.util.Closeables;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Checks once a second, on its own thread, that the database answers a login and a query within a second, so that
 * health checks can read the result without blocking. {@link #problem()} is empty while it answers.
 */
public final class DatabaseProbe implements AutoCloseable {
    private final DatabaseEndpoint endpoint;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "database-probe");
        t.setDaemon(true);
        return t;
    });
    private volatile String problem;

    public DatabaseProbe(DatabaseEndpoint endpoint) {
        this.endpoint = endpoint;
        thread.scheduleWithFixedDelay(this::probe, 0, 1, TimeUnit.SECONDS);
    }

    /** One kept connection (a login per probe would cost the database a password check each second). */
    private Connection connection;

    private void probe() {
        try {
            if (connection == null || connection.isClosed()) {
                Properties props = endpoint.credentials();
                props.setProperty("connectTimeout", "1");
                props.setProperty("socketTimeout", "1");
                connection = DriverManager.getConnection(endpoint.jdbcUrl(), props);
            }
            try (var s = connection.createStatement()) {
                s.execute("SELECT 1");
            }
            problem = null;
        } catch (SQLException e) {
            problem = "the database does not answer: " + e.getMessage();
            closeConnection();
        }
    }

    private void closeConnection() {
        Closeables.closeQuietly(connection);
        connection = null;
    }

    public Optional<String> problem() { return Optional.ofNullable(problem); }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
