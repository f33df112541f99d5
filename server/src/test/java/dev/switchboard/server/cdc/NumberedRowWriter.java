package dev.switchboard.server.cdc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Inserts rows n = 1..total into {@code table(n bigint primary key, payload text)} in small
 * transactions from one thread, so commit order is n order. Survives database restarts: a
 * failed transaction is retried, and ON CONFLICT makes a retry of a commit that did land a no-op.
 */
final class NumberedRowWriter implements AutoCloseable {

    private final Thread thread;
    private final AtomicInteger committed = new AtomicInteger();
    private volatile boolean stop;
    private volatile Throwable failure;
    private int allowedUpTo;

    NumberedRowWriter(Supplier<Connection> connections, String table, int total, int perTransaction) {
        this.allowedUpTo = total;
        thread = new Thread(() -> {
            int next = 1;
            Connection c = null;
            while (next <= total && !stop) {
                try {
                    if (c == null) {
                        c = connections.get();
                    }
                    awaitAllowance(next);
                    int last = Math.min(Math.min(total, next + perTransaction - 1), allowance());
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                            + "(n, payload) SELECT g, 'row ' || g FROM generate_series(?::bigint, ?::bigint) g ON CONFLICT (n) DO NOTHING")) {
                        ps.setInt(1, next);
                        ps.setInt(2, last);
                        ps.execute();
                    }
                    committed.set(last);
                    next = last + 1;
                } catch (SQLException | RuntimeException e) {
                    closeQuietly(c);
                    c = null;
                    // The database is restarting: try again shortly.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable t) {
                    failure = t;
                    return;
                }
            }
            closeQuietly(c);
        }, "row-writer-" + table);
        thread.setDaemon(true);
    }

    /** Lets the test stage phases: rows above {@code n} wait until allowed. */
    synchronized NumberedRowWriter allowUpTo(int n) {
        allowedUpTo = n;
        notifyAll();
        return this;
    }

    private synchronized int allowance() {
        return allowedUpTo;
    }

    private synchronized void awaitAllowance(int n) throws InterruptedException {
        while (n > allowedUpTo && !stop) {
            wait(100);
        }
    }

    NumberedRowWriter start() {
        thread.start();
        return this;
    }

    int committed() {
        return committed.get();
    }

    boolean finished() {
        return !thread.isAlive();
    }

    Throwable failure() {
        return failure;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(10_000);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // gone anyway
            }
        }
    }
}
