package dev.switchboard.server.cdc;

/** Lifecycle of a {@link ChangeConnector}. */
public enum ConnectorState {
    /** Created, {@code start()} not called yet. */
    NEW,
    /** Waiting for the advisory lock: another process runs the connector for this slot. */
    STANDBY,
    /** Holding the lock; checking the database, preparing publication and slot, connecting. */
    STARTING,
    /** Reading the replication stream and publishing. */
    STREAMING,
    /** Lost the connection or failed transiently; reconnecting after a backoff. */
    RECONNECTING,
    /** A problem that needs a human (wal_level, permissions, missing table); retried slowly. */
    FAILED,
    /** Closed. */
    STOPPED
}
