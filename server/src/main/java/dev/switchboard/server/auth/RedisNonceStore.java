package dev.switchboard.server.auth;

import dev.switchboard.server.broker.RedisBroker;
import dev.switchboard.server.broker.RedisSupport;
import dev.switchboard.server.broker.RedisSupport.Script;
import dev.switchboard.server.protocol.ErrorCode;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@link NonceStore} in Redis (standalone or Cluster): every node on the same Redis shares the uses. Uses are lost
 * with Redis's data (no persistence, a failover to a replica that had not yet received them).
 *
 * <p>Each use is one key, {@code sb:nonce:<key name>:<nonce>} (both percent-escaped, so no hash tag and no two uses
 * share a key), holding its {@code expiresAt}. One script per call ({@code redis/first-use.lua}) reads and, unless a
 * live use is held, writes it: Redis runs scripts one at a time, so racing callers on any node see one first use.
 * Liveness is judged by this store's clock, like the memory and PostgreSQL stores (not by Redis's, which a plain
 * {@code SET NX PXAT} would use): the key's TTL, {@code expiresAt - now + 1} ms, only makes Redis forget it on its own,
 * which is the sweep. Futures complete on Lettuce threads; a Redis that is down, slow past the command timeout or
 * refusing fails them with a retriable 50003, never {@code true}.
 */
public final class RedisNonceStore implements NonceStore {
    private static final Script FIRST_USE = Script.load(RedisNonceStore.class, "first-use");
    private static final String PREFIX = "sb:nonce:";

    private final RedisSupport.Clients redis;
    private final boolean ownsConnection;
    private final Clock clock;
    private volatile boolean closed;

    /** A store on a connection shared with other Redis stores; {@link #close()} leaves it open. */
    public RedisNonceStore(RedisSupport.Clients redis, Clock clock) {
        this(redis, false, clock);
    }

    private RedisNonceStore(RedisSupport.Clients redis, boolean ownsConnection, Clock clock) {
        this.redis = redis;
        this.ownsConnection = ownsConnection;
        this.clock = clock;
    }

    /** A store with its own connection to the Redis of {@code config}, closed with it. Blocks while connecting. */
    public static RedisNonceStore connect(RedisBroker.Config config, Clock clock) {
        return new RedisNonceStore(RedisSupport.Clients.connect(config), true, clock);
    }

    @Override
    public CompletableFuture<Boolean> firstUse(String keyName, String nonce, long expiresAt) {
        if (closed) return CompletableFuture.failedFuture(ErrorCode.TIMEOUT.exception("The token nonce store is closed"));
        long now = clock.millis();
        // PX must be positive: a use that is already expired is still recorded, for a millisecond.
        long keepMs = Math.max(1, expiresAt - now + 1);
        return redis.run(FIRST_USE, "check the token request's nonce", List.of(key(keyName, nonce)),
                        List.of(ascii(expiresAt), ascii(now), ascii(keepMs)))
                .thenApply(reply -> ((Long) reply.get(0)) == 1L);
    }

    /** The key of a use. */
    static byte[] key(String keyName, String nonce) {
        return (PREFIX + RedisSupport.escape(keyName) + ":" + RedisSupport.escape(nonce)).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(long n) { return Long.toString(n).getBytes(StandardCharsets.US_ASCII); }

    /** Later calls fail (50003); calls already sent still complete. Closes the connection if this store opened it. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (ownsConnection) redis.close();
    }
}
