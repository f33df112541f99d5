package dev.switchboard.server.limits;

import dev.switchboard.server.broker.RedisBroker;
import dev.switchboard.server.broker.RedisSupport;
import dev.switchboard.server.broker.RedisSupport.Script;
import dev.switchboard.server.protocol.ErrorCode;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link RateLimiter} in Redis (standalone or Cluster): every node on the same Redis takes from one budget per
 * address, so a client cannot multiply its budget by the number of nodes behind the load balancer.
 *
 * <p>The bucket is a GCRA, the token bucket kept as one number: {@code sb:rate:<name>:<address>} (escaped, no hash
 * tag) holds when the address's bucket is full again, and expires then, so idle addresses need no sweep. One script
 * per call ({@code redis/take-permit.lua}) reads and moves it; Redis runs scripts one at a time, so racing nodes
 * cannot overdraw. Times are this limiter's clock (sent with each call, in µs so that a period not divisible by the
 * permits loses nothing): nodes share budgets as exactly as their clocks agree. Futures complete on Lettuce threads;
 * a Redis that is down, slow past the command timeout or refusing fails them with a retriable 50003.
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final Script TAKE_PERMIT = Script.load(RedisRateLimiter.class, "take-permit");

    private final RedisSupport.Clients redis;
    private final boolean ownsConnection;
    private final Clock clock;
    private final String prefix;
    private final int permits;
    private final long periodMs;
    private final byte[] periodUs;
    private final byte[] intervalUs;
    private volatile boolean closed;

    private RedisRateLimiter(RedisSupport.Clients redis, boolean ownsConnection, Clock clock, String name, int permits, long periodMs) {
        if (permits < 1 || periodMs < 1) throw new IllegalArgumentException("a budget needs permits and a period");
        this.redis = redis;
        this.ownsConnection = ownsConnection;
        this.clock = clock;
        this.prefix = "sb:rate:" + RedisSupport.escape(name) + ":";
        this.permits = permits;
        this.periodMs = periodMs;
        this.periodUs = ascii(periodMs * 1000);
        // Rounded down, so that a full burst of permits always fits in one period.
        this.intervalUs = ascii(Math.max(1, periodMs * 1000 / permits));
    }

    /**
     * A limiter on a connection shared with other Redis stores ({@link #close()} leaves it open). {@code name} tells
     * budgets apart (e.g. {@code token-requests:rest}): limiters of the same name on any node share one budget per
     * address, so they must be created with the same permits and period.
     */
    public static RedisRateLimiter create(RedisSupport.Clients redis, Clock clock, String name, int permits, long periodMs) {
        return new RedisRateLimiter(redis, false, clock, name, permits, periodMs);
    }

    /** A limiter with its own connection to the Redis of {@code config}, closed with it. Blocks while connecting. */
    public static RedisRateLimiter connect(RedisBroker.Config config, Clock clock, String name, int permits, long periodMs) {
        RedisSupport.Clients redis = RedisSupport.Clients.connect(config);
        try {
            return new RedisRateLimiter(redis, true, clock, name, permits, periodMs);
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    @Override
    public CompletionStage<Boolean> tryAcquire(String address) {
        if (closed) return CompletableFuture.failedStage(ErrorCode.TIMEOUT.exception("The rate limiter is closed"));
        return redis.run(TAKE_PERMIT, "count the request against its rate limit", List.of(key(address)),
                        List.of(ascii(clock.millis() * 1000), periodUs, intervalUs))
                .thenApply(reply -> ((Long) reply.get(0)) == 1L);
    }

    /** The key of an address's bucket. */
    byte[] key(String address) {
        return (prefix + RedisSupport.escape(address)).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int permits() { return permits; }

    @Override
    public long periodMs() { return periodMs; }

    private static byte[] ascii(long n) { return Long.toString(n).getBytes(StandardCharsets.US_ASCII); }

    /** Later calls fail (50003); calls already sent still complete. Closes the connection if this limiter opened it. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (ownsConnection) redis.close();
    }
}
