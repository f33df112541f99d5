package dev.switchboard.server.auth;

import java.util.concurrent.CompletableFuture;

/**
 * Where the nonces of used TokenRequests are remembered, so that a captured request cannot be exchanged a second
 * time while its timestamp is still inside the acceptance window (40105). A nonce belongs to its key: the same nonce
 * under another key is a different use.
 *
 * <p>Contract, for every implementation:
 * <ul>
 *   <li>{@link #firstUse} never blocks the caller (it is called on event loops); its future completes on a thread
 *       of the store.</li>
 *   <li>It completes {@code true} for exactly one call per (key name, nonce) while that use is remembered, however
 *       many callers race; every other call completes {@code false}.</li>
 *   <li>A use is remembered at least until the store's clock passes its {@code expiresAt} (inclusive); after that
 *       it may be forgotten, and a use found expired counts as a first use again. Expired uses are swept, so what
 *       a store holds is bounded by the request rate times the window.</li>
 *   <li>{@code true} is only given once the use is as durable as the store can make it (committed, for a database):
 *       a store that outlives the process refuses the replay after a restart.</li>
 *   <li>When the store cannot tell (database down, store closed), the future fails with a retriable error
 *       (50003); the caller must refuse the request, never accept it.</li>
 * </ul>
 * Implementations: {@link MemoryNonceStore} (one process, forgotten on restart),
 * {@link PgNonceStore} (PostgreSQL, shared by every node on the database) and {@link RedisNonceStore} (Redis, shared
 * by every node on it).
 */
public interface NonceStore extends AutoCloseable {

    /** Records that {@code keyName} used {@code nonce}, to be remembered until {@code expiresAt} (epoch millis). */
    CompletableFuture<Boolean> firstUse(String keyName, String nonce, long expiresAt);

    @Override
    void close();
}
