package dev.switchboard.server.limits;

import dev.switchboard.server.broker.RedisSupport;
import dev.switchboard.server.config.Limits;
import dev.switchboard.server.config.Settings;
import dev.switchboard.server.protocol.ErrorCode;
import io.vertx.core.net.SocketAddress;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A token endpoint's request budget per remote address, on a {@link RateLimiter}: this process's memory, or a Redis
 * shared by every node. Refusals are 429 (42910) naming the limit and its setting; a limiter that cannot tell fails
 * the request retriably (50003).
 */
public final class AddressRateLimiter {
    private static final CompletionStage<Void> GRANTED = CompletableFuture.completedStage(null);

    private final RateLimiter limiter;

    public AddressRateLimiter(RateLimiter limiter) {
        this.limiter = limiter;
    }

    /** A budget in this process's memory. */
    public AddressRateLimiter(Clock clock, int permits, long periodMs) {
        this(new MemoryRateLimiter(clock, permits, periodMs));
    }

    /** A token endpoint's budget ({@link Limits#tokenRequestsPerMinute()}) in memory; each endpoint has its own. */
    public static AddressRateLimiter forTokenRequests(Clock clock, Limits limits) {
        return new AddressRateLimiter(new MemoryRateLimiter(clock, limits.tokenRequestsPerMinute(), 60_000));
    }

    /**
     * A token endpoint's budget in Redis, shared by every node: {@code endpoint} names it (e.g. {@code rest},
     * {@code chat}) so that each endpoint keeps its own. The caller closes {@code redis}.
     */
    public static AddressRateLimiter forTokenRequests(RedisSupport.Clients redis, Clock clock,
                                                      Limits limits, String endpoint) {
        return new AddressRateLimiter(RedisRateLimiter.create(redis, clock, "token-requests:" + endpoint,
                limits.tokenRequestsPerMinute(), 60_000));
    }

    public int permits() { return limiter.permits(); }

    public RateLimiter limiter() { return limiter; }

    /**
     * Takes a token request's permit for {@code address}. Completes when granted; fails with 42910 (429) naming the
     * limit and its setting when refused, or 50003 when the limiter cannot tell. A memory limiter answers at once
     * with a shared, completed stage.
     */
    public CompletionStage<Void> acquireTokenRequest(String address) {
        CompletionStage<Boolean> taken;
        try {
            taken = limiter.tryAcquire(address);
        } catch (RuntimeException e) {
            return CompletableFuture.failedStage(e);
        }
        if (taken == RateLimiter.ALLOWED) return GRANTED;
        if (taken == RateLimiter.REFUSED) return CompletableFuture.failedStage(refusal());
        return taken.thenApply(granted -> {
            if (!granted) throw refusal();
            return null;
        });
    }

    private RuntimeException refusal() {
        return ErrorCode.RATE_LIMIT.exception("Too many token requests from this address; the limit is " + limiter.permits()
                + " per minute (" + Settings.TOKEN_REQUESTS_PER_MINUTE.env() + ")");
    }

    /** The IP address of a peer, as the per-address limits count it. */
    public static String addressOf(SocketAddress remote) {
        if (remote == null) return "unknown";
        return remote.hostAddress() != null ? remote.hostAddress() : remote.toString();
    }
}
