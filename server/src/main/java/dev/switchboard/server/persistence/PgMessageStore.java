package dev.switchboard.server.persistence;

import dev.switchboard.server.util.Closeables;
import dev.switchboard.server.database.DatabaseEndpoint;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.WireFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@link MessageStore} in PostgreSQL (the app's database): {@code switchboard_messages}, range-partitioned by the day
 * a message was stored, and {@code switchboard_channels} with each channel's epoch and last serial.
 *
 * <p>Group commit: one writer thread takes every append waiting in its queue (up to {@link #MAX_BATCH} messages),
 * writes them with one batched INSERT and the channels' positions with one upsert, commits once, then completes
 * their futures in order. Under load an ACK costs a share of one fsync, not one each. A failed transaction fails
 * every append in it (retriable, 50003) and the next batch opens a new connection.
 *
 * <p>Retention: a message row carries its expiry; reads skip expired rows, and {@link #dropExpiredPartitions} drops a
 * day's partition once every message in it is older than the longest retention.
 */
public final class PgMessageStore implements MessageStore {
    private static final Logger log = LoggerFactory.getLogger(PgMessageStore.class);
    static final int MAX_BATCH = 2_000;
    private static final Append STOP = new Append("", "", "", 0, 0, List.of());

    private final DatabaseEndpoint endpoint;
    private final Clock clock;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final ExecutorService readers = Executors.newFixedThreadPool(2, daemon("switchboard-store-reader"));
    private final ThreadLocal<Connection> readerConnections = new ThreadLocal<>();
    private final java.util.Set<Connection> openReaders = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Thread writer;
    private final java.util.concurrent.ScheduledExecutorService expiry = Executors.newSingleThreadScheduledExecutor(daemon("switchboard-store-expiry"));
    private final Set<LocalDate> partitions = new HashSet<>();
    private Connection writeConnection;
    private volatile boolean closed;

    private record Pending(Append append, CompletableFuture<Void> done) {}

    /** Creates or upgrades the schema ({@link SwitchboardSchema}) and starts the writer. */
    public PgMessageStore(DatabaseEndpoint endpoint, Clock clock) {
        this.endpoint = endpoint;
        this.clock = clock;
        SwitchboardSchema.migrate(endpoint);
        this.writer = new Thread(this::writeLoop, "switchboard-store-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public CompletableFuture<Void> append(Append append) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(ErrorCode.TIMEOUT.exception("The message store is closed"));
            return done;
        }
        queue.add(new Pending(append, done));
        return done;
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            try {
                Pending first = queue.take();
                if (first.append() == STOP) break;
                batch.add(first);
                int messages = first.append().messages().size();
                Pending next;
                while (messages < MAX_BATCH && (next = queue.poll()) != null) {
                    if (next.append() == STOP) {
                        queue.add(next); // finish this batch, then stop
                        break;
                    }
                    batch.add(next);
                    messages += next.append().messages().size();
                }
                write(batch);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                log.error("Message store writer failed", e);
                for (Pending p : batch) p.done().completeExceptionally(e);
            }
            batch.clear();
        }
        for (Pending p : queue) {
            if (p.append() != STOP) p.done().completeExceptionally(ErrorCode.TIMEOUT.exception("The message store is closed"));
        }
    }

    /** Told how long each commit took (metrics); set before traffic. */
    public void reportCommitsTo(java.util.function.LongConsumer commitNanos) { this.commitNanos = commitNanos; }

    private volatile java.util.function.LongConsumer commitNanos = n -> { };

    private void write(List<Pending> batch) {
        long started = System.nanoTime();
        try {
            Connection c = writeConnection();
            long now = clock.millis();
            LocalDate day = dayOf(now);
            ensurePartition(c, day);
            Map<String, Append> positions = new LinkedHashMap<>();
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO switchboard_messages "
                    + "(app_id, channel, epoch, seq, msg_id, msg_time, stored_at, expires_at, day, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    + "ON CONFLICT (app_id, channel, epoch, seq, day) DO UPDATE SET msg_id = excluded.msg_id, msg_time = excluded.msg_time, "
                    + "body = excluded.body, stored_at = excluded.stored_at, expires_at = excluded.expires_at")) {
                for (Pending p : batch) {
                    Append a = p.append();
                    positions.put(a.appId() + '\u0000' + a.channel(), a);
                    for (StoredMessage m : a.messages()) {
                        insert.setString(1, a.appId());
                        insert.setString(2, a.channel());
                        insert.setString(3, a.epoch());
                        insert.setLong(4, m.seq());
                        insert.setString(5, m.message().id());
                        insert.setLong(6, m.message().timestamp() == null ? now : m.message().timestamp());
                        insert.setLong(7, now);
                        insert.setLong(8, now + a.retentionMs());
                        insert.setObject(9, day);
                        insert.setBytes(10, WireFormat.MSGPACK.writeTree(m.message().toStoredTree(WireFormat.MSGPACK)));
                        insert.addBatch();
                    }
                }
                insert.executeBatch();
            }
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO switchboard_channels (app_id, channel, epoch, last_seq) VALUES (?, ?, ?, ?) "
                    // Nodes sharing a channel commit its offsets in any order: a position never goes back. Epochs begin
                    // with their start time in base 36, so the later one sorts last byte by byte.
                    + "ON CONFLICT (app_id, channel) DO UPDATE SET "
                    + "last_seq = CASE WHEN excluded.epoch COLLATE \"C\" > switchboard_channels.epoch COLLATE \"C\" THEN excluded.last_seq "
                    + "WHEN excluded.epoch = switchboard_channels.epoch THEN GREATEST(excluded.last_seq, switchboard_channels.last_seq) "
                    + "ELSE switchboard_channels.last_seq END, "
                    + "epoch = CASE WHEN excluded.epoch COLLATE \"C\" > switchboard_channels.epoch COLLATE \"C\" THEN excluded.epoch "
                    + "ELSE switchboard_channels.epoch END")) {
                for (Append a : positions.values()) {
                    upsert.setString(1, a.appId());
                    upsert.setString(2, a.channel());
                    upsert.setString(3, a.epoch());
                    upsert.setLong(4, a.lastSeq());
                    upsert.addBatch();
                }
                upsert.executeBatch();
            }
            c.commit();
            commitNanos.accept(System.nanoTime() - started);
            for (Pending p : batch) p.done().complete(null);
        } catch (SQLException e) {
            log.warn("Message store: a commit of {} append(s) failed: {}", batch.size(), e.getMessage());
            closeQuietly();
            for (Pending p : batch) {
                p.done().completeExceptionally(ErrorCode.TIMEOUT.exception("The message could not be stored (" + e.getMessage() + "); publish again"));
            }
        }
    }

    private Connection writeConnection() throws SQLException {
        if (writeConnection == null || writeConnection.isClosed()) {
            writeConnection = connect();
            writeConnection.setAutoCommit(false);
            partitions.clear();
        }
        return writeConnection;
    }

    private Connection connect() throws SQLException {
        return endpoint.connect(SwitchboardSchema.CONNECTION_OPTIONS);
    }

    /**
     * The calling reader thread's own connection, opened once: a new connection per read cost ~10 ms of CPU (password
     * authentication) and made every message read (a chat room's send answers with the stored message) that slow.
     */
    private Connection readerConnection() throws SQLException {
        Connection c = readerConnections.get();
        if (c != null && !c.isClosed()) return c;
        c = connect();
        c.setAutoCommit(true); // reads must not hold a transaction (and its snapshot) open between queries
        readerConnections.set(c);
        openReaders.add(c);
        return c;
    }

    private List<StoredMessage> query(String sql, List<Object> args) throws SQLException {
        try (PreparedStatement s = readerConnection().prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) s.setObject(i + 1, args.get(i));
            List<StoredMessage> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) out.add(new StoredMessage(rs.getLong(1), decode(rs.getBytes(2))));
            }
            return out;
        }
    }

    /** Drops the calling reader thread's connection after a failure; the next read opens another. */
    private void dropReaderConnection() {
        Connection c = readerConnections.get();
        readerConnections.remove();
        if (c != null) {
            openReaders.remove(c);
            Closeables.closeQuietly(c);
        }
    }

    private void ensurePartition(Connection c, LocalDate day) throws SQLException {
        if (partitions.contains(day)) return;
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + partitionName(day) + " PARTITION OF switchboard_messages FOR VALUES FROM ('"
                    + day + "') TO ('" + day.plusDays(1) + "')");
            c.commit();
        } catch (SQLException e) {
            // Another node's store created it at the same moment: IF NOT EXISTS does not cover a concurrent creation.
            if (!"42P07".equals(e.getSQLState()) && !"23505".equals(e.getSQLState())) throw e;
            c.rollback();
        }
        partitions.add(day);
    }

    static String partitionName(LocalDate day) {
        return "switchboard_messages_" + day.toString().replace("-", "");
    }

    private static LocalDate dayOf(long millis) {
        return LocalDate.ofEpochDay(Math.floorDiv(millis, 86_400_000L));
    }

    @Override
    public CompletableFuture<List<StoredMessage>> history(HistoryQuery q) {
        return CompletableFuture.supplyAsync(() -> {
            StringBuilder sql = new StringBuilder("SELECT seq, body FROM switchboard_messages WHERE app_id = ? AND channel = ? AND epoch = ? "
                    + "AND seq <= ? AND expires_at > ?");
            List<Object> args = new ArrayList<>(List.of(q.appId(), q.channel(), q.epoch(), q.untilSeq(), clock.millis()));
            if (q.cursor() != null) {
                sql.append(q.backwards() ? " AND seq < ?" : " AND seq > ?");
                args.add(q.cursor());
            }
            if (q.start() != null) {
                sql.append(" AND msg_time >= ?");
                args.add(q.start());
            }
            if (q.end() != null) {
                sql.append(" AND msg_time <= ?");
                args.add(q.end());
            }
            sql.append(" ORDER BY seq ").append(q.backwards() ? "DESC" : "ASC").append(" LIMIT ?");
            args.add(q.limit());
            try {
                return query(sql.toString(), args);
            } catch (SQLException first) {
                // The kept connection may have died with an earlier database (a restart): once more on a new one.
                dropReaderConnection();
            }
            try {
                return query(sql.toString(), args);
            } catch (SQLException e) {
                dropReaderConnection();
                throw ErrorCode.TIMEOUT.exception("History could not be read from the message store (" + e.getMessage() + ")");
            }
        }, readers);
    }

    @Override
    public List<StoredChannel> load(long since) throws SQLException {
        Map<String, StoredChannel> byKey = new LinkedHashMap<>();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT app_id, channel, epoch, last_seq FROM switchboard_channels")) {
                while (rs.next()) {
                    byKey.put(rs.getString(1) + '\u0000' + rs.getString(2),
                            new StoredChannel(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), new ArrayList<>()));
                }
            }
            try (PreparedStatement p = c.prepareStatement("SELECT m.app_id, m.channel, m.seq, m.body FROM switchboard_messages m "
                    + "JOIN switchboard_channels ch ON ch.app_id = m.app_id AND ch.channel = m.channel AND ch.epoch = m.epoch "
                    + "WHERE m.stored_at >= ? AND m.expires_at > ? ORDER BY m.app_id, m.channel, m.seq")) {
                p.setLong(1, since);
                p.setLong(2, clock.millis());
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        StoredChannel ch = byKey.get(rs.getString(1) + '\u0000' + rs.getString(2));
                        if (ch != null) ch.recent().add(new StoredMessage(rs.getLong(3), decode(rs.getBytes(4))));
                    }
                }
            }
        }
        return new ArrayList<>(byKey.values());
    }

    /**
     * Drops the day partitions whose every message is past {@code maxRetentionMs} (as of the store's clock); returns
     * their names. Rows of shorter retentions inside a kept partition are already invisible to reads.
     */
    public List<String> dropExpiredPartitions(long maxRetentionMs) throws SQLException {
        LocalDate oldestKept = dayOf(clock.millis() - maxRetentionMs);
        List<String> dropped = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'switchboard_messages'::regclass")) {
                while (rs.next()) names.add(rs.getString(1));
            }
            for (String name : names) {
                String digits = name.replaceAll("^.*switchboard_messages_", "");
                if (!digits.matches("\\d{8}")) continue;
                LocalDate day = LocalDate.of(Integer.parseInt(digits.substring(0, 4)), Integer.parseInt(digits.substring(4, 6)), Integer.parseInt(digits.substring(6)));
                // A partition holds messages stored during its day: all expired once the day ended before oldestKept.
                if (day.plusDays(1).isAfter(oldestKept)) continue;
                s.execute("DROP TABLE IF EXISTS " + name);
                dropped.add(name);
            }
        }
        if (!dropped.isEmpty()) log.info("Message store: dropped expired partitions {}", dropped);
        return dropped;
    }

    private static Message decode(byte[] body) {
        return Message.fromTree(WireFormat.MSGPACK.readTree(body), WireFormat.MSGPACK);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        queue.add(new Pending(STOP, new CompletableFuture<>()));
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        readers.shutdownNow();
        expiry.shutdownNow();
        for (Connection c : openReaders) Closeables.closeQuietly(c);
        openReaders.clear();
        closeQuietly();
    }

    private void closeQuietly() {
        Closeables.closeQuietly(writeConnection);
        writeConnection = null;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Drops expired partitions now and then every hour, on the store's own thread. */
    public void expireEvery(java.time.Duration interval, long maxRetentionMs) {
        expiry.scheduleWithFixedDelay(() -> {
            try {
                dropExpiredPartitions(maxRetentionMs);
            } catch (SQLException | RuntimeException e) {
                log.warn("Message store: dropping expired partitions failed (will retry): {}", e.getMessage());
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
}
