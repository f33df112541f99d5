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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link RuleOutbox} in PostgreSQL ({@code switchboard_rule_events}, {@code switchboard_dead_letters}), shareable by
 * several nodes. One writer thread commits everything waiting in one transaction (adds, deliveries, dead letters):
 * group commit, so an outbox entry costs a share of one fsync. Ids come from one database sequence, taken at commit.
 *
 * <p>Ownership: each event row names the node that added it. A node renews its lease
 * ({@code switchboard_rule_nodes}) every third of the lease and, in the same round, takes over the events of nodes
 * whose lease lapsed: one transaction deletes their lease rows and re-owns their events, so exactly one node gets
 * them. A node that finds its own lease row gone learns it lost its events, registers again and tells its
 * {@link Owner} which events are still its own. Lease times are the database's clock. A stopped node does not release
 * its lease: restarted under the same node id within the lease, it keeps its events and their order.
 */
public final class PgRuleOutbox implements RuleOutbox {
    private static final Logger log = LoggerFactory.getLogger(PgRuleOutbox.class);
    private static final int MAX_BATCH = 2_000;
    /** Failover within seconds: a dead node's events move on after at most the lease and one renewal period. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    private static final String NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
    private static final String COLUMNS = "id, rule_id, app_id, channel, created_at, messages";

    private final DatabaseEndpoint endpoint;
    private final Clock clock;
    private final String nodeId;
    private final long leaseMs;
    private final BlockingQueue<Op> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final ScheduledExecutorService leaseThread;
    /**
     * Held by the writer across a commit and the hand-over of its events to the owner, and while a lost lease is
     * re-taken: so the set of events still owned is read with no freshly added event in between.
     */
    private final ReentrantLock ownership = new ReentrantLock();
    private Connection connection;
    private Connection leaseConnection;
    /** System.nanoTime() until which this node surely holds its lease (a margin short of the database's view). */
    private volatile long leaseSureUntil;
    private volatile Owner owner;
    private volatile boolean closed;

    private sealed interface Op {}

    private record Add(List<Event> events, CompletableFuture<List<Event>> done) implements Op {}

    private record Delivered(long id) implements Op {}

    private record Dead(long id, int attempts, String lastError, CompletableFuture<Void> done) implements Op {}

    private record Stop() implements Op {}

