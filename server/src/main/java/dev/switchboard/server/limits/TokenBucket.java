package dev.switchboard.server.limits;

import java.time.Clock;

/** A token bucket: {@code permits} per {@code periodMs} sustained, the same amount as burst. Used on one thread at a time. */
public final class TokenBucket {
    private final Clock clock;
    private final double ratePerMs;
    private final double capacity;
    private double tokens;
    private long last;

    public TokenBucket(Clock clock, int permits, long periodMs) {
        this.clock = clock;
        this.ratePerMs = permits / (double) periodMs;
        this.capacity = permits;
        this.tokens = capacity;
        this.last = clock.millis();
    }

    /** {@code ratePerSecond} sustained and as burst. */
    public static TokenBucket perSecond(Clock clock, int ratePerSecond) { return new TokenBucket(clock, ratePerSecond, 1000); }

    /** Takes {@code n} tokens; false (taking none) when over the rate. */
    public boolean tryAcquire(int n) {
        refill();
        if (tokens < n) return false;
        tokens -= n;
        return true;
    }

    /** Whether the bucket has refilled completely, i.e. forgetting it changes nothing. */
    public boolean isFull() {
        refill();
        return tokens >= capacity;
    }

    private void refill() {
        long now = clock.millis();
        tokens = Math.min(capacity, tokens + Math.max(0, now - last) * ratePerMs);
        last = now;
    }
}
