package dev.switchboard.server.connection;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTest {
    private final MutableClock clock = new MutableClock(1_000_000);

    @Test
    void fullBurstThenRefused() {
        RateLimiter limiter = new RateLimiter(clock, 10);
        for (int i = 0; i < 10; i++) assertThat(limiter.tryAcquire(1)).as("message " + i).isTrue();
        assertThat(limiter.tryAcquire(1)).isFalse();
    }

    @Test
    void refillsAtTheRate() {
        RateLimiter limiter = new RateLimiter(clock, 10);
        assertThat(limiter.tryAcquire(10)).isTrue();
        clock.advance(99);
        assertThat(limiter.tryAcquire(1)).isFalse();
        clock.advance(1);
        assertThat(limiter.tryAcquire(1)).isTrue();
        assertThat(limiter.tryAcquire(1)).isFalse();
        clock.advance(500);
        assertThat(limiter.tryAcquire(5)).isTrue();
        assertThat(limiter.tryAcquire(1)).isFalse();
    }

    @Test
    void refusalTakesNothing() {
        RateLimiter limiter = new RateLimiter(clock, 10);
        assertThat(limiter.tryAcquire(7)).isTrue();
        assertThat(limiter.tryAcquire(4)).isFalse();
        assertThat(limiter.tryAcquire(3)).isTrue();
    }

    @Test
    void idleTimeAccruesNoMoreThanOneSecondsWorth() {
        RateLimiter limiter = new RateLimiter(clock, 10);
        limiter.tryAcquire(10);
        clock.advance(60_000);
        assertThat(limiter.tryAcquire(10)).isTrue();
        assertThat(limiter.tryAcquire(1)).isFalse();
    }

    @Test
    void batchLargerThanTheBurstIsAlwaysRefused() {
        RateLimiter limiter = new RateLimiter(clock, 10);
        assertThat(limiter.tryAcquire(11)).isFalse();
        assertThat(limiter.tryAcquire(0)).isTrue();
        assertThat(limiter.tryAcquire(10)).isTrue();
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private long millis;

        MutableClock(long millis) { this.millis = millis; }

        void advance(long ms) { millis += ms; }

        @Override public long millis() { return millis; }

        @Override public Instant instant() { return Instant.ofEpochMilli(millis); }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }

        @Override public Clock withZone(ZoneId zone) { return this; }
    }
}
