package dev.switchboard.server.connection;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where nodes find a connection another node held, so that a client whose node went away resumes it (same connection
 * id, RESUMED) on whichever node the load balancer picks. Only what a resume needs: the key, the connection id and
 * whose it is; channels resume from their own serials.
 *
 * <p>Contract, for every implementation:
 * <ul>
 *   <li>{@link #remember} keeps each entry for {@code ttlMs} from the call (a later call for the same key replaces it
 *       and restarts its time); after that it may be gone.</li>
 *   <li>{@link #claim} gives an entry to exactly one caller, however many race, and forgets it; null when there is
 *       none (never remembered, expired, or claimed already).</li>
 *   <li>Never blocks the caller; failures are retriable {@code SwitchboardException}s (50003): a caller that cannot
 *       tell treats the resume as failed (the client gets a new connection and 80008, never a stolen one).</li>
 * </ul>
 */
public interface ResumeDirectory extends AutoCloseable {

    /** A connection as a resume finds it. */
    record Entry(String connectionKey, String connectionId, String appId, String clientId) {}

    CompletableFuture<Void> remember(List<Entry> entries, long ttlMs);

    CompletableFuture<Entry> claim(String connectionKey);

    @Override
    void close();
}
