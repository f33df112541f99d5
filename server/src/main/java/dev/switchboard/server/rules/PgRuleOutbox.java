package dev.switchboard.server.rules;

import dev.switchboard.server.util.Closeables;
import dev.switchboard.server.database.DatabaseEndpoint;
import dev.switchboard.server.persistence.SwitchboardSchema;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@link RuleOutbox} in PostgreSQL ({@code switchboard_rule_events}, {@code switchboard_dead_letters}). One writer
 * thread commits everything waiting in one transaction (adds, deliveries, dead letters): group commit, so an outbox
 * entry costs a share of one fsync. Ids come from a counter that starts above every stored id.
 */
public final class PgRuleOutbox implements RuleOutbox {
    private static final Logger log = LoggerFactory.getLogger(PgRuleOutbox.class);
    private static final int MAX_BATCH = 2_000;

    private final DatabaseEndpoint endpoint;
    private final Clock clock;
    private final BlockingQueue<Op> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private long nextId;
    private Connection connection;
    private volatile boolean closed;

    private sealed interface Op {}

    private record Add(List<Event> events, CompletableFuture<List<Event>> done) implements Op {}

    private record Delivered(long id) implements Op {}

    private record Dead(long id, int attempts, String lastError, CompletableFuture<Void> done) implements Op {}

    private record Stop() implements Op {}

