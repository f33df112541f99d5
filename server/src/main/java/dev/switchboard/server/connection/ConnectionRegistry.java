package dev.switchboard.server.connection;

import dev.switchboard.server.auth.Principal;
import dev.switchboard.server.channel.Channel;
import dev.switchboard.server.channel.ChannelRegistry;
import io.vertx.core.Vertx;

import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This server's connections by id: the live ones, and those whose transport dropped and that may still
 * be resumed until their state TTL runs out. Thread-safe.
 */
public final class ConnectionRegistry {
    private final Map<String, ClientConnection> live = new ConcurrentHashMap<>();
    private final Map<String, Suspended> suspended = new ConcurrentHashMap<>();

    /**
     * What is kept of a connection whose transport dropped, so the same client can resume it; its presence
     * members stay until {@code leaveTimer} fires.
     */
    record Suspended(String connectionId, String connectionKey, String appId, String clientId, long expiresAt,
                     Set<Channel> presenceChannels, long leaveTimer) {}

    private final Vertx vertx;
    private final ChannelRegistry channels;

    public ConnectionRegistry(Vertx vertx, ChannelRegistry channels) {
        this.vertx = vertx;
        this.channels = channels;
    }

    void add(ClientConnection c) { live.put(c.connectionId(), c); }

    void remove(ClientConnection c) { live.remove(c.connectionId(), c); }

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

    public ClientConnection get(String connectionId) { return live.get(connectionId); }

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

    private void sweep(long now) {
        for (Iterator<Suspended> it = suspended.values().iterator(); it.hasNext(); ) if (it.next().expiresAt() < now) it.remove();
    }
}
