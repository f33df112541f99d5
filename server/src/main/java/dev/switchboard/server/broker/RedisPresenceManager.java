package dev.switchboard.server.broker;

import dev.switchboard.server.broker.RedisSupport.Script;
import dev.switchboard.server.protocol.ErrorCode;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.switchboard.server.broker.RedisSupport.ascii;
import static dev.switchboard.server.broker.RedisSupport.guard;
import static dev.switchboard.server.broker.RedisSupport.readBytes;
import static dev.switchboard.server.broker.RedisSupport.text;
import static dev.switchboard.server.broker.RedisSupport.utf8;

/**
 * Presence shared by several nodes, on Redis 7 (standalone or Cluster) through Lettuce's asynchronous API. How it
 * keeps the {@link PresenceManager} contract:
 * <ul>
 *   <li><b>Atomic changes per channel.</b> Each {@link #apply} is one Lua script on the channel's keys, which share
 *       the channel's hash tag (one slot): {@code sb:{tag}:members}, a hash from {@code clientId\nconnectionId} to the
 *       member (MessagePack: node, member id, action, timestamp, data as raw bytes, and Redis's time of the write), and
 *       {@code sb:{tag}:order}, a sorted set giving entry order. The script decides null (same ENTER, absent LEAVE)
 *       itself, so counts stay exact however many nodes apply at once.</li>
 *   <li><b>Leases.</b> {@link #renew} sets {@code until} in the node's hash {@code sb:node:{id}:lease} by Redis's
 *       clock (never the JVM's), so nodes agree on who lapsed. Before an ENTER or UPDATE the node adds the channel to
 *       its index {@code sb:node:{id}:channels} and itself to {@code sb:presence:nodes}, the nodes expiry looks at.</li>
 *   <li><b>Expiry, each member reported once.</b> In a Cluster the lease and the channel live in different slots, so
 *       one script cannot check both. {@link #expireLapsed} therefore runs per node a script that, when the lease has
 *       lapsed, moves the node's channel index to {@code sb:node:{id}:stale} and returns a cutoff (Redis's time now);
 *       then per channel one script removes that node's members written before the cutoff and returns them. Scripts
 *       run one at a time, so a member is removed, and reported, by exactly one caller; members the node writes after
 *       the cutoff (it came back) stay.</li>
 *   <li><b>Reads.</b> {@link #members} is one script reading the order set and the hash.</li>
 *   <li><b>Non-blocking and fallible.</b> Futures complete on Lettuce threads; any Redis failure or timeout (2 s by
 *       default) fails them with a retriable {@link ErrorCode#TIMEOUT} (50003). The factories connect before they
 *       return (they block).</li>
 * </ul>
 * A node should {@link #renew} before its first {@link #apply}: members of a node without a live lease are lapsed
 * (as in {@link MemoryPresenceManager}). Limits: a removal whose reply is lost (a timeout after Redis ran the script)
 * is reported to nobody; in a Cluster the cutoff and the write times come from two servers' clocks, so a member a
 * returning node writes within their skew of the cutoff may be expired too; a node writing after its lease lapsed
 * (without renewing) can, in a narrow race with an expiry, leave a member that no later expiry finds.
 */
public final class RedisPresenceManager implements PresenceManager {
    private static final Logger log = LoggerFactory.getLogger(RedisPresenceManager.class);
    private static final byte[] NODES = utf8("sb:presence:nodes");

    private static final Script APPLY = Script.load("presence", "presence-apply");
    private static final Script MEMBERS = Script.load("presence", "presence-members");
    private static final Script EXPIRE = Script.load("presence", "presence-expire");
    private static final Script RENEW = Script.load("presence", "presence-renew");
    private static final Script LAPSED = Script.load("presence", "presence-lapsed");

    private final RedisSupport.Clients clients;
    private volatile boolean closed;

    private RedisPresenceManager(RedisBroker.Config config) { this.clients = RedisSupport.Clients.connect(config); }

    /** Presence on the Redis of {@code config} (the broker's configuration: same Redis, same timeouts). */
    public static RedisPresenceManager create(RedisBroker.Config config) { return new RedisPresenceManager(config); }

