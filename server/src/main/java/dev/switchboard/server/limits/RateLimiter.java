package dev.switchboard.server.limits;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A budget of permits per remote address (e.g. token requests per minute per IP), asked from event loops.
 *
 * <p>Contract, for every implementation:
 * <ul>
 *   <li>{@link #tryAcquire} never blocks the caller. It completes {@code true} when it took one permit and
 *       {@code false} when the address has used its budget; a refusal takes nothing.</li>
 *   <li>The budget is a token bucket: {@link #permits()} per {@link #periodMs()} sustained, and as much as a burst.
 *       Permits come back continuously (one every {@code periodMs / permits}), never more than {@code permits} saved.
 *       The limiter's clock decides.</li>
 *   <li>However many callers race, no more permits are granted than the bucket holds. An implementation shared by
 *       several nodes (Redis) makes them all take from one budget per address.</li>
 *   <li>What is kept of an address is forgotten once its bucket is full again: what a limiter holds follows the
 *       addresses active within one period.</li>
 *   <li>When the limiter cannot tell (Redis down, limiter closed) the stage fails with a retriable error (50003);
 *       the caller refuses the request rather than letting it through unlimited.</li>
 *   <li>An implementation that decides without I/O answers with the shared stages {@link #ALLOWED} and
 *       {@link #REFUSED}, already complete: the memory path allocates nothing, and a caller may compare by identity
 *       to answer at once instead of scheduling a continuation.</li>
 * </ul>
 * Implementations: {@link MemoryRateLimiter} (one process) and {@link RedisRateLimiter} (shared by every node on a
 * Redis or Redis Cluster).
 */
public interface RateLimiter extends AutoCloseable {
    /** A permit was taken (complete; completing it again throws). */
    CompletionStage<Boolean> ALLOWED = CompletableFuture.completedStage(Boolean.TRUE);
    /** The address has used its budget (complete; completing it again throws). */
    CompletionStage<Boolean> REFUSED = CompletableFuture.completedStage(Boolean.FALSE);

    /** Takes one permit for {@code address}: true when taken, false when over budget. */
    CompletionStage<Boolean> tryAcquire(String address);

    /** The budget: permits per period, and the largest burst. */
    int permits();

    long periodMs();

    /** Later calls fail (50003). */
    @Override
    void close();
}
