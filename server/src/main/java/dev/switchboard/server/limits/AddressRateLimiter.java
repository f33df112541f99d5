package dev.switchboard.server.limits;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A request budget per remote address (e.g. token requests per minute per IP), safe to use from every event loop.
 * Addresses whose bucket has refilled are forgotten, so memory follows the addresses active within one period.
 */
public final class AddressRateLimiter {
    private final Clock clock;
    private final int permits;
    private final long periodMs;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private volatile long lastSweep;

    public AddressRateLimiter(Clock clock, int permits, long periodMs) {
        this.clock = clock;
        this.permits = permits;
        this.periodMs = periodMs;
        this.lastSweep = clock.millis();
    }

    /** Takes one permit for {@code address}; false when that address has used its budget. */
    public boolean tryAcquire(String address) {
        sweepNowAndThen();
        TokenBucket bucket = buckets.computeIfAbsent(address, a -> new TokenBucket(clock, permits, periodMs));
        synchronized (bucket) {
            return bucket.tryAcquire(1);
        }
    }

    public int permits() { return permits; }

    private void sweepNowAndThen() {
        long now = clock.millis();
        if (now - lastSweep < periodMs) return;
        lastSweep = now;
        buckets.values().removeIf(b -> {
            synchronized (b) {
                return b.isFull();
            }
        });
    }
}
