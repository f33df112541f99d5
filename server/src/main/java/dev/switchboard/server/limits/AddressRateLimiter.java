package dev.switchboard.server.limits;

import dev.switchboard.server.config.Limits;
import dev.switchboard.server.config.Settings;
import dev.switchboard.server.protocol.ErrorCode;
import io.vertx.core.net.SocketAddress;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A request budget per remote address (e.g. token requests per minute per IP), safe to use from every event loop.
 * Addresses whose bucket has refilled are forgotten, so memory follows the addresses active within one period.
 */
public final class AddressRateLimiter {
    private final Clock clock;
    private final int permits;
    private final long periodMs;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private volatile long lastSweep;

    public AddressRateLimiter(Clock clock, int permits, long periodMs) {
        this.clock = clock;
        this.permits = permits;
        this.periodMs = periodMs;
        this.lastSweep = clock.millis();
    }

    /** Takes one permit for {@code address}; false when that address has used its budget. */
    public boolean tryAcquire(String address) {
        sweepNowAndThen();
        TokenBucket bucket = buckets.computeIfAbsent(address, a -> new TokenBucket(clock, permits, periodMs));
        synchronized (bucket) {
            return bucket.tryAcquire(1);
        }
    }

    public int permits() { return permits; }

    /** A token endpoint's budget ({@link Limits#tokenRequestsPerMinute()}); each endpoint has its own. */
    public static AddressRateLimiter forTokenRequests(Clock clock, Limits limits) {
        return new AddressRateLimiter(clock, limits.tokenRequestsPerMinute(), 60_000);
    }

    /** Takes a token request's permit for {@code address}, or refuses it (429, 42910) naming the limit and its setting. */
    public void acquireTokenRequest(String address) {
        if (!tryAcquire(address)) {
            throw ErrorCode.RATE_LIMIT.exception("Too many token requests from this address; the limit is " + permits
                    + " per minute (" + Settings.TOKEN_REQUESTS_PER_MINUTE.env() + ")");
        }
    }

    /** The IP address of a peer, as the per-address limits count it. */
    public static String addressOf(SocketAddress remote) {
        if (remote == null) return "unknown";
        return remote.hostAddress() != null ? remote.hostAddress() : remote.toString();
    }

    private void sweepNowAndThen() {
        long now = clock.millis();
        if (now - lastSweep < periodMs) return;
        lastSweep = now;
        buckets.values().removeIf(b -> {
            synchronized (b) {
                return b.isFull();
            }
        });
    }
}
