package dev.switchboard.server.limits;

import org.junit.jupiter.api.Test;

import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@link RateLimiter} contract for the memory limiter, and its answers that allocate nothing. */
class MemoryRateLimiterTest extends RateLimiterContract {

    @Override
    RateLimiter open(Clock clock, int permits, long periodMs) {
        return new MemoryRateLimiter(clock, permits, periodMs);
    }

    @Override
    long remembered(RateLimiter limiter) {
        return ((MemoryRateLimiter) limiter).size();
    }

    @Test
    void answersAreTheSharedCompletedStages() throws Exception {
        RateLimiter limiter = limiter(1, 60_000);
        assertThat((Object) limiter.tryAcquire("10.0.0.1")).isSameAs(RateLimiter.ALLOWED);
        assertThat((Object) limiter.tryAcquire("10.0.0.1")).isSameAs(RateLimiter.REFUSED);
    }
}
