package dev.switchboard.server.limits;

import dev.switchboard.server.testing.MovableClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AddressRateLimiterTest {
    private final MovableClock clock = new MovableClock(1_000_000);
    private final AddressRateLimiter limiter = new AddressRateLimiter(clock, 3, 60_000);

    @Test
    void eachAddressHasItsOwnBudgetPerPeriod() {
        for (int i = 0; i < 3; i++) assertThat(limiter.tryAcquire("10.0.0.1")).isTrue();
        assertThat(limiter.tryAcquire("10.0.0.1")).isFalse();
        assertThat(limiter.tryAcquire("10.0.0.2")).as("another address").isTrue();
        clock.advance(20_000);
        assertThat(limiter.tryAcquire("10.0.0.1")).as("one permit back after a third of the period").isTrue();
        assertThat(limiter.tryAcquire("10.0.0.1")).isFalse();
    }

    @Test
    void anAddressIdleForAPeriodStartsWithAFullBudget() {
        for (int i = 0; i < 3; i++) limiter.tryAcquire("10.0.0.1");
        clock.advance(60_000);
        limiter.tryAcquire("10.0.0.9"); // sweeps addresses whose bucket refilled
        for (int i = 0; i < 3; i++) assertThat(limiter.tryAcquire("10.0.0.1")).isTrue();
        assertThat(limiter.tryAcquire("10.0.0.1")).isFalse();
    }
}
