package dev.switchboard.server.auth;

import java.time.Clock;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers token request nonces for as long as their timestamps are inside the acceptance window, so a
 * replayed request is refused (40105). Memory is bounded by the request rate times the window.
 */
public final class NonceCache {
    private final Clock clock;
    private final long windowMs;
    private final Map<String, Long> seen = new ConcurrentHashMap<>();
    private long lastSweep;

    public NonceCache(Clock clock, long windowMs) {
        this.clock = clock;
        this.windowMs = windowMs;
    }

    /** Records the nonce; false when the same key already used it within the window. */
    public boolean firstUse(String keyName, String nonce, long requestTimestamp) {
        sweep();
        return seen.putIfAbsent(keyName + "\n" + nonce, requestTimestamp + windowMs) == null;
    }

    private void sweep() {
        long now = clock.millis();
        if (now - lastSweep < 1000) return;
        lastSweep = now;
        for (Iterator<Long> it = seen.values().iterator(); it.hasNext(); ) if (it.next() < now) it.remove();
    }
}
