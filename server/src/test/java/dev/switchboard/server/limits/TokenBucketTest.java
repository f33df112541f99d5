package dev.switchboard.server.limits;

import dev.switchboard.server.testing.MovableClock;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

class TokenBucketTest {
    private final MovableClock clock = new MovableClock(1_000_000);

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
}
