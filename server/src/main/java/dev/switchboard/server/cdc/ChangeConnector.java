package dev.switchboard.server.cdc;

import dev.switchboard.server.util.Closeables;
import dev.switchboard.server.cdc.config.ConnectorConfig;
import dev.switchboard.server.cdc.mapping.ChangeMapper;
import dev.switchboard.server.cdc.mapping.CommittedTransaction;
import dev.switchboard.server.cdc.mapping.Route;
import dev.switchboard.server.cdc.mapping.TransactionAssembler;
import dev.switchboard.server.cdc.mapping.TypeCatalog;
import dev.switchboard.server.cdc.pgoutput.PgOutputDecoder;
import dev.switchboard.server.cdc.replication.LeaderLock;
import dev.switchboard.server.cdc.replication.PgJdbcReplicationStream;
import dev.switchboard.server.cdc.replication.PgTypeLookup;
import dev.switchboard.server.cdc.replication.ReplicationSetup;
import dev.switchboard.server.cdc.replication.ReplicationStream;
import dev.switchboard.server.database.DatabaseEndpoint;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Postgres change connector: reads committed changes of the mapped tables from a logical
 * replication slot (pgoutput) and hands them to a {@link ChangeSink} in commit order, losing none.
 *
 * <p>Runs on its own platform thread (the replication stream is blocking JDBC, never on an event
 * loop). The cycle: take the advisory lock for the slot (others stand by and poll) → check and
 * prepare the database ({@link ReplicationSetup}) → stream → decode → assemble transactions →
 * publish → once the sink confirms a transaction, flush the slot up to its end. Any failure
 * closes everything and starts over after a backoff; PostgreSQL resumes from the last flushed
 * position, and the deterministic message ids let the sink drop what it already has.
 *
 * <pre>
 * ChangeConnector connector = new ChangeConnector(config, appDatabase, sink);
 * connector.start();
 * connector.status();   // state, lag, counts, last error
 * connector.close();
 * </pre>
 */
