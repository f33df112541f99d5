package dev.switchboard.server.limits;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class TokenBucketTest {
    private final MutableClock clock = new MutableClock(1_000_000);

    @Test
    void fullBurstThenRefused() {
        TokenBucket limiter = TokenBucket.perSecond(clock, 10);
        for (int i = 0; i < 10; i++) assertThat(limiter.tryAcquire(1)).as("message " + i).isTrue();
        assertThat(limiter.tryAcquire(1)).isFalse();
    }

    @Test
    void refillsAtTheRate() {
        TokenBucket limiter = TokenBucket.perSecond(clock, 10);
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
        TokenBucket limiter = TokenBucket.perSecond(clock, 10);
        assertThat(limiter.tryAcquire(7)).isTrue();
        assertThat(limiter.tryAcquire(4)).isFalse();
        assertThat(limiter.tryAcquire(3)).isTrue();
    }

    @Test
    void idleTimeAccruesNoMoreThanOneSecondsWorth() {
        TokenBucket limiter = TokenBucket.perSecond(clock, 10);
        limiter.tryAcquire(10);
        clock.advance(60_000);
        assertThat(limiter.tryAcquire(10)).isTrue();
        assertThat(limiter.tryAcquire(1)).isFalse();
    }

    @Test
    void batchLargerThanTheBurstIsAlwaysRefused() {
        TokenBucket limiter = TokenBucket.perSecond(clock, 10);
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
