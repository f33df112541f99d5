package dev.switchboard.server.auth;

import dev.switchboard.server.database.DatabaseEndpoint;
import dev.switchboard.server.persistence.SwitchboardSchema;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.util.Closeables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@link NonceStore} in PostgreSQL ({@code switchboard_token_nonces}): uses outlive a restart and are shared by every
 * node on the same database.
 *
 * <p>One writer thread claims everything waiting with one autocommitted statement (group commit: a reconnect storm
 * costs a few fsyncs, not one per client). A row is inserted, or an expired row taken over, only where none is live
 * ({@code ON CONFLICT ... DO UPDATE ... WHERE expired}); the rows it returns are the first uses. Rows are claimed in
 * (key, nonce) order so that nodes claiming overlapping batches cannot deadlock. The same thread deletes expired rows
 * every {@link #SWEEP_INTERVAL_MS}. A failed statement fails every claim in it (50003) and the next batch reconnects.
 */
public final class PgNonceStore implements NonceStore {
    private static final Logger log = LoggerFactory.getLogger(PgNonceStore.class);
    private static final int MAX_BATCH = 2_000;
    static final long SWEEP_INTERVAL_MS = 60_000;
    private static final String CLAIM = "INSERT INTO switchboard_token_nonces (key_name, nonce, expires_at) "
            + "SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[]) "
            + "ON CONFLICT (key_name, nonce) DO UPDATE SET expires_at = excluded.expires_at "
            + "WHERE switchboard_token_nonces.expires_at < ? "
            + "RETURNING key_name, nonce";

    private record Use(String keyName, String nonce) {}

    private record Claim(Use use, long expiresAt, CompletableFuture<Boolean> done) {}

    private static final Claim STOP = new Claim(new Use("", ""), 0, null);
    private static final Comparator<Use> LOCK_ORDER = Comparator.comparing(Use::keyName).thenComparing(Use::nonce);

    private final DatabaseEndpoint endpoint;
    private final Clock clock;
    private final BlockingQueue<Claim> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private Connection connection;
    private long lastSweep;
    private boolean closed;

    /** Creates or upgrades the schema ({@link SwitchboardSchema}) and starts the writer. Blocking; call at start-up. */
    public PgNonceStore(DatabaseEndpoint endpoint, Clock clock) {
        this.endpoint = endpoint;
        this.clock = clock;
        SwitchboardSchema.migrate(endpoint);
        writer = new Thread(this::writeLoop, "switchboard-nonce-store");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public CompletableFuture<Boolean> firstUse(String keyName, String nonce, long expiresAt) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        synchronized (this) {
            // Under the same lock as close(), so that no claim lands behind STOP and waits forever.
            if (closed) {
                done.completeExceptionally(ErrorCode.TIMEOUT.exception("The token nonce store is closed"));
                return done;
            }
            queue.add(new Claim(new Use(keyName, nonce), expiresAt, done));
        }
        return done;
    }

    private void writeLoop() {
        List<Claim> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                Claim first = queue.poll(SWEEP_INTERVAL_MS, TimeUnit.MILLISECONDS);
                Claim next = first;
                while (next != null && batch.size() < MAX_BATCH) {
                    if (next == STOP) {
                        stop = true;
                        break;
                    }
                    batch.add(next);
                    next = batch.size() < MAX_BATCH ? queue.poll() : null;
                }
                long now = clock.millis();
                sweepIfDue(now);
                if (!batch.isEmpty()) claim(batch, now);
            } catch (InterruptedException e) {
                stop = true;
            }
            batch.clear();
        }
        for (Claim c : queue) {
            if (c != STOP) c.done().completeExceptionally(ErrorCode.TIMEOUT.exception("The token nonce store is closed"));
        }
    }

    private void claim(List<Claim> batch, long now) {
        // The first claim of a use in this batch goes to the database; any later one in the same batch is its replay.
        Map<Use, Claim> firstClaims = new TreeMap<>(LOCK_ORDER);
        List<Claim> repeats = new ArrayList<>();
        for (Claim c : batch) {
            if (firstClaims.putIfAbsent(c.use(), c) != null) repeats.add(c);
        }
        try {
            Set<Use> accepted = insertWhereNoneLive(firstClaims, now);
            for (Claim c : firstClaims.values()) c.done().complete(accepted.contains(c.use()));
            for (Claim c : repeats) c.done().complete(false);
        } catch (SQLException | RuntimeException e) {
            log.warn("Token nonce store: claiming {} nonce(s) failed: {}", batch.size(), e.getMessage());
            closeConnection();
            for (Claim c : batch) {
                c.done().completeExceptionally(ErrorCode.TIMEOUT.exception("The token request's nonce could not be checked ("
                        + e.getMessage() + "); request a token again"));
            }
        }
    }

    private Set<Use> insertWhereNoneLive(Map<Use, Claim> claims, long now) throws SQLException {
        String[] keyNames = new String[claims.size()];
        String[] nonces = new String[claims.size()];
        Long[] expiries = new Long[claims.size()];
        int i = 0;
        for (Claim c : claims.values()) {
            keyNames[i] = c.use().keyName();
            nonces[i] = c.use().nonce();
            expiries[i++] = c.expiresAt();
        }
        Connection c = connection();
        Set<Use> inserted = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement(CLAIM)) {
            s.setArray(1, c.createArrayOf("text", keyNames));
            s.setArray(2, c.createArrayOf("text", nonces));
            s.setArray(3, c.createArrayOf("bigint", expiries));
            s.setLong(4, now);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) inserted.add(new Use(rs.getString(1), rs.getString(2)));
            }
        }
        return inserted;
    }

    private void sweepIfDue(long now) {
        if (now - lastSweep < SWEEP_INTERVAL_MS) return;
        lastSweep = now;
        try (PreparedStatement s = connection().prepareStatement("DELETE FROM switchboard_token_nonces WHERE expires_at < ?")) {
            s.setLong(1, now);
            int deleted = s.executeUpdate();
            if (deleted > 0) log.debug("Token nonce store: deleted {} expired nonce(s)", deleted);
        } catch (SQLException | RuntimeException e) {
            // Expired rows only cost space, and a claim takes an expired row over anyway: try again next interval.
            log.warn("Token nonce store: deleting expired nonces failed (will retry): {}", e.getMessage());
            closeConnection();
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) connection = endpoint.connect(SwitchboardSchema.CONNECTION_OPTIONS);
        return connection;
    }

    private void closeConnection() {
        Closeables.closeQuietly(connection);
        connection = null;
    }

    /** Answers what is queued, then stops the writer; later claims fail (50003). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
            queue.add(STOP);
        }
        try {
            writer.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!writer.isAlive()) closeConnection();
    }
}
