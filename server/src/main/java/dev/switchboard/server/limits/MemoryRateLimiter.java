package dev.switchboard.server.limits;

import dev.switchboard.server.protocol.ErrorCode;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * {@link RateLimiter} in this process's memory: one {@link TokenBucket} per address, safe to use from every event
 * loop. Buckets that have refilled are swept at most once a period, on the caller's thread (a map scan, no I/O).
 * Answers are the shared {@link #ALLOWED} / {@link #REFUSED} stages, so a permit allocates nothing once the address
 * has its bucket.
 */
public final class MemoryRateLimiter implements RateLimiter {
    private final Clock clock;
    private final int permits;
    private final long periodMs;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    // Built once: a lambda capturing this, written inline, would be a new object on every call.
    private final Function<String, TokenBucket> newBucket;
    private volatile long lastSweep;
    private volatile boolean closed;

    public MemoryRateLimiter(Clock clock, int permits, long periodMs) {
        if (permits < 1 || periodMs < 1) throw new IllegalArgumentException("a budget needs permits and a period");
        this.clock = clock;
        this.permits = permits;
        this.periodMs = periodMs;
        this.newBucket = address -> new TokenBucket(clock, permits, periodMs);
        this.lastSweep = clock.millis();
    }

    @Override
    public CompletionStage<Boolean> tryAcquire(String address) {
        if (closed) return CompletableFuture.failedStage(ErrorCode.TIMEOUT.exception("The rate limiter is closed"));
        sweepNowAndThen();
        TokenBucket bucket = buckets.get(address);
        if (bucket == null) bucket = buckets.computeIfAbsent(address, newBucket);
        synchronized (bucket) {
            return bucket.tryAcquire(1) ? ALLOWED : REFUSED;
        }
    }

    @Override
    public int permits() { return permits; }

    @Override
    public long periodMs() { return periodMs; }

    /** How many addresses have a bucket (full ones not yet swept included). */
    int size() { return buckets.size(); }

    private void sweepNowAndThen() {
        long now = clock.millis();
        if (now - lastSweep < periodMs) return;
        lastSweep = now;
        // A full bucket is what a new address gets: forgetting it changes nothing.
        buckets.values().removeIf(b -> {
            synchronized (b) {
                return b.isFull();
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        buckets.clear();
    }
}
