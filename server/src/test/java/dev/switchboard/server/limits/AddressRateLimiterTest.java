package dev.switchboard.server.limits;

import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.testing.MovableClock;
import dev.switchboard.server.util.Futures;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The token endpoints' use of a {@link RateLimiter}: what a refusal and a limiter that cannot tell become. */
class AddressRateLimiterTest {
    private final MovableClock clock = new MovableClock(1_000_000);

    private static void acquire(AddressRateLimiter limiter, String address) throws Exception {
        limiter.acquireTokenRequest(address).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRefusalIs42910NamingTheLimitAndItsSetting() throws Exception {
        AddressRateLimiter limiter = new AddressRateLimiter(clock, 3, 60_000);
        for (int i = 0; i < 3; i++) acquire(limiter, "10.0.0.1");
        assertThatThrownBy(() -> acquire(limiter, "10.0.0.1"))
                .extracting(Futures::cause)
                .isInstanceOfSatisfying(SwitchboardException.class, e -> {
                    assertThat(e.error().code()).isEqualTo(42910);
                    assertThat(e.error().statusCode()).isEqualTo(429);
                    assertThat(e.error().message()).contains("3 per minute", "SWITCHBOARD_TOKEN_REQUESTS_PER_MINUTE");
                });
        acquire(limiter, "10.0.0.2");
    }

    @Test
    void aMemoryLimiterAnswersAtOnce() {
        AddressRateLimiter limiter = new AddressRateLimiter(clock, 1, 60_000);
        assertThat(limiter.acquireTokenRequest("10.0.0.1").toCompletableFuture().isDone()).isTrue();
        CompletableFuture<Void> refused = limiter.acquireTokenRequest("10.0.0.1").toCompletableFuture();
        assertThat(refused.isCompletedExceptionally()).isTrue();
    }

    @Test
    void aLimiterAnsweringLaterIsWaitedForAndItsFailureStays50003() throws Exception {
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        AddressRateLimiter limiter = new AddressRateLimiter(new AnswersWith(answer));
        CompletionStage<Void> granted = limiter.acquireTokenRequest("10.0.0.1");
        assertThat(granted.toCompletableFuture().isDone()).isFalse();
        answer.complete(true);
        granted.toCompletableFuture().get(10, TimeUnit.SECONDS);

        CompletableFuture<Boolean> refusedLater = CompletableFuture.completedFuture(false);
        assertThatThrownBy(() -> acquire(new AddressRateLimiter(new AnswersWith(refusedLater)), "10.0.0.1"))
                .extracting(Futures::cause)
                .isInstanceOfSatisfying(SwitchboardException.class, e -> assertThat(e.error().code()).isEqualTo(42910));

        CompletableFuture<Boolean> cannotTell = CompletableFuture.failedFuture(ErrorCode.TIMEOUT.exception("Redis is down"));
        assertThatThrownBy(() -> acquire(new AddressRateLimiter(new AnswersWith(cannotTell)), "10.0.0.1"))
                .extracting(Futures::cause)
                .isInstanceOfSatisfying(SwitchboardException.class, e -> assertThat(e.error().code()).isEqualTo(50003));
    }

    /** A limiter whose every answer is {@code answer}, as a remote one answers later. */
    private record AnswersWith(CompletableFuture<Boolean> answer) implements RateLimiter {
        @Override public CompletionStage<Boolean> tryAcquire(String address) { return answer; }
        @Override public int permits() { return 3; }
        @Override public long periodMs() { return 60_000; }
        @Override public void close() {}
    }
}
