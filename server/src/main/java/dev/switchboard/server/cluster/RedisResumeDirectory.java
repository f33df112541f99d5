package dev.switchboard.server.cluster;

import dev.switchboard.server.broker.RedisSupport;
import dev.switchboard.server.connection.ResumeDirectory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link ResumeDirectory} in Redis: one key per connection ({@code sb:resume:<connection key>}) holding its id, app
 * and clientId, with Redis's own expiry; a claim reads and deletes it in one script, so one node gets it.
 */
public final class RedisResumeDirectory implements ResumeDirectory {
    private static final RedisSupport.Script REMEMBER = RedisSupport.Script.load(RedisResumeDirectory.class, "resume-remember");
    private static final RedisSupport.Script CLAIM = RedisSupport.Script.load(RedisResumeDirectory.class, "resume-claim");
    private static final char SEPARATOR = '\u0000';

    private final RedisSupport.Clients redis;
    private final boolean cluster;

    /** On {@code redis}, which the caller owns; {@code cluster}: keys of one call may not share a slot. */
    public RedisResumeDirectory(RedisSupport.Clients redis, boolean cluster) {
        this.redis = redis;
        this.cluster = cluster;
    }

    @Override
    public CompletableFuture<Void> remember(List<Entry> entries, long ttlMs) {
        if (entries.isEmpty()) return CompletableFuture.completedFuture(null);
        // In a Cluster the keys of one script must share a slot: one call per key (Lettuce pipelines them).
        int perCall = cluster ? 1 : 500;
        List<CompletableFuture<List<Object>>> calls = new ArrayList<>();
        for (int from = 0; from < entries.size(); from += perCall) {
            List<Entry> part = entries.subList(from, Math.min(entries.size(), from + perCall));
            List<byte[]> keys = new ArrayList<>(part.size());
            List<byte[]> args = new ArrayList<>(part.size() + 1);
            args.add(ascii(Long.toString(Math.max(1, ttlMs))));
            for (Entry e : part) {
                keys.add(key(e.connectionKey()));
                args.add((e.connectionId() + SEPARATOR + e.appId() + SEPARATOR + (e.clientId() == null ? "" : e.clientId())).getBytes(StandardCharsets.UTF_8));
            }
            calls.add(redis.run(REMEMBER, "remember connections for resume", keys, args));
        }
        return CompletableFuture.allOf(calls.toArray(new CompletableFuture[0]));
    }

    @Override
    public CompletableFuture<Entry> claim(String connectionKey) {
        return redis.run(CLAIM, "find the connection to resume", List.of(key(connectionKey)), List.of()).thenApply(reply -> {
            if (reply.isEmpty()) return null;
            String[] f = new String((byte[]) reply.get(0), StandardCharsets.UTF_8).split(String.valueOf(SEPARATOR), -1);
            if (f.length != 3) return null;
            return new Entry(connectionKey, f[0], f[1], f[2].isEmpty() ? null : f[2]);
        });
    }

    @Override
    public void close() {
        // the connection is the caller's
    }

    private static byte[] key(String connectionKey) { return ascii("sb:resume:" + RedisSupport.escape(connectionKey)); }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.UTF_8); }
}
