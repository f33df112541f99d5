package dev.switchboard.server.auth;

import dev.switchboard.server.protocol.ErrorCode;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link NonceStore} in this process's memory: the server without a database. Uses are forgotten on restart, so a
 * TokenRequest used before a restart is accepted once more while inside its window. Expired uses are swept at most
 * once a second, on the caller's thread (a map scan, no I/O).
 */
public final class MemoryNonceStore implements NonceStore {
    private static final long SWEEP_INTERVAL_MS = 1_000;

    private record Use(String keyName, String nonce) {}

    private final Clock clock;
    private final Map<Use, Long> expiryByUse = new ConcurrentHashMap<>();
    private final AtomicLong lastSweep = new AtomicLong();
    private volatile boolean closed;

    public MemoryNonceStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public CompletableFuture<Boolean> firstUse(String keyName, String nonce, long expiresAt) {
        if (closed) return CompletableFuture.failedFuture(ErrorCode.TIMEOUT.exception("The token nonce store is closed"));
        long now = clock.millis();
        sweepIfDue(now);
        boolean[] first = new boolean[1];
        // One atomic step per key, so racing callers cannot both see the use as new.
        expiryByUse.compute(new Use(keyName, nonce), (use, remembered) -> {
            if (remembered != null && remembered >= now) return remembered;
            first[0] = true;
            return expiresAt;
        });
        return CompletableFuture.completedFuture(first[0]);
    }

    private void sweepIfDue(long now) {
        long last = lastSweep.get();
        if (now - last < SWEEP_INTERVAL_MS || !lastSweep.compareAndSet(last, now)) return;
        expiryByUse.values().removeIf(expiresAt -> expiresAt < now);
    }

    /** How many uses are remembered (expired ones not yet swept included). */
    int size() { return expiryByUse.size(); }

    @Override
    public void close() {
        closed = true;
        expiryByUse.clear();
    }
}
