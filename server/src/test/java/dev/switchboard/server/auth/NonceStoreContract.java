package dev.switchboard.server.auth;

import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.util.Futures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** What every {@link NonceStore} promises (see its Javadoc), run against each implementation by a subclass. */
abstract class NonceStoreContract {
    static final long T0 = 1_700_000_000_000L;
    static final long WINDOW = 600_000;

    final TokenServiceTest.MutableClock clock = new TokenServiceTest.MutableClock(T0);
    NonceStore store;

    /** A store on {@code clock} that remembers nothing yet. */
    abstract NonceStore open(Clock clock) throws Exception;

    /** How many uses the store holds, expired ones not yet swept included. */
    abstract long remembered() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = open(clock);
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    boolean firstUse(String keyName, String nonce, long expiresAt) throws Exception {
        return store.firstUse(keyName, nonce, expiresAt).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aUseIsFirstOnceAndAReplayIsRefused() throws Exception {
        assertThat(firstUse("app.key", "nonce-0123456789", T0 + WINDOW)).isTrue();
        assertThat(firstUse("app.key", "nonce-0123456789", T0 + WINDOW)).as("replay").isFalse();
        assertThat(firstUse("app.key", "nonce-0123456789", T0 + 2 * WINDOW)).as("replay asking for a later expiry").isFalse();
    }

    @Test
    void aNonceBelongsToItsKey() throws Exception {
        assertThat(firstUse("app.a", "nonce-0123456789", T0 + WINDOW)).isTrue();
        assertThat(firstUse("app.b", "nonce-0123456789", T0 + WINDOW)).isTrue();
        assertThat(firstUse("app.b", "nonce-0123456789", T0 + WINDOW)).isFalse();
    }

    @Test
    void aUseIsRememberedUntilItsExpiryInclusiveAndIsFirstAgainAfter() throws Exception {
        assertThat(firstUse("app.key", "nonce-0123456789", T0 + 10_000)).isTrue();
        clock.set(T0 + 10_000);
        assertThat(firstUse("app.key", "nonce-0123456789", T0 + 20_000)).as("at its expiry").isFalse();
        clock.set(T0 + 10_001);
        assertThat(firstUse("app.key", "nonce-0123456789", T0 + 20_000)).as("past its expiry").isTrue();
        assertThat(firstUse("app.key", "nonce-0123456789", T0 + 20_000)).as("remembered again, until the new expiry").isFalse();
    }

    @Test
    void racingCallersGetExactlyOneFirstUse() throws Exception {
        int racers = 16;
        ExecutorService threads = Executors.newFixedThreadPool(racers);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Boolean>> outcomes = new ArrayList<>();
            for (int i = 0; i < racers; i++) {
                outcomes.add(CompletableFuture.supplyAsync(() -> {
                    awaitQuietly(go);
                    return store.firstUse("app.key", "raced-0123456789", T0 + WINDOW);
                }, threads).thenCompose(f -> f));
            }
            go.countDown();
            long firsts = 0;
            for (CompletableFuture<Boolean> o : outcomes) if (o.get(10, TimeUnit.SECONDS)) firsts++;
            assertThat(firsts).isEqualTo(1);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void manyUsesAtOnceAreEachFirstOnce() throws Exception {
        int uses = 5_000;
        List<CompletableFuture<Boolean>> first = new ArrayList<>();
        for (int i = 0; i < uses; i++) first.add(store.firstUse("app.key", "bulk-nonce-" + i, T0 + WINDOW));
        for (CompletableFuture<Boolean> f : first) assertThat(f.get(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Boolean>> again = new ArrayList<>();
        for (int i = uses - 1; i >= 0; i--) again.add(store.firstUse("app.key", "bulk-nonce-" + i, T0 + WINDOW));
        for (CompletableFuture<Boolean> f : again) assertThat(f.get(10, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void expiredUsesAreSweptSoTheStoreStaysBounded() throws Exception {
        for (int i = 0; i < 100; i++) assertThat(firstUse("app.key", "short-lived-" + i, T0 + 1_000)).isTrue();
        assertThat(firstUse("app.key", "long-lived-0123456789", T0 + 3_600_000)).isTrue();
        assertThat(remembered()).isEqualTo(101);

        clock.set(T0 + 5 * 60_000);
        assertThat(firstUse("app.key", "after-the-sweep-interval", T0 + 5 * 60_000 + WINDOW)).isTrue();

        await().atMost(Duration.ofSeconds(10)).until(() -> remembered() == 2);
        assertThat(firstUse("app.key", "long-lived-0123456789", T0 + 3_600_000)).as("a live use is kept").isFalse();
    }

    @Test
    void aClosedStoreCannotTellAndSaysSoRetriably() {
        store.close();
        assertThatThrownBy(() -> firstUse("app.key", "nonce-0123456789", T0 + WINDOW))
                .extracting(Futures::cause)
                .isInstanceOfSatisfying(SwitchboardException.class, e -> assertThat(e.error().code()).isEqualTo(50003));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
