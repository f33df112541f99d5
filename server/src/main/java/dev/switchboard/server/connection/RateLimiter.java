package dev.switchboard.server.connection;

import java.time.Clock;

/** A token bucket: {@code ratePerSecond} sustained, the same amount as burst. Used on one thread only. */
final class RateLimiter {
    private final Clock clock;
    private final double ratePerMs;
    private final double capacity;
    private double tokens;
    private long last;

    RateLimiter(Clock clock, int ratePerSecond) {
        this.clock = clock;
        this.ratePerMs = ratePerSecond / 1000.0;
        this.capacity = ratePerSecond;
        this.tokens = capacity;
        this.last = clock.millis();
    }

    /** Takes {@code n} tokens; false (taking none) when the connection is over its rate. */
    boolean tryAcquire(int n) {
        long now = clock.millis();
        tokens = Math.min(capacity, tokens + (now - last) * ratePerMs);
        last = now;
        if (tokens < n) return false;
        tokens -= n;
        return true;
    }
}
