package dev.switchboard.server.rules;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryPolicyTest {

    @Test
    void backoffDoublesFromTheInitialWaitUpToTheCap() {
        RetryPolicy p = new RetryPolicy(10, 100, 1_000, 0);
        assertThat(p.backoffMs(1, 0.5)).isEqualTo(100);
        assertThat(p.backoffMs(2, 0.5)).isEqualTo(200);
        assertThat(p.backoffMs(3, 0.5)).isEqualTo(400);
        assertThat(p.backoffMs(4, 0.5)).isEqualTo(800);
        assertThat(p.backoffMs(5, 0.5)).isEqualTo(1_000);
        assertThat(p.backoffMs(60, 0.5)).isEqualTo(1_000); // no overflow for large attempt numbers
    }

    @Test
    void jitterTakesAtMostItsFractionOff() {
        RetryPolicy p = new RetryPolicy(10, 1_000, 60_000, 0.25);
        assertThat(p.backoffMs(1, 0.0)).isEqualTo(1_000);
        assertThat(p.backoffMs(1, 0.5)).isEqualTo(875);
        assertThat(p.backoffMs(1, 0.999999)).isBetween(750L, 751L);
        assertThat(p.backoffMs(3, 0.5)).isEqualTo(3_500);
    }

    @Test
    void retriesUntilMaxAttempts() {
        RetryPolicy p = new RetryPolicy(3, 0, 0, 0);
        assertThat(p.retriesAfter(1)).isTrue();
        assertThat(p.retriesAfter(2)).isTrue();
        assertThat(p.retriesAfter(3)).isFalse();
        assertThat(new RetryPolicy(1, 0, 0, 0).retriesAfter(1)).isFalse();
        assertThat(p.backoffMs(2, 0.3)).isZero();
    }

    @Test
    void rejectsInconsistentPolicies() {
        assertThatThrownBy(() -> new RetryPolicy(0, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryPolicy(1, 10, 5, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryPolicy(1, 1, 5, 1.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
