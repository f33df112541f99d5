package dev.switchboard.server.cdc.pgoutput;

import dev.switchboard.server.cdc.Lsn;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One decoded pgoutput (protocol version 1) message. Row changes refer to their table by
 * relation id; the matching {@link Relation} always arrives earlier on the same connection.
 */
public sealed interface ReplicationMessage {

    /** Start of a committed transaction; {@code finalLsn} is the LSN of its commit record. */
    record Begin(Lsn finalLsn, Instant commitTime, int xid) implements ReplicationMessage {
    }

    /** End of the transaction; resuming from {@code endLsn} skips it. */
    record Commit(Lsn commitLsn, Lsn endLsn, Instant commitTime) implements ReplicationMessage {
    }

    /** Describes a table's columns; sent before the first change to it and after schema changes. */
    record Relation(int relationId, String schema, String table, char replicaIdentity, List<Column> columns)
            implements ReplicationMessage {

        public Relation {
            columns = List.copyOf(columns);
        }
    }

    /** A column of a {@link Relation}. */
    record Column(String name, int typeOid, int typeModifier, boolean partOfKey) {
    }

    /** Names a non-built-in data type used by a later relation. */
    record Type(int typeOid, String schema, String name) implements ReplicationMessage {
    }

    record Insert(int relationId, TupleData newRow) implements ReplicationMessage {
    }

    /**
     * An update. {@code oldRow} is present with REPLICA IDENTITY FULL (all old values) or when
     * the key changed (key columns only); {@code oldIsKeyOnly} tells which.
     */
    record Update(int relationId, Optional<TupleData> oldRow, boolean oldIsKeyOnly, TupleData newRow)
            implements ReplicationMessage {
    }

    record Delete(int relationId, TupleData oldRow, boolean oldIsKeyOnly) implements ReplicationMessage {
    }

    record Truncate(List<Integer> relationIds, boolean cascade, boolean restartIdentity) implements ReplicationMessage {

        public Truncate {
            relationIds = List.copyOf(relationIds);
        }
    }

    /** Origin and logical-decoding messages: carried along, never published. */
    record Ignored(char tag) implements ReplicationMessage {
    }
}