    public static RedisPresenceManager standalone(String redisUrl) { return create(RedisBroker.Config.standalone(redisUrl)); }

    public static RedisPresenceManager cluster(List<String> hostPorts) { return create(RedisBroker.Config.cluster(hostPorts)); }

    @Override
    public CompletableFuture<Member> apply(ChannelKey channel, Change change) {
        if (closed) return closedFailure();
        String tag = RedisSupport.tag(channel);
        // Indexed (and the node registered, in case it never renewed) before the member is written: a node that dies
        // between the two leaves an extra index entry, never a member that no expiry would find. Both in parallel.
        CompletableFuture<?> indexed = change.action() == Action.LEAVE ? CompletableFuture.completedFuture(null)
                : CompletableFuture.allOf(
                        guard("index the presence of " + change.nodeId() + " on " + channel,
                                () -> clients.commands.sadd(NodeKeys.of(change.nodeId()).channels, utf8(tag))),
                        guard("register node " + change.nodeId(), () -> clients.commands.sadd(NODES, utf8(change.nodeId()))));
        List<byte[]> args = List.of(utf8(change.action().name()), utf8(change.clientId() + "\n" + change.connectionId()),
                utf8(change.clientId()), utf8(change.connectionId()), utf8(change.nodeId()), utf8(change.memberId()),
                ascii(change.timestamp()), ascii(change.data() == null ? 0 : 1), change.data() == null ? new byte[0] : change.data());
        return indexed.thenCompose(ignored -> run(APPLY, "apply a presence change on " + channel, channelKeys(channel), args))
                .thenApply(reply -> reply.isEmpty() ? null : decode(reply.get(0)));
    }

    @Override
    public CompletableFuture<List<Member>> members(ChannelKey channel) {
        if (closed) return closedFailure();
        return run(MEMBERS, "read the members of " + channel, channelKeys(channel), List.of()).thenApply(reply -> {
            List<Member> members = new ArrayList<>(reply.size());
            for (Object value : reply) members.add(decode(value));
            return members;
        });
    }

    @Override
    public CompletableFuture<Void> renew(String nodeId, long leaseMs) {
        if (closed) return closedFailure();
        NodeKeys node = NodeKeys.of(nodeId);
        // Registered on every renew: a registration removed by an expiry racing with this renew comes back next time.
        return run(RENEW, "renew the lease of " + nodeId, node.all(), List.of(ascii(leaseMs)))
                .thenCompose(ignored -> guard("register node " + nodeId, () -> clients.commands.sadd(NODES, utf8(nodeId))))
                .thenApply(ignored -> null);
    }

    /**
     * A node or channel that fails is skipped and tried again by the next call (its channels stay in the node's stale
     * set), so members already removed are still reported; the call fails only when it removed nothing and something
     * failed.
     */
    @Override
    public CompletableFuture<List<Departure>> expireLapsed() {
        if (closed) return closedFailure();
        return guard("list the presence nodes", () -> clients.commands.smembers(NODES)).thenCompose(nodes -> {
            List<CompletableFuture<List<Departure>>> perNode = new ArrayList<>();
            for (byte[] node : nodes) perNode.add(expireNode(text(node)));
            return gather(perNode);
        });
    }

