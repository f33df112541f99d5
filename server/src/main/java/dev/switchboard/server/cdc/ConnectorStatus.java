package dev.switchboard.server.cdc;

import java.time.Instant;
import java.util.Optional;

/**
 * A snapshot of a connector, for logs and a status endpoint.
 *
 * @param state            current state
 * @param slotName         replication slot
 * @param confirmedLsn     position up to which the sink confirmed everything (flushed to the slot)
 * @param receivedLsn      last position read from the server
 * @param lagBytes         WAL bytes received but not yet confirmed by the sink
 * @param lagMillis        age of the oldest committed transaction not yet confirmed, 0 when none
 * @param changesPublished messages confirmed by the sink since this object was created
 * @param lastError        the most recent error message, if any
 * @param lastErrorAt      when it happened
 */
public record ConnectorStatus(ConnectorState state, String slotName, Lsn confirmedLsn, Lsn receivedLsn, long lagBytes,
                              long lagMillis, long changesPublished, Optional<String> lastError,
                              Optional<Instant> lastErrorAt) {
}
