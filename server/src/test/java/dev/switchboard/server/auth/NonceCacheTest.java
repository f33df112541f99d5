package dev.switchboard.server.auth;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NonceCacheTest {
    private static final long T0 = 1_000_000L;

    @Test
    void secondUseWithinTheWindowIsRefused() {
        NonceCache cache = new NonceCache(new TokenServiceTest.MutableClock(T0), 10_000);
        assertThat(cache.firstUse("app.key", "n1", T0)).isTrue();
        assertThat(cache.firstUse("app.key", "n1", T0)).isFalse();
        assertThat(cache.firstUse("app.key", "n1", T0 + 5)).isFalse();
    }

    @Test
    void noncesAreScopedByKey() {
        NonceCache cache = new NonceCache(new TokenServiceTest.MutableClock(T0), 10_000);
        assertThat(cache.firstUse("app.a", "n1", T0)).isTrue();
        assertThat(cache.firstUse("app.b", "n1", T0)).isTrue();
    }

    @Test
    void nonceIsForgottenOnceItsTimestampLeavesTheWindow() {
        TokenServiceTest.MutableClock clock = new TokenServiceTest.MutableClock(T0);
        NonceCache cache = new NonceCache(clock, 10_000);
        assertThat(cache.firstUse("app.key", "n1", T0)).isTrue();
        clock.set(T0 + 10_000);
        assertThat(cache.firstUse("app.key", "n1", T0 + 10_000)).as("still inside the window").isFalse();
        // Expired entries are swept at most once a second: refusing a little longer is the safe side.
        clock.set(T0 + 12_000);
        assertThat(cache.firstUse("app.key", "n1", T0 + 12_000)).isTrue();
        assertThat(cache.firstUse("app.key", "n1", T0 + 12_000)).isFalse();
    }
}