    public PgRuleOutbox(DatabaseEndpoint endpoint, Clock clock) throws SQLException {
        this.endpoint = endpoint;
        this.clock = clock;
        SwitchboardSchema.migrate(endpoint);
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT greatest((SELECT max(id) FROM switchboard_rule_events), (SELECT max(id) FROM switchboard_dead_letters))")) {
            rs.next();
            nextId = rs.getLong(1) + 1;
        }
        writer = new Thread(this::writeLoop, "switchboard-rule-outbox");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public CompletableFuture<List<Event>> add(List<Event> withoutIds) {
        CompletableFuture<List<Event>> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(ErrorCode.TIMEOUT.exception("The rules' outbox is closed"));
            return done;
        }
        synchronized (this) {
            // Ids in queue order, so that commit order, id order and delivery order agree.
            List<Event> numbered = new ArrayList<>(withoutIds.size());
            for (Event e : withoutIds) numbered.add(new Event(nextId++, e.ruleId(), e.appId(), e.channel(), e.createdAt(), e.messages()));
            queue.add(new Add(numbered, done));
        }
        return done;
    }

    @Override
    public void delivered(long id) {
        if (!closed) queue.add(new Delivered(id));
    }

    @Override
    public CompletableFuture<Void> deadLetter(long id, int attempts, String lastError) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Dead(id, attempts, lastError, done));
        return done;
    }

    private void writeLoop() {
        List<Op> batch = new ArrayList<>();
        List<Long> retryDeliveries = new ArrayList<>();
        while (true) {
            try {
                Op first = queue.poll(retryDeliveries.isEmpty() ? Long.MAX_VALUE : 1000, TimeUnit.MILLISECONDS);
                boolean stop = first instanceof Stop;
                if (first != null && !stop) batch.add(first);
                Op next;
                while (!stop && batch.size() < MAX_BATCH && (next = queue.poll()) != null) {
                    if (next instanceof Stop) stop = true; else batch.add(next);
                }
                for (long id : retryDeliveries) batch.add(new Delivered(id));
                retryDeliveries.clear();
                if (!batch.isEmpty()) write(batch, retryDeliveries);
                batch.clear();
                if (stop) break;
            } catch (InterruptedException e) {
                break;
            }
        }
    }

    private void write(List<Op> batch, List<Long> retryDeliveries) {
        try {
            Connection c = connection();
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO switchboard_rule_events (id, rule_id, app_id, channel, created_at, messages) "
                    + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM switchboard_rule_events WHERE id = ?");
                 PreparedStatement dead = c.prepareStatement("WITH moved AS (DELETE FROM switchboard_rule_events WHERE id = ? RETURNING *) "
                         + "INSERT INTO switchboard_dead_letters (id, rule_id, app_id, channel, created_at, messages, attempts, last_error, failed_at) "
                         + "SELECT id, rule_id, app_id, channel, created_at, messages, ?, ?, ? FROM moved")) {
                for (Op op : batch) {
                    if (op instanceof Add a) {
                        for (Event e : a.events()) {
                            insert.setLong(1, e.id());
                            insert.setString(2, e.ruleId());
                            insert.setString(3, e.appId());
                            insert.setString(4, e.channel());
                            insert.setLong(5, e.createdAt());
                            insert.setBytes(6, encode(e.messages()));
                            insert.addBatch();
                        }
                    } else if (op instanceof Delivered d) {
                        delete.setLong(1, d.id());
                        delete.addBatch();
                    } else if (op instanceof Dead d) {
                        dead.setLong(1, d.id());
                        dead.setInt(2, d.attempts());
                        dead.setString(3, d.lastError());
                        dead.setLong(4, clock.millis());
                        dead.addBatch();
                    }
                }
                insert.executeBatch();
                delete.executeBatch();
                dead.executeBatch();
            }
            c.commit();
            for (Op op : batch) {
                if (op instanceof Add a) a.done().complete(a.events());
                else if (op instanceof Dead d) d.done().complete(null);
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("Rules outbox: a commit of {} operation(s) failed: {}", batch.size(), e.getMessage());
            closeConnection();
            for (Op op : batch) {
                if (op instanceof Add a) {
                    a.done().completeExceptionally(ErrorCode.TIMEOUT.exception("The rule's event could not be stored (" + e.getMessage() + "); publish again"));
                } else if (op instanceof Dead d) {
                    d.done().completeExceptionally(e);
                } else if (op instanceof Delivered d) {
                    retryDeliveries.add(d.id()); // forgetting it can wait; meanwhile a restart would deliver it again
                }
            }
        }
    }

    @Override
    public List<Event> pending() throws SQLException {
        return query("SELECT id, rule_id, app_id, channel, created_at, messages FROM switchboard_rule_events ORDER BY id", null);
    }

    @Override
    public List<DeadLetter> deadLetters(int limit) throws SQLException {
        List<DeadLetter> out = new ArrayList<>();
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement("SELECT id, rule_id, app_id, channel, created_at, messages, "
                + "attempts, last_error, failed_at FROM switchboard_dead_letters ORDER BY id LIMIT ?")) {
            s.setInt(1, limit);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) out.add(new DeadLetter(event(rs), rs.getInt(7), rs.getString(8), rs.getLong(9)));
            }
        }
        return out;
    }

    @Override
    public Optional<Event> replay(long id) throws SQLException {
        long newId;
        synchronized (this) {
            newId = nextId++;
        }
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            List<Event> moved = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("WITH moved AS (DELETE FROM switchboard_dead_letters WHERE id = ? RETURNING *) "
                    + "INSERT INTO switchboard_rule_events (id, rule_id, app_id, channel, created_at, messages) "
                    + "SELECT ?, rule_id, app_id, channel, created_at, messages FROM moved RETURNING id, rule_id, app_id, channel, created_at, messages")) {
                s.setLong(1, id);
                s.setLong(2, newId);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) moved.add(event(rs));
                }
            }
            c.commit();
            return moved.stream().findFirst();
        }
    }

    @Override
    public boolean discard(long id) throws SQLException {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement("DELETE FROM switchboard_dead_letters WHERE id = ?")) {
            s.setLong(1, id);
            return s.executeUpdate() == 1;
        }
    }

    /** Dead letters per rule, for {@code /status}. */
    public Map<String, Long> deadLetterCounts() throws SQLException {
        Map<String, Long> counts = new java.util.LinkedHashMap<>();
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT rule_id, count(*) FROM switchboard_dead_letters GROUP BY rule_id ORDER BY rule_id")) {
            while (rs.next()) counts.put(rs.getString(1), rs.getLong(2));
        }
        return counts;
    }

    private List<Event> query(String sql, Object arg) throws SQLException {
        List<Event> out = new ArrayList<>();
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
            if (arg != null) s.setObject(1, arg);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) out.add(event(rs));
            }
        }
        return out;
    }

    private static Event event(ResultSet rs) throws SQLException {
        return new Event(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), decode(rs.getBytes(6)));
    }

    private static byte[] encode(List<Message> messages) {
        List<Object> trees = new ArrayList<>(messages.size());
        for (Message m : messages) trees.add(m.toTree(WireFormat.MSGPACK));
        return WireFormat.MSGPACK.writeTree(trees);
    }

    private static List<Message> decode(byte[] bytes) {
        List<Message> out = new ArrayList<>();
        if (WireFormat.MSGPACK.readTree(bytes) instanceof List<?> trees) {
            for (Object tree : trees) out.add(Message.fromTree(tree, WireFormat.MSGPACK));
        }
        return out;
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = connect();
            connection.setAutoCommit(false);
        }
        return connection;
    }

    private Connection connect() throws SQLException {
        return endpoint.connect(SwitchboardSchema.CONNECTION_OPTIONS);
    }

    private void closeConnection() {
        Closeables.closeQuietly(connection);
        connection = null;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        queue.add(new Stop());
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
