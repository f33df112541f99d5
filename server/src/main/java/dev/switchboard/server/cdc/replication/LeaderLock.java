package dev.switchboard.server.cdc.replication;

import dev.switchboard.server.database.DatabaseEndpoint;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * A session-level PostgreSQL advisory lock that makes exactly one process run the connector for
 * a slot. The lock lives as long as its connection, so a crashed holder releases it at once.
 * The same connection doubles as the connector's control connection (setup queries, type look-ups).
 */
public final class LeaderLock implements AutoCloseable {

    private final Connection connection;

    private LeaderLock(Connection connection) {
        this.connection = connection;
    }

    /** Takes the lock for {@code slot} without waiting; empty if another session holds it. */
    public static Optional<LeaderLock> tryAcquire(DatabaseEndpoint endpoint, String slot) throws SQLException {
        Connection connection = endpoint.connect();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT pg_try_advisory_lock(hashtext('switchboard-cdc'), hashtext(?))")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return Optional.of(new LeaderLock(connection));
                }
            }
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
        connection.close();
        return Optional.empty();
    }

    /** The session holding the lock; closing it releases the lock. */
    public Connection connection() {
        return connection;
    }

    /** False once the session is gone (database restarted, network lost). */
    public boolean isHeld() {
        try {
            return connection.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // Closing the session releases the lock either way.
        }
    }
}
