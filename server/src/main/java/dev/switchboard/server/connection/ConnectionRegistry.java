package dev.switchboard.server.connection;

import dev.switchboard.server.auth.Principal;
import dev.switchboard.server.channel.Channel;
import dev.switchboard.server.channel.ChannelRegistry;
import io.vertx.core.Vertx;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This server's connections by id: the live ones, and those whose transport dropped and that may still
 * be resumed until their state TTL runs out. Thread-safe.
 */
public final class ConnectionRegistry {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ConnectionRegistry.class);
    private final Map<String, ClientConnection> live = new ConcurrentHashMap<>();
    private final Map<String, Suspended> suspended = new ConcurrentHashMap<>();
    /** Comet transports by connection key, until their client has taken their last frames (a CLOSED, say). */
    private final Map<String, CometTransport> comet = new ConcurrentHashMap<>();

    /**
     * What is kept of a connection whose transport dropped, so the same client can resume it; its presence
     * members stay until {@code leaveTimer} fires.
     */
    record Suspended(String connectionId, String connectionKey, String appId, String clientId, long expiresAt,
                     Set<Channel> presenceChannels, long leaveTimer) {}

    private final Vertx vertx;
    private final ChannelRegistry channels;
    /** Set when several nodes share connections' resume state; null on a single node. */
    private volatile ResumeDirectory directory;

    public ConnectionRegistry(Vertx vertx, ChannelRegistry channels) {
        this.vertx = vertx;
        this.channels = channels;
    }

    void add(ClientConnection c) { live.put(c.connectionId(), c); }

    void remove(ClientConnection c) { live.remove(c.connectionId(), c); }

    void addComet(String connectionKey, CometTransport transport) { comet.put(connectionKey, transport); }

    void removeComet(String connectionKey, CometTransport transport) { comet.remove(connectionKey, transport); }

    /** The comet transport of the connection {@code connectionKey} names; null when there is none. Any thread. */
    CometTransport comet(String connectionKey) { return comet.get(connectionKey); }

    void suspend(ClientConnection c, Principal principal, long expiresAt, Set<Channel> presenceChannels, long graceMs) {
        long timer = -1;
        if (!presenceChannels.isEmpty()) {
            Set<Channel> held = Set.copyOf(presenceChannels);
            timer = vertx.setTimer(Math.max(1, graceMs), id -> {
                Suspended s = suspended.get(c.connectionId());
                if (s != null && s.leaveTimer() == id) {
                    suspended.put(s.connectionId(), new Suspended(s.connectionId(), s.connectionKey(), s.appId(), s.clientId(),
                            s.expiresAt(), Set.of(), -1));
                }
                if (s == null || s.leaveTimer() == id) for (Channel ch : held) channels.leaveAll(ch, c.connectionId());
            });
        }
        suspended.put(c.connectionId(), new Suspended(c.connectionId(), c.connectionKey(), principal.appId(), c.clientId(), expiresAt,
                Set.copyOf(presenceChannels), timer));
    }

    /**
     * Claims the connection a resume key names, live (its old transport not yet noticed as gone) or
     * suspended; null when it is unknown, expired, or belongs to other credentials.
     */
    Suspended claim(String connectionKey, String appId, String clientId, long now) {
        sweep(now);
        int bang = connectionKey.indexOf('!');
        if (bang <= 0) return null;
        String id = connectionKey.substring(0, bang);
        ClientConnection old = live.get(id);
        if (old != null && old.connectionKey().equals(connectionKey) && old.appId().equals(appId)
                && java.util.Objects.equals(old.clientId(), clientId)) {
            Suspended s = new Suspended(id, connectionKey, appId, old.clientId(), now, old.presenceChannels(), -1);
            old.supersede();
            suspended.remove(id);
            return s;
        }
        Suspended s = suspended.get(id);
        if (s == null || !s.connectionKey().equals(connectionKey) || !s.appId().equals(appId) || s.expiresAt() < now
                || !java.util.Objects.equals(s.clientId(), clientId)) return null;
        if (!suspended.remove(id, s)) return null;
        if (s.leaveTimer() >= 0) vertx.cancelTimer(s.leaveTimer());
        return s;
    }

    /**
     * Shares this node's connections with the other nodes through {@code directory}: every {@code ttlMs / 3} the live
     * ones are remembered for {@code ttlMs}, the suspended ones until their own expiry, so a client whose node dies can
     * resume on another (within the connection-state TTL, as on one node).
     */
    public void shareThrough(ResumeDirectory directory, long ttlMs, java.time.Clock clock) {
        this.directory = directory;
        vertx.setPeriodic(Math.max(100, ttlMs / 3), id -> refresh(ttlMs, clock.millis()));
    }

    /** Remembers a new connection at once: its node may die before the next refresh. */
    void announce(ClientConnection c, long ttlMs) {
        ResumeDirectory d = directory;
        if (d == null) return;
        d.remember(List.of(new ResumeDirectory.Entry(c.connectionKey(), c.connectionId(), c.appId(), c.clientId())), ttlMs)
                .whenComplete((v, e) -> { if (e != null) log.debug("Connection {} not shared for resume: {}", c.connectionId(), e.toString()); });
    }

    private void refresh(long ttlMs, long now) {
        ResumeDirectory d = directory;
        if (d == null) return;
        List<ResumeDirectory.Entry> entries = new java.util.ArrayList<>(live.size());
        for (ClientConnection c : live.values()) entries.add(new ResumeDirectory.Entry(c.connectionKey(), c.connectionId(), c.appId(), c.clientId()));
        d.remember(entries, ttlMs).whenComplete((v, e) -> { if (e != null) log.warn("Connections not shared for resume: {}", e.toString()); });
        for (Suspended s : suspended.values()) {
            if (s.expiresAt() <= now) continue;
            d.remember(List.of(new ResumeDirectory.Entry(s.connectionKey(), s.connectionId(), s.appId(), s.clientId())), s.expiresAt() - now);
        }
    }

    ResumeDirectory directory() { return directory; }

    /**
     * A connection another node held, claimed from the shared directory for {@code appId}/{@code clientId}; null when
     * there is none, it is someone else's, or the directory cannot tell (the resume then fails: never a stolen one).
     */
    java.util.concurrent.CompletableFuture<Suspended> claimShared(String connectionKey, String appId, String clientId) {
        ResumeDirectory d = directory;
        if (d == null) return java.util.concurrent.CompletableFuture.completedFuture(null);
        return d.claim(connectionKey).handle((entry, error) -> {
            if (error != null) {
                log.warn("Resume of {} not looked up in the shared directory: {}", connectionKey, error.toString());
                return null;
            }
            if (entry == null || !entry.appId().equals(appId) || !java.util.Objects.equals(entry.clientId(), clientId)) return null;
            if (live.containsKey(entry.connectionId())) return null;
            return new Suspended(entry.connectionId(), entry.connectionKey(), entry.appId(), entry.clientId(), Long.MAX_VALUE, Set.of(), -1);
        });
    }

    public ClientConnection get(String connectionId) { return live.get(connectionId); }

    /** The id of this node's live connection of app {@code appId} that {@code connectionKey} names; null when there is none. */
    public String liveConnectionId(String connectionKey, String appId) {
        int bang = connectionKey.indexOf('!');
        ClientConnection c = bang <= 0 ? null : live.get(connectionKey.substring(0, bang));
        return c != null && c.connectionKey().equals(connectionKey) && c.appId().equals(appId) ? c.connectionId() : null;
    }

    public int size() { return live.size(); }

    /**
     * Tells every live connection the server is going away (DISCONNECTED, 80003) and closes its transport, keeping it
     * resumable, so clients reconnect at once (through a load balancer, to another node) instead of waiting for their
     * idle timer. Completes when every connection has done so.
     */
    public java.util.concurrent.CompletableFuture<Void> disconnectAll(String reason) {
        java.util.List<java.util.concurrent.CompletableFuture<Void>> done = new java.util.ArrayList<>();
        for (ClientConnection c : live.values()) done.add(c.disconnect(reason));
        return java.util.concurrent.CompletableFuture.allOf(done.toArray(new java.util.concurrent.CompletableFuture[0]));
    }

    public Collection<ClientConnection> all() { return live.values(); }

    /** Has every live connection of {@code appId} check its token again (a revocation took effect). */
    public void recheckCredentials(String appId) {
        for (ClientConnection c : live.values()) if (c.appId().equals(appId)) c.recheckCredentials();
    }

    private void sweep(long now) {
        for (Iterator<Suspended> it = suspended.values().iterator(); it.hasNext(); ) if (it.next().expiresAt() < now) it.remove();
    }
}
