package dev.switchboard.server.cdc.pgoutput;

import dev.switchboard.server.cdc.Lsn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decodes the binary messages of the pgoutput logical decoding plugin, protocol version 1
 * (PostgreSQL's "Logical Replication Message Formats"). Stateless: relation metadata is kept by
 * the caller.
 */
public final class PgOutputDecoder {

    /** PostgreSQL timestamps count microseconds from 2000-01-01 00:00 UTC. */
    private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;

    /**
     * @param buffer one XLogData payload, read from its position to its limit
     * @throws IllegalArgumentException for an unknown or malformed message
     */
    public ReplicationMessage decode(ByteBuffer buffer) {
        char tag = (char) buffer.get();
        return switch (tag) {
            case 'B' -> new ReplicationMessage.Begin(Lsn.of(buffer.getLong()), timestamp(buffer.getLong()), buffer.getInt());
            case 'C' -> {
                buffer.get(); // flags, unused in protocol 1
                yield new ReplicationMessage.Commit(Lsn.of(buffer.getLong()), Lsn.of(buffer.getLong()), timestamp(buffer.getLong()));
            }
            case 'R' -> relation(buffer);
            case 'Y' -> new ReplicationMessage.Type(buffer.getInt(), string(buffer), string(buffer));
            case 'I' -> insert(buffer);
            case 'U' -> update(buffer);
            case 'D' -> delete(buffer);
            case 'T' -> truncate(buffer);
            case 'O', 'M' -> new ReplicationMessage.Ignored(tag);
            default -> throw new IllegalArgumentException("unknown pgoutput message type '" + tag + "'");
        };
    }

    private static ReplicationMessage.Relation relation(ByteBuffer buffer) {
        int relationId = buffer.getInt();
        String schema = string(buffer);
        String table = string(buffer);
        char replicaIdentity = (char) buffer.get();
        int count = buffer.getShort();
        List<ReplicationMessage.Column> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            boolean key = (buffer.get() & 1) != 0;
            String name = string(buffer);
            columns.add(new ReplicationMessage.Column(name, buffer.getInt(), buffer.getInt(), key));
        }
        return new ReplicationMessage.Relation(relationId, schema, table, replicaIdentity, columns);
    }

    private static ReplicationMessage.Insert insert(ByteBuffer buffer) {
        int relationId = buffer.getInt();
        expect(buffer, 'N');
        return new ReplicationMessage.Insert(relationId, tuple(buffer));
    }

    private static ReplicationMessage.Update update(ByteBuffer buffer) {
        int relationId = buffer.getInt();
        char kind = (char) buffer.get();
        Optional<TupleData> old = Optional.empty();
        boolean keyOnly = false;
        if (kind == 'K' || kind == 'O') {
            old = Optional.of(tuple(buffer));
            keyOnly = kind == 'K';
            kind = (char) buffer.get();
        }
        if (kind != 'N') {
            throw new IllegalArgumentException("update without new tuple, got '" + kind + "'");
        }
        return new ReplicationMessage.Update(relationId, old, keyOnly, tuple(buffer));
    }

    private static ReplicationMessage.Delete delete(ByteBuffer buffer) {
        int relationId = buffer.getInt();
        char kind = (char) buffer.get();
        if (kind != 'K' && kind != 'O') {
            throw new IllegalArgumentException("delete without old tuple, got '" + kind + "'");
        }
        return new ReplicationMessage.Delete(relationId, tuple(buffer), kind == 'K');
    }

    private static ReplicationMessage.Truncate truncate(ByteBuffer buffer) {
        int count = buffer.getInt();
        int options = buffer.get();
        List<Integer> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(buffer.getInt());
        }
        return new ReplicationMessage.Truncate(ids, (options & 1) != 0, (options & 2) != 0);
    }

    private static TupleData tuple(ByteBuffer buffer) {
        int count = buffer.getShort();
        List<ColumnValue> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            char kind = (char) buffer.get();
            values.add(switch (kind) {
                case 'n' -> ColumnValue.NULL;
                case 'u' -> ColumnValue.UNCHANGED_TOAST;
                case 't' -> {
                    byte[] bytes = new byte[buffer.getInt()];
                    buffer.get(bytes);
                    yield new ColumnValue.Text(new String(bytes, StandardCharsets.UTF_8));
                }
                default -> throw new IllegalArgumentException("unknown tuple column kind '" + kind + "'");
            });
        }
        return new TupleData(values);
    }

    private static void expect(ByteBuffer buffer, char expected) {
        char got = (char) buffer.get();
        if (got != expected) {
            throw new IllegalArgumentException("expected '" + expected + "' but got '" + got + "'");
        }
    }

    /** Null-terminated UTF-8 string. */
    private static String string(ByteBuffer buffer) {
        int start = buffer.position();
        int end = start;
        while (buffer.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        buffer.get(bytes);
        buffer.get(); // terminator
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static Instant timestamp(long microsSince2000) {
        long seconds = Math.floorDiv(microsSince2000, 1_000_000L);
        long micros = Math.floorMod(microsSince2000, 1_000_000L);
        return Instant.ofEpochSecond(POSTGRES_EPOCH_SECONDS + seconds, micros * 1_000L);
    }
}
