package dev.switchboard.server.limits;

import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.testing.MovableClock;
import dev.switchboard.server.util.Futures;
import org.junit.jupiter.api.AfterEach;
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

/** What every {@link RateLimiter} promises (see its Javadoc), run against each implementation by a subclass. */
abstract class RateLimiterContract {
    static final long T0 = 1_700_000_000_000L;

    final MovableClock clock = new MovableClock(T0);
    private final List<RateLimiter> opened = new ArrayList<>();

    /** A limiter on {@code clock} with {@code permits} per {@code periodMs}, holding nothing yet. */
    abstract RateLimiter open(Clock clock, int permits, long periodMs) throws Exception;

    /** How many addresses {@code limiter} keeps something of, full buckets not yet forgotten included. */
    abstract long remembered(RateLimiter limiter) throws Exception;

    RateLimiter limiter(int permits, long periodMs) throws Exception {
        RateLimiter l = open(clock, permits, periodMs);
        opened.add(l);
        return l;
    }

    @AfterEach
    void closeLimiters() { opened.forEach(RateLimiter::close); }

    static boolean take(RateLimiter limiter, String address) throws Exception {
        return limiter.tryAcquire(address).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void eachAddressHasItsOwnBudgetAndPermitsComeBackAtTheRate() throws Exception {
        RateLimiter limiter = limiter(3, 60_000);
        assertThat(limiter.permits()).isEqualTo(3);
        assertThat(limiter.periodMs()).isEqualTo(60_000);
        for (int i = 0; i < 3; i++) assertThat(take(limiter, "10.0.0.1")).as("burst permit %d", i).isTrue();
        assertThat(take(limiter, "10.0.0.1")).isFalse();
        assertThat(take(limiter, "10.0.0.2")).as("another address").isTrue();
        clock.advance(19_999);
        assertThat(take(limiter, "10.0.0.1")).as("just before a third of the period").isFalse();
        clock.advance(1);
        assertThat(take(limiter, "10.0.0.1")).as("one permit back after a third of the period").isTrue();
        assertThat(take(limiter, "10.0.0.1")).isFalse();
    }

    @Test
    void refusalsTakeNothing() throws Exception {
        RateLimiter limiter = limiter(2, 1_000);
        assertThat(take(limiter, "10.0.0.1")).isTrue();
        assertThat(take(limiter, "10.0.0.1")).isTrue();
        for (int i = 0; i < 50; i++) assertThat(take(limiter, "10.0.0.1")).isFalse();
        clock.advance(500);
        assertThat(take(limiter, "10.0.0.1")).as("the refusals did not push the refill back").isTrue();
        assertThat(take(limiter, "10.0.0.1")).isFalse();
    }

    @Test
    void idleTimeSavesNoMoreThanOneBurst() throws Exception {
        RateLimiter limiter = limiter(3, 60_000);
        for (int i = 0; i < 3; i++) take(limiter, "10.0.0.1");
        clock.advance(10 * 60_000);
        for (int i = 0; i < 3; i++) assertThat(take(limiter, "10.0.0.1")).isTrue();
        assertThat(take(limiter, "10.0.0.1")).isFalse();
    }

    @Test
    void aPeriodNotDivisibleByThePermitsStillGivesTheWholeBurstAndTheRate() throws Exception {
        RateLimiter limiter = limiter(7, 1_000);
        for (int i = 0; i < 7; i++) assertThat(take(limiter, "10.0.0.1")).as("burst permit %d", i).isTrue();
        assertThat(take(limiter, "10.0.0.1")).isFalse();
        clock.advance(142);
        assertThat(take(limiter, "10.0.0.1")).as("142 ms < 1000/7 ms").isFalse();
        clock.advance(1);
        assertThat(take(limiter, "10.0.0.1")).as("143 ms > 1000/7 ms").isTrue();
    }

    @Test
    void addressesAreKeptApartWhateverTheirCharacters() throws Exception {
        RateLimiter limiter = limiter(1, 60_000);
        for (String address : List.of("2001:db8::1", "2001:db8::1:0", "2001:db8:", ":1", "fe80::1%eth0", "fe80::1%25eth0", "{a}", "unknown")) {
            assertThat(take(limiter, address)).as(address).isTrue();
        }
        assertThat(take(limiter, "2001:db8::1")).isFalse();
    }

    @Test
    void racingCallersGetNoMoreThanTheBurst() throws Exception {
        RateLimiter limiter = limiter(5, 60_000);
        int racers = 16;
        ExecutorService threads = Executors.newFixedThreadPool(racers);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Boolean>> outcomes = new ArrayList<>();
            for (int i = 0; i < racers; i++) {
                outcomes.add(CompletableFuture.supplyAsync(() -> {
                    awaitQuietly(go);
                    return limiter.tryAcquire("10.0.0.1");
                }, threads).thenCompose(s -> s));
            }
            go.countDown();
            long granted = 0;
            for (CompletableFuture<Boolean> o : outcomes) if (o.get(10, TimeUnit.SECONDS)) granted++;
            assertThat(granted).isEqualTo(5);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void manyAddressesAtOnceEachGetTheirBudget() throws Exception {
        RateLimiter limiter = limiter(1, 60_000);
        int addresses = 2_000;
        List<CompletableFuture<Boolean>> first = new ArrayList<>();
        for (int i = 0; i < addresses; i++) first.add(limiter.tryAcquire("10.1." + (i / 256) + "." + (i % 256)).toCompletableFuture());
        for (CompletableFuture<Boolean> f : first) assertThat(f.get(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Boolean>> again = new ArrayList<>();
        for (int i = addresses - 1; i >= 0; i--) again.add(limiter.tryAcquire("10.1." + (i / 256) + "." + (i % 256)).toCompletableFuture());
        for (CompletableFuture<Boolean> f : again) assertThat(f.get(10, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void addressesWhoseBucketRefilledAreForgotten() throws Exception {
        RateLimiter limiter = limiter(2, 3_000);
        for (int i = 0; i < 50; i++) {
            assertThat(take(limiter, "10.2.0." + i)).isTrue();
            assertThat(take(limiter, "10.2.0." + i)).isTrue();
        }
        assertThat(remembered(limiter)).isEqualTo(50);
        clock.advance(3_000);
        // What is kept of an address lasts a period at most (the memory limiter sweeps when called after one).
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            take(limiter, "10.2.1.0");
            return remembered(limiter) <= 1;
        });
        assertThat(take(limiter, "10.2.0.0")).as("a forgotten address has its whole budget").isTrue();
        assertThat(take(limiter, "10.2.0.0")).isTrue();
        assertThat(take(limiter, "10.2.0.0")).isFalse();
    }

    @Test
    void aClosedLimiterCannotTellAndSaysSoRetriably() throws Exception {
        RateLimiter limiter = limiter(3, 60_000);
        limiter.close();
        assertThatThrownBy(() -> take(limiter, "10.0.0.1"))
                .extracting(Futures::cause)
                .isInstanceOfSatisfying(SwitchboardException.class, e -> {
                    assertThat(e.error().code()).isEqualTo(50003);
                    assertThat(e.error().retriable()).isTrue();
                });
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
