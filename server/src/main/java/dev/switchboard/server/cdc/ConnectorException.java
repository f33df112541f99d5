package dev.switchboard.server.cdc;

/**
 * The connector cannot run until someone changes the database or the config: wrong
 * {@code wal_level}, missing REPLICATION permission, a mapped table that does not exist. The
 * message says what to do.
 */
public class ConnectorException extends RuntimeException {

    public ConnectorException(String message) {
        super(message);
    }

    public ConnectorException(String message, Throwable cause) {
        super(message, cause);
    }
}
