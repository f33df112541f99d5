package dev.switchboard.server.cdc.replication;

import dev.switchboard.server.cdc.Lsn;
import java.nio.ByteBuffer;
import java.sql.SQLException;

/**
 * A started logical replication stream: messages out, confirmed positions back. Used by one
 * thread only.
 */
public interface ReplicationStream extends AutoCloseable {

    /** The next pgoutput message, or null if none is waiting. Never blocks for long. */
    ByteBuffer readPending() throws SQLException;

    /** Last WAL position the server told us about (message or keepalive). */
    Lsn lastReceivedLsn();

    /**
     * Everything up to {@code lsn} is durably handled: PostgreSQL may discard that WAL and will
     * not resend it. Sent with the next standby status update.
     */
    void flushLsn(Lsn lsn);

    /** Sends a standby status update now (also keeps the walsender from timing out). */
    void sendStatus() throws SQLException;

    @Override
    void close();
}
