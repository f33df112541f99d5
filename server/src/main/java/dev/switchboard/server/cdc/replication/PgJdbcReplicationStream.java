package dev.switchboard.server.cdc.replication;

import dev.switchboard.server.util.Closeables;
import dev.switchboard.server.cdc.ConnectorException;
import dev.switchboard.server.cdc.Lsn;
import dev.switchboard.server.database.DatabaseEndpoint;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * {@link ReplicationStream} over PgJDBC's replication protocol support: a dedicated
 * {@code replication=database} connection running {@code START_REPLICATION SLOT .. LOGICAL} with
 * pgoutput protocol version 1. The server resumes from the slot's confirmed position.
 */
public final class PgJdbcReplicationStream implements ReplicationStream {

    private final Connection connection;
    private final PGReplicationStream stream;

    private PgJdbcReplicationStream(Connection connection, PGReplicationStream stream) {
        this.connection = connection;
        this.stream = stream;
    }

    public static PgJdbcReplicationStream open(DatabaseEndpoint endpoint, String slot, String publication,
                                               Duration statusInterval) throws SQLException {
        Properties props = endpoint.credentials();
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        PGProperty.TCP_KEEP_ALIVE.set(props, true);
        PGProperty.CONNECT_TIMEOUT.set(props, 10);
        PGProperty.APPLICATION_NAME.set(props, "switchboard-cdc");
        Connection connection;
        try {
            connection = DriverManager.getConnection(endpoint.jdbcUrl(), props);
        } catch (SQLException e) {
            if ("28000".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("replication")) {
                throw new ConnectorException("PostgreSQL refused the replication connection for role '" + endpoint.user()
                        + "': " + e.getMessage() + ". Fix: allow it in pg_hba.conf (a 'host replication' line, or "
                        + "'host all' with the database name) and give the role REPLICATION", e);
            }
            throw e;
        }
        try {
            PGReplicationStream stream = connection.unwrap(PGConnection.class).getReplicationAPI()
                    .replicationStream()
                    .logical()
                    .withSlotName(slot)
                    .withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", SqlNames.quote(publication))
                    .withStatusInterval((int) statusInterval.toMillis(), TimeUnit.MILLISECONDS)
                    .start();
            return new PgJdbcReplicationStream(connection, stream);
        } catch (SQLException | RuntimeException e) {
            Closeables.closeQuietly(connection);
            throw e;
        }
    }

    @Override
    public ByteBuffer readPending() throws SQLException {
        return stream.readPending();
    }

    @Override
    public Lsn lastReceivedLsn() {
        return Lsn.of(stream.getLastReceiveLSN().asLong());
    }

    @Override
    public void flushLsn(Lsn lsn) {
        LogSequenceNumber position = LogSequenceNumber.valueOf(lsn.value());
        stream.setFlushedLSN(position);
        stream.setAppliedLSN(position);
    }

    @Override
    public void sendStatus() throws SQLException {
        stream.forceUpdateStatus();
    }

    @Override
    public void close() {
        try {
            if (!stream.isClosed()) {
                stream.close();
            }
        } catch (SQLException ignored) {
            // The connection is going away anyway.
        }
        Closeables.closeQuietly(connection);
    }
}