    /**
     * One node: whether it lapsed (its slot), then each of its channels (their slots). The lapse is read outside the
     * channel scripts because in a Cluster no script may touch both slots; keeping a lease copy in every channel instead
     * would make each renew write all of a node's channels. The cutoff keeps members a returning node writes after it.
     */
    private CompletableFuture<List<Departure>> expireNode(String nodeId) {
        NodeKeys node = NodeKeys.of(nodeId);
        return run(LAPSED, "check the lease of " + nodeId, node.all(), List.of()).thenCompose(reply -> {
            if (reply.isEmpty()) return CompletableFuture.completedFuture(List.<Departure>of());
            String first = text(reply.get(0));
            if (first.equals("gone")) {
                return guard("unregister node " + nodeId, () -> clients.commands.srem(NODES, utf8(nodeId)))
                        .thenApply(ignored -> List.<Departure>of());
            }
            List<CompletableFuture<List<Departure>>> perChannel = new ArrayList<>();
            for (Object tagBytes : reply.subList(1, reply.size())) {
                byte[] tag = (byte[]) tagBytes;
                ChannelKey channel = RedisSupport.untag(text(tag));
                perChannel.add(run(EXPIRE, "expire the members of " + nodeId + " on " + channel, channelKeys(channel),
                        List.of(utf8(nodeId), utf8(first))).thenCompose(removed -> {
                    List<Departure> departed = removed.stream().map(m -> new Departure(channel, decode(m))).toList();
                    // a failed SREM only means the channel is checked once more: the departures stand
                    return guard("unindex " + channel + " of " + nodeId, () -> clients.commands.srem(node.stale, tag))
                            .handle((ignored, failure) -> departed);
                }));
            }
            return gather(perChannel);
        });
    }

    /** The departures of every part that succeeded; a failure only when there are none and some part failed. */
    private static CompletableFuture<List<Departure>> gather(List<CompletableFuture<List<Departure>>> parts) {
        CompletableFuture<?>[] settled = parts.stream().map(f -> f.handle((ok, failure) -> null)).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(settled).thenApply(ignored -> {
            List<Departure> departed = new ArrayList<>();
            Throwable firstFailure = null;
            for (CompletableFuture<List<Departure>> f : parts) {
                try {
                    departed.addAll(f.join());
                } catch (RuntimeException e) {
                    if (firstFailure == null) firstFailure = RedisSupport.unwrap(e);
                    else log.warn("Expiring lapsed presence failed in part; the next round tries again ({})", RedisSupport.describe(e));
                }
            }
            if (departed.isEmpty() && firstFailure != null) throw RedisSupport.failure("expire lapsed presence", firstFailure);
            if (firstFailure != null) log.warn("Expiring lapsed presence failed in part; the next round tries again ({})", RedisSupport.describe(firstFailure));
            return departed;
        });
    }

    /** Closes the connection and Lettuce's threads; blocks up to a few seconds. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        clients.close();
    }

    private CompletableFuture<List<Object>> run(Script script, String what, List<byte[]> keys, List<byte[]> args) {
        return RedisSupport.run(clients.commands, script, what, keys, args);
    }

    private static <T> CompletableFuture<T> closedFailure() {
        return CompletableFuture.failedFuture(ErrorCode.TIMEOUT.exception("The Redis presence manager is closed"));
    }

    private static List<byte[]> channelKeys(ChannelKey channel) {
        String prefix = RedisSupport.channelPrefix(channel);
        return List.of(utf8(prefix + "members"), utf8(prefix + "order"));
    }

    /** A node's keys, all in the slot of its own hash tag. */
    record NodeKeys(byte[] lease, byte[] channels, byte[] stale) {
        static NodeKeys of(String nodeId) {
            String prefix = "sb:node:{" + RedisSupport.escape(nodeId) + "}:";
            return new NodeKeys(utf8(prefix + "lease"), utf8(prefix + "channels"), utf8(prefix + "stale"));
        }

        List<byte[]> all() { return List.of(lease, channels, stale); }
    }

    /** A member as the scripts store it (see presence.lua). */
    static Member decode(Object value) {
        try (MessageUnpacker in = MessagePack.newDefaultUnpacker((byte[]) value)) {
            in.unpackArrayHeader();
            Action action = Action.valueOf(text(readBytes(in)));
            String clientId = text(readBytes(in));
            String connectionId = text(readBytes(in));
            String nodeId = text(readBytes(in));
            String memberId = text(readBytes(in));
            long timestamp = Long.parseLong(text(readBytes(in)));
            byte[] data;
            if (in.getNextFormat().getValueType() == ValueType.BOOLEAN) {
                in.unpackBoolean();
                data = null;
            } else {
                data = readBytes(in);
            }
            return new Member(action, clientId, connectionId, nodeId, memberId, timestamp, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
