package dev.switchboard.server.connection;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link ResumeDirectory} in this process's memory: the contract's reference, and for tests. */
public final class MemoryResumeDirectory implements ResumeDirectory {
    private record Held(Entry entry, long expiresAt) {}

    private final Clock clock;
    private final Map<String, Held> entries = new ConcurrentHashMap<>();

    public MemoryResumeDirectory(Clock clock) { this.clock = clock; }

    @Override
    public CompletableFuture<Void> remember(List<Entry> batch, long ttlMs) {
        long expiresAt = clock.millis() + ttlMs;
        for (Entry e : batch) entries.put(e.connectionKey(), new Held(e, expiresAt));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Entry> claim(String connectionKey) {
        Held held = entries.remove(connectionKey);
        return CompletableFuture.completedFuture(held == null || held.expiresAt() < clock.millis() ? null : held.entry());
    }

    @Override
    public void close() { entries.clear(); }
}