    /**
     * Opens the outbox as node {@code nodeId} and takes (or renews) its lease. A node should keep its id across
     * restarts: its events then resume at once and in order; under a new id they wait until the old lease lapsed.
     */
    public PgRuleOutbox(DatabaseEndpoint endpoint, Clock clock, String nodeId, Duration lease) throws SQLException {
        if (nodeId == null || nodeId.isBlank()) throw new IllegalArgumentException("a node id is needed");
        if (lease.toMillis() < 300) throw new IllegalArgumentException("lease too short: " + lease);
        this.endpoint = endpoint;
        this.clock = clock;
        this.nodeId = nodeId;
        this.leaseMs = lease.toMillis();
        SwitchboardSchema.migrate(endpoint);
        long asked = System.nanoTime();
        try (Connection c = connect()) {
            register(c);
        }
        leaseSureUntil = asked + sureNanos();
        writer = new Thread(this::writeLoop, "switchboard-rule-outbox");
        writer.setDaemon(true);
        writer.start();
        leaseThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-rule-lease");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, leaseMs / 3);
        leaseThread.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    /** This node's id in the outbox. */
    public String nodeId() { return nodeId; }

    /** The lease; renewals and claims run every third of it. */
    public Duration lease() { return Duration.ofMillis(leaseMs); }

    @Override
    public CompletableFuture<List<Event>> add(List<Event> withoutIds) {
        CompletableFuture<List<Event>> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(ErrorCode.TIMEOUT.exception("The rules' outbox is closed"));
            return done;
        }
        // Ids are given at commit, in queue order, so that commit order, id order and delivery order agree.
        queue.add(new Add(List.copyOf(withoutIds), done));
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
                if (!batch.isEmpty()) {
                    ownership.lock();
                    try {
                        write(batch, retryDeliveries);
                    } finally {
                        ownership.unlock();
                    }
                }
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
            int adding = 0;
            for (Op op : batch) if (op instanceof Add a) adding += a.events().size();
            // Share-locked, this node's lease row cannot be claimed away until these events are committed as ours.
            boolean leased = adding == 0 || ownLeaseRowLocked(c);
            Map<Add, List<Event>> numbered = new java.util.IdentityHashMap<>();
            if (adding > 0 && leased) {
                long[] ids = nextIds(c, adding);
                int i = 0;
                for (Op op : batch) {
                    if (!(op instanceof Add a)) continue;
                    List<Event> withIds = new ArrayList<>(a.events().size());
                    for (Event e : a.events()) withIds.add(new Event(ids[i++], e.ruleId(), e.appId(), e.channel(), e.createdAt(), e.messages()));
                    numbered.put(a, withIds);
                }
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO switchboard_rule_events (" + COLUMNS + ", owner) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM switchboard_rule_events WHERE id = ?");
                 // Only an event still ours: one another node took over is its to deliver (or give up on).
                 PreparedStatement dead = c.prepareStatement("WITH moved AS (DELETE FROM switchboard_rule_events WHERE id = ? AND owner = ? RETURNING *) "
                         + "INSERT INTO switchboard_dead_letters (" + COLUMNS + ", attempts, last_error, failed_at) "
                         + "SELECT " + COLUMNS + ", ?, ?, ? FROM moved")) {
                for (Op op : batch) {
                    if (op instanceof Add a) {
                        for (Event e : numbered.getOrDefault(a, List.of())) {
                            insert.setLong(1, e.id());
                            insert.setString(2, e.ruleId());
                            insert.setString(3, e.appId());
                            insert.setString(4, e.channel());
                            insert.setLong(5, e.createdAt());
                            insert.setBytes(6, encode(e.messages()));
                            insert.setString(7, nodeId);
                            insert.addBatch();
                        }
                    } else if (op instanceof Delivered d) {
                        delete.setLong(1, d.id());
                        delete.addBatch();
                    } else if (op instanceof Dead d) {
                        dead.setLong(1, d.id());
                        dead.setString(2, nodeId);
                        dead.setInt(3, d.attempts());
                        dead.setString(4, d.lastError());
                        dead.setLong(5, clock.millis());
                        dead.addBatch();
                    }
                }
                insert.executeBatch();
                delete.executeBatch();
                dead.executeBatch();
            }
            c.commit();
            for (Op op : batch) {
                if (op instanceof Add a) {
                    if (leased) a.done().complete(numbered.get(a));
                    else a.done().completeExceptionally(ErrorCode.TIMEOUT.exception("This node's lease on the rules' outbox lapsed; publish again"));
                } else if (op instanceof Dead d) {
                    d.done().complete(null);
                }
            }
            if (!leased) renewSoon();
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

    private boolean ownLeaseRowLocked(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM switchboard_rule_nodes WHERE node_id = ? FOR SHARE")) {
            s.setString(1, nodeId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** {@code n} fresh ids, ascending. */
    private static long[] nextIds(Connection c, int n) throws SQLException {
        long[] ids = new long[n];
        try (PreparedStatement s = c.prepareStatement("SELECT nextval('switchboard_rule_event_ids') FROM generate_series(1, ?)")) {
            s.setInt(1, n);
            try (ResultSet rs = s.executeQuery()) {
                for (int i = 0; i < n; i++) {
                    if (!rs.next()) throw new SQLException("the id sequence gave fewer ids than asked");
                    ids[i] = rs.getLong(1);
                }
            }
        }
        java.util.Arrays.sort(ids);
        return ids;
    }

    @Override
    public List<Event> pending() throws SQLException {
        return query("SELECT " + COLUMNS + " FROM switchboard_rule_events WHERE owner = ? ORDER BY id", nodeId);
    }

    @Override
    public void start(Owner owner) throws SQLException {
        ownership.lock();
        try {
            if (this.owner != null) throw new IllegalStateException("the outbox already has an owner");
            owner.take(pending());
            this.owner = owner;
        } finally {
            ownership.unlock();
        }
        renewSoon(); // and claim: events of nodes that died meanwhile need not wait a period
    }

    @Override
    public boolean holdsLease() {
        return leaseSureUntil - System.nanoTime() > 0;
    }

    private long sureNanos() {
        return TimeUnit.MILLISECONDS.toNanos(leaseMs - leaseMs / 10);
    }

    private void renewSoon() {
        try {
            leaseThread.execute(this::tick);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing.
        }
    }

    /** One round on the lease thread: renew this node's lease (or re-take it), then take over lapsed nodes' events. */
    void tick() {
        if (closed) return;
        try {
            Connection c = leaseConnection();
            renew(c);
            Owner o = owner;
            if (o == null) return;
            List<Event> taken = claim(c);
            if (!taken.isEmpty()) {
                log.info("Rules outbox: node {} took over {} undelivered event(s) of nodes whose lease lapsed", nodeId, taken.size());
                o.take(taken);
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("Rules outbox: node {} could not renew its lease or take over events: {}", nodeId, e.getMessage());
            closeLeaseConnection();
        }
    }

    private void renew(Connection c) throws SQLException {
        long asked = System.nanoTime();
        int renewed;
        try (PreparedStatement s = c.prepareStatement("UPDATE switchboard_rule_nodes SET lease_until = " + NOW_MS + " + ? WHERE node_id = ?")) {
            s.setLong(1, leaseMs);
            s.setString(2, nodeId);
            renewed = s.executeUpdate();
        }
        c.commit();
        if (renewed == 1) {
            leaseSureUntil = asked + sureNanos();
            return;
        }
        // The row is gone: another node claimed this node's events. Register again, and say which events are left.
        ownership.lock();
        try {
            leaseSureUntil = System.nanoTime() - 1;
            register(c);
            Set<Long> still = new HashSet<>();
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM switchboard_rule_events WHERE owner = ?")) {
                s.setString(1, nodeId);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) still.add(rs.getLong(1));
                }
            }
            c.commit();
            log.warn("Rules outbox: node {} had lost its lease and other nodes took over its events; it keeps {} event(s)", nodeId, still.size());
            Owner o = owner;
            if (o != null) o.keepOnly(still);
            leaseSureUntil = asked + sureNanos();
        } finally {
            ownership.unlock();
        }
    }

    private void register(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO switchboard_rule_nodes (node_id, lease_until) VALUES (?, " + NOW_MS + " + ?) "
                + "ON CONFLICT (node_id) DO UPDATE SET lease_until = EXCLUDED.lease_until")) {
            s.setString(1, nodeId);
            s.setLong(2, leaseMs);
            s.executeUpdate();
        }
        if (!c.getAutoCommit()) c.commit();
    }

    /**
     * In one transaction: the lease rows of lapsed nodes are deleted and their events (and those without an owner)
     * become ours. Concurrent claimers wait on the row locks and then find nothing left, so each event moves once.
     */
    private List<Event> claim(Connection c) throws SQLException {
        List<Event> taken = new ArrayList<>();
        try {
            // Share-locked, our own row cannot be claimed while we claim; gone, we are not to take anything now.
            if (!ownLeaseRowLocked(c)) {
                c.rollback();
                return taken;
            }
            List<String> lapsed = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("DELETE FROM switchboard_rule_nodes WHERE lease_until < " + NOW_MS
                    + " AND node_id <> ? RETURNING node_id")) {
                s.setString(1, nodeId);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) lapsed.add(rs.getString(1));
                }
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE switchboard_rule_events SET owner = ? WHERE owner IS NULL OR owner = ANY(?) "
                    + "RETURNING " + COLUMNS)) {
                s.setString(1, nodeId);
                s.setArray(2, c.createArrayOf("text", lapsed.toArray()));
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) taken.add(event(rs));
                }
            }
            c.commit();
            if (!lapsed.isEmpty()) log.info("Rules outbox: node {} took over from lapsed node(s) {}", nodeId, lapsed);
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // The connection is dropped by the caller.
            }
            throw e;
        }
        taken.sort(java.util.Comparator.comparingLong(Event::id));
        return taken;
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
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            if (!ownLeaseRowLocked(c)) throw ErrorCode.TIMEOUT.exception("This node's lease on the rules' outbox lapsed; try again");
            List<Event> moved = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("WITH moved AS (DELETE FROM switchboard_dead_letters WHERE id = ? RETURNING *) "
                    + "INSERT INTO switchboard_rule_events (" + COLUMNS + ", owner) "
                    + "SELECT nextval('switchboard_rule_event_ids'), rule_id, app_id, channel, created_at, messages, ? FROM moved RETURNING " + COLUMNS)) {
                s.setLong(1, id);
                s.setString(2, nodeId);
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

    private Connection leaseConnection() throws SQLException {
        if (leaseConnection == null || leaseConnection.isClosed()) {
            leaseConnection = connect();
            leaseConnection.setAutoCommit(false);
        }
        return leaseConnection;
    }

    private void closeLeaseConnection() {
        Closeables.closeQuietly(leaseConnection);
        leaseConnection = null;
    }

    /**
     * Stops renewing and writes what waits. The lease is not released: should this node not come back under its id,
     * the others take over its events once the lease lapsed.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        leaseThread.shutdown();
        queue.add(new Stop());
        try {
            leaseThread.awaitTermination(10, TimeUnit.SECONDS);
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
        closeLeaseConnection();
    }
}
