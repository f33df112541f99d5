package dev.switchboard.server.broker;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Presence of one node, in memory; calls complete before they return. Leases matter only to a node that holds
 * members of other nodes, which a single node never does, but they behave as the contract says so the shared
 * contract suite holds for it too.
 */
public final class MemoryPresenceManager implements PresenceManager {
    private final Clock clock;
    private final Map<ChannelKey, LinkedHashMap<String, Member>> channels = new ConcurrentHashMap<>();
    private final Map<String, Long> leaseUntil = new ConcurrentHashMap<>();

    public MemoryPresenceManager(Clock clock) { this.clock = clock; }

    @Override
    public CompletableFuture<Member> apply(ChannelKey channel, Change change) {
        LinkedHashMap<String, Member> members = channels.computeIfAbsent(channel, c -> new LinkedHashMap<>());
        synchronized (members) {
            String key = change.clientId() + "\n" + change.connectionId();
            Member present = members.get(key);
            Member result = switch (change.action()) {
                case ENTER, UPDATE -> {
                    if (change.action() == Action.ENTER && present != null && present.memberId().equals(change.memberId())) {
                        // Nothing anyone sees changes, but the member is now the asking node's (see the contract).
                        members.put(key, new Member(present.action(), present.clientId(), present.connectionId(), change.nodeId(),
                                present.memberId(), present.timestamp(), present.data()));
                        yield null;
                    }
                    Member m = new Member(change.action(), change.clientId(), change.connectionId(), change.nodeId(), change.memberId(),
                            change.timestamp(), change.data());
                    // An UPDATE or a new ENTER keeps the member's place in entry order.
                    members.put(key, m);
                    yield m;
                }
                case LEAVE -> {
                    if (present == null) yield null;
                    members.remove(key);
                    yield new Member(Action.LEAVE, change.clientId(), change.connectionId(), change.nodeId(), change.memberId(),
                            change.timestamp(), change.data() != null ? change.data() : present.data());
                }
            };
            return CompletableFuture.completedFuture(result);
        }
    }

    @Override
    public CompletableFuture<List<Member>> members(ChannelKey channel) {
        LinkedHashMap<String, Member> members = channels.get(channel);
        if (members == null) return CompletableFuture.completedFuture(List.of());
        synchronized (members) {
            return CompletableFuture.completedFuture(List.copyOf(members.values()));
        }
    }

    @Override
    public CompletableFuture<Void> renew(String nodeId, long leaseMs) {
        leaseUntil.put(nodeId, clock.millis() + leaseMs);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<List<Departure>> expireLapsed() {
        long now = clock.millis();
        List<Departure> departed = new ArrayList<>();
        for (Map.Entry<ChannelKey, LinkedHashMap<String, Member>> e : channels.entrySet()) {
            LinkedHashMap<String, Member> members = e.getValue();
            synchronized (members) {
                for (Iterator<Member> it = members.values().iterator(); it.hasNext(); ) {
                    Member m = it.next();
                    Long until = leaseUntil.get(m.nodeId());
                    if (until != null && until >= now) continue;
                    it.remove();
                    departed.add(new Departure(e.getKey(), new Member(Action.LEAVE, m.clientId(), m.connectionId(), m.nodeId(),
                            m.memberId(), now, m.data())));
                }
            }
        }
        return CompletableFuture.completedFuture(departed);
    }

    @Override
    public void close() {
        channels.clear();
        leaseUntil.clear();
    }
}