public final class ChangeConnector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeConnector.class);
    /** Poll interval while changes flow (a change waits at most this long to be read), and once quiet for a while. */
    private static final long ACTIVE_WAIT_MILLIS = 1;
    private static final long IDLE_WAIT_MILLIS = 5;
    private static final long ACTIVE_WINDOW_NANOS = 2_000_000_000L;
    private static final Duration PROGRESS_LOG_INTERVAL = Duration.ofMinutes(1);

    private final ConnectorConfig config;
    private final DatabaseEndpoint endpoint;
    private final ChangeSink sink;
    private final ConnectorOptions options;
    private final PgOutputDecoder decoder = new PgOutputDecoder();

    private final CountDownLatch closing = new CountDownLatch(1);
    /** Released when a publish completes or close is called, to end an idle wait early. */
    private final Semaphore wakeup = new Semaphore(0);
    private Thread thread;

    private volatile ConnectorState state = ConnectorState.NEW;
    private volatile Lsn confirmedLsn = Lsn.ZERO;
    private volatile Lsn receivedLsn = Lsn.ZERO;
    private volatile Instant oldestUnconfirmedCommit;
    private final AtomicLong changesPublished = new AtomicLong();
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile LeaderLock currentLock;
    private volatile ReplicationStream currentStream;
    private int consecutiveFailures;

    /**
     * @param config              mappings, slot and publication; its {@code dbConfig}, when present,
     *                            wins over {@code applicationDatabase}
     * @param applicationDatabase the app's own database, used when the config has no {@code dbConfig}
     * @param sink                where messages go
     */
    public ChangeConnector(ConnectorConfig config, DatabaseEndpoint applicationDatabase, ChangeSink sink) {
        this(config, applicationDatabase, sink, ConnectorOptions.defaults());
    }

    public ChangeConnector(ConnectorConfig config, DatabaseEndpoint applicationDatabase, ChangeSink sink,
                           ConnectorOptions options) {
        this.config = Objects.requireNonNull(config, "config");
        this.endpoint = config.database().map(db -> db.toEndpoint()).orElseGet(
                () -> Objects.requireNonNull(applicationDatabase, "applicationDatabase (the config has no dbConfig)"));
        this.sink = Objects.requireNonNull(sink, "sink");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Starts the connector thread; returns at once. Progress shows in {@link #status()}. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = new Thread(this::run, "cdc-" + config.slotName());
        thread.setDaemon(true);
        thread.start();
    }

    public ConnectorStatus status() {
        Lsn confirmed = confirmedLsn;
        Lsn received = receivedLsn;
        Instant oldest = oldestUnconfirmedCommit;
        long lagMillis = oldest == null ? 0 : Math.max(0, Duration.between(oldest, Instant.now()).toMillis());
        return new ConnectorStatus(state, config.slotName(), confirmed, received, received.bytesSince(confirmed), lagMillis,
                changesPublished.get(), Optional.ofNullable(lastError), Optional.ofNullable(lastErrorAt));
    }

    /**
     * Stops reading, reports the confirmed position to PostgreSQL and releases the lock (a standby
     * takes over). Unconfirmed messages are not waited for: they are replayed on the next start.
     */
    @Override
    public void close() {
        closing.countDown();
        wakeup.release();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(10_000);
                if (t.isAlive()) {
                    // Stuck in a blocking call (e.g. slot creation waiting for a long transaction).
                    Closeables.closeQuietly(currentStream);
                    Closeables.closeQuietly(currentLock);
                    t.join(5_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        state = ConnectorState.STOPPED;
    }

    private void run() {
        LOG.info("change connector for slot {} starting ({} mappings, publication {}, database {})", config.slotName(),
                config.mappings().size(), config.publicationName(), endpoint.jdbcUrl());
        while (!isClosing()) {
            LeaderLock lock = null;
            try {
                lock = acquireLock();
                if (lock == null) {
                    break;
                }
                currentLock = lock;
                setState(ConnectorState.STARTING);
                stream(lock);
            } catch (ConnectorException e) {
                recordError(ConnectorState.FAILED, e.getMessage(), e);
                pause(options.maxBackoff());
            } catch (Exception e) {
                if (isClosing()) {
                    break;
                }
                consecutiveFailures++;
                recordError(ConnectorState.RECONNECTING, describe(e), e);
                pause(backoff());
            } finally {
                Closeables.closeQuietly(lock);
                currentLock = null;
            }
        }
        setState(ConnectorState.STOPPED);
        LOG.info("change connector for slot {} stopped at {}", config.slotName(), confirmedLsn);
    }

    /** Polls for the advisory lock; null if closed while waiting. */
    private LeaderLock acquireLock() throws SQLException {
        boolean announced = false;
        while (!isClosing()) {
            Optional<LeaderLock> lock = LeaderLock.tryAcquire(endpoint, config.slotName());
            if (lock.isPresent()) {
                return lock.get();
            }
            if (!announced) {
                setState(ConnectorState.STANDBY);
                LOG.info("another process runs the change connector for slot {}; standing by", config.slotName());
                announced = true;
            }
            pause(options.lockPollInterval());
        }
        return null;
    }

    private void stream(LeaderLock lock) throws SQLException {
        List<Route> routes = ReplicationSetup.prepare(lock.connection(), config);
        TransactionAssembler assembler = new TransactionAssembler(config.slotName(), new ChangeMapper(routes),
                new TypeCatalog(new PgTypeLookup(lock.connection())));
        OrderedPublisher publisher = new OrderedPublisher(sink, options.maxBatchSize(), wakeup::release);
        try (ReplicationStream stream = PgJdbcReplicationStream.open(endpoint, config.slotName(), config.publicationName(),
                options.statusInterval())) {
            currentStream = stream;
            consecutiveFailures = 0;
            setState(ConnectorState.STREAMING);
            long nextHealthCheck = System.nanoTime() + options.statusInterval().toNanos();
            long nextProgressLog = System.nanoTime() + PROGRESS_LOG_INTERVAL.toNanos();
            long lastLoggedCount = changesPublished.get();
            long lastMessageAt = System.nanoTime() - ACTIVE_WINDOW_NANOS;
            while (!isClosing()) {
                ByteBuffer message = stream.readPending();
                if (message != null) {
                    lastMessageAt = System.nanoTime();
                    Optional<CommittedTransaction> tx = assembler.accept(decoder.decode(message));
                    if (tx.isPresent()) {
                        publisher.enqueue(tx.get());
                        waitWhileQueueFull(publisher, stream, assembler);
                    }
                }
                applyProgress(publisher, stream, assembler);
                if (message == null) {
                    long now = System.nanoTime();
                    if (now >= nextHealthCheck) {
                        if (!lock.isHeld()) {
                            throw new IllegalStateException("lost the session holding the advisory lock");
                        }
                        nextHealthCheck = now + options.statusInterval().toNanos();
                    }
                    if (now >= nextProgressLog && changesPublished.get() != lastLoggedCount) {
                        lastLoggedCount = changesPublished.get();
                        ConnectorStatus s = status();
                        LOG.info("slot {}: {} changes published, confirmed {}, lag {} bytes / {} ms", s.slotName(),
                                s.changesPublished(), s.confirmedLsn(), s.lagBytes(), s.lagMillis());
                        nextProgressLog = now + PROGRESS_LOG_INTERVAL.toNanos();
                    }
                    wakeup.tryAcquire(now - lastMessageAt < ACTIVE_WINDOW_NANOS ? ACTIVE_WAIT_MILLIS : IDLE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
            // Closing: tell PostgreSQL how far we got, so the next start replays as little as possible.
            applyProgress(publisher, stream, assembler);
            stream.sendStatus();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            currentStream = null;
            oldestUnconfirmedCommit = null;
        }
    }

    /** Bounds memory: stop reading while the sink is behind; keep the walsender alive meanwhile. */
    private void waitWhileQueueFull(OrderedPublisher publisher, ReplicationStream stream, TransactionAssembler assembler)
            throws SQLException, InterruptedException {
        applyProgress(publisher, stream, assembler);
        while (publisher.queuedMessages() >= options.maxQueuedMessages() && !isClosing()) {
            if (!publisher.awaitInFlight(options.statusInterval().toMillis())) {
                stream.sendStatus();
            }
            applyProgress(publisher, stream, assembler);
        }
    }

    private void applyProgress(OrderedPublisher publisher, ReplicationStream stream, TransactionAssembler assembler) throws SQLException {
        OrderedPublisher.Progress progress = publisher.pump();
        changesPublished.addAndGet(progress.confirmedMessages());
        if (progress.flushTo() != null && progress.flushTo().isAfter(confirmedLsn)) {
            confirm(stream, progress.flushTo());
            // Reported at once, not at the next status interval: after a crash of this process the slot replays at most
            // the batch that was in flight. (Idle advances below wait for the interval: nothing would be replayed.)
            stream.sendStatus();
        }
        Lsn received = stream.lastReceivedLsn();
        if (publisher.isIdle() && !assembler.inTransaction() && received.isAfter(confirmedLsn)) {
            // Idle: everything received is handled, so let the slot advance past WAL of unrelated activity.
            confirm(stream, received);
        }
        if (received.isAfter(receivedLsn)) {
            receivedLsn = received;
        }
        oldestUnconfirmedCommit = publisher.oldestUnconfirmedCommit();
    }

    private void confirm(ReplicationStream stream, Lsn lsn) {
        if (lsn.isAfter(confirmedLsn)) {
            stream.flushLsn(lsn);
            confirmedLsn = lsn;
            if (lsn.isAfter(receivedLsn)) {
                receivedLsn = lsn;
            }
        }
    }

    private void setState(ConnectorState next) {
        ConnectorState previous = state;
        if (previous != next && previous != ConnectorState.STOPPED) {
            state = next;
            LOG.info("change connector slot {}: {} -> {}", config.slotName(), previous, next);
        }
    }

    private void recordError(ConnectorState next, String message, Exception e) {
        lastError = message;
        lastErrorAt = Instant.now();
        setState(next);
        if (next == ConnectorState.FAILED) {
            LOG.error("change connector slot {} cannot run: {} (retrying in {})", config.slotName(), message, options.maxBackoff());
        } else {
            // One line per retry with the root cause (e.g. UnknownHostException: db); the stack trace only at debug.
            LOG.warn("change connector slot {}: {}{}; reconnecting in {}", config.slotName(), message, rootCause(e, message), backoff());
            if (e != null) LOG.debug("change connector slot {}: failure in full", config.slotName(), e);
        }
    }

    /** " (cause: Type: message)" for the innermost cause of {@code e}, unless {@code message} already says it. */
    static String rootCause(Throwable e, String message) {
        if (e == null) return "";
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String text = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        return message != null && root.getMessage() != null && message.contains(root.getMessage()) && root == e ? "" : " (cause: " + text + ")";
    }

    private Duration backoff() {
        int exponent = Math.min(Math.max(consecutiveFailures - 1, 0), 20);
        Duration delay = options.minBackoff().multipliedBy(1L << exponent);
        return delay.compareTo(options.maxBackoff()) > 0 ? options.maxBackoff() : delay;
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private boolean isClosing() {
        return closing.getCount() == 0;
    }

    private void pause(Duration delay) {
        try {
            closing.await(delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing.countDown();
        }
    }
}
