package dev.switchboard.server.broker;

import dev.switchboard.server.broker.RedisSupport.Script;
import dev.switchboard.server.protocol.ErrorCode;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static dev.switchboard.server.broker.RedisSupport.ascii;
import static dev.switchboard.server.broker.RedisSupport.describe;
import static dev.switchboard.server.broker.RedisSupport.failure;
import static dev.switchboard.server.broker.RedisSupport.readBytes;
import static dev.switchboard.server.broker.RedisSupport.text;
import static dev.switchboard.server.broker.RedisSupport.unwrap;
import static dev.switchboard.server.broker.RedisSupport.utf8;

/**
 * The broker shared by several nodes, on Redis 7: a standalone server or a Redis Cluster, through Lettuce's
 * asynchronous API. How it keeps the {@link Broker} contract:
 * <ul>
 *   <li><b>Atomic publish per channel.</b> One Lua script per publish ({@code EVALSHA}, {@code EVAL} when the server
 *       lost its script cache) runs alone on Redis: per entry it finds the id's idempotency key (kept for the dedup
 *       window, holding epoch and first offset) or increments the top offset ({@code HINCRBY}), appends to the
 *       channel's stream with the offset as stream id ({@code XADD <offset>-0}), then trims and publishes one notice.
 *       Concurrent publishes from any node are ordered by Redis.</li>
 *   <li><b>Epochs.</b> A channel's meta hash holds its epoch and top offset; a missing meta hash (the channel expired
 *       or Redis lost its data) makes the script start a new epoch, from Redis's clock and a random suffix.</li>
 *   <li><b>Notification.</b> The script {@code PUBLISH}es (Cluster: {@code SPUBLISH}, sharded by the channel's hash
 *       tag) the epoch and the appended entries; scripts run one at a time, so notices leave in offset order, and one
 *       pub/sub connection per node (per shard in a Cluster) delivers them in order, on a Lettuce I/O thread.
 *       {@link #subscribe} completes when Redis confirmed the (S)SUBSCRIBE. While the pub/sub connection is down
 *       notices are missed: offsets then jump, and the subscriber heals with {@link #since}.</li>
 *   <li><b>Retention.</b> The stream is trimmed to {@code maxEntries} by every publish, and by age (by the append
 *       time Redis's clock stamped, never below {@code minEntries}) lazily from the head. A channel's keys expire
 *       {@code max(maxAgeMs, dedupWindowMs)} plus a margin after its last publish, so idle channels vanish whole:
 *       their next use is a new epoch (the minEntries floor holds only while a channel lives).</li>
 *   <li><b>Non-blocking and fallible.</b> Every call is one asynchronous script; futures complete on Lettuce threads.
 *       Commands time out after {@link Config#commandTimeout()}; an unreachable or failing Redis fails the future with
 *       a retriable {@link ErrorCode#TIMEOUT} (50003). The factories connect before they return (they block).</li>
 * </ul>
 * Keys of a channel share the hash tag {@code {appId:name}} (with {@code % { } :} percent-escaped), so every script
 * touches one slot: {@code sb:{tag}:meta} (hash), {@code sb:{tag}:log} (stream), {@code sb:{tag}:id:<id>} (strings)
 * and the notice channel {@code sb:{tag}:notices}.
 */
public final class RedisBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

    /** Keys outlive the longest retention by this much, so a channel in use never expires between two publishes. */
    static final long EXPIRY_MARGIN_MS = 60_000;
    private static final Duration RESUBSCRIBE_RETRY = Duration.ofMillis(500);

    private static final Script TOP = Script.load("channel", "top");
    private static final Script SINCE = Script.load("channel", "since");
    private static final Script HISTORY = Script.load("channel", "history");
    private static final Script PUBLISH = Script.load("channel", "publish");

    /**
     * Where Redis is: {@code redisUrl} for a standalone server or {@code clusterNodes} ({@code host:port} seeds) for a
     * Cluster, exactly one of them; commands and connects fail after {@code commandTimeout}.
     */
    public record Config(String redisUrl, List<String> clusterNodes, Duration commandTimeout) {
        public Config {
            if ((redisUrl == null) == (clusterNodes == null || clusterNodes.isEmpty())) {
                throw new IllegalArgumentException("give either a Redis URL or the Redis Cluster nodes");
            }
            clusterNodes = clusterNodes == null ? null : List.copyOf(clusterNodes);
            if (commandTimeout == null) commandTimeout = Duration.ofSeconds(2);
        }

        public static Config standalone(String redisUrl) { return new Config(redisUrl, null, null); }

        public static Config cluster(List<String> hostPorts) { return new Config(null, hostPorts, null); }

        public boolean isCluster() { return clusterNodes != null; }
    }

    private final Retention retention;
    private final long keyTtlMs;
    /** How long some channels' keys must outlive their last publish beyond {@link #keyTtlMs} (persisted namespaces). */
    private final java.util.function.ToLongFunction<ChannelKey> keepLonger;
    private final boolean cluster;
    private final RedisSupport.Clients clients;
    private final ClientResources resources;
    private final RedisClusterAsyncCommands<byte[], byte[]> commands;
    private final NoticeConnection notices;
    private final Disposable eventSubscription;

    /** The channels this node is subscribed to, by notice channel name; changed under {@link #subscriptionLock}. */
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    /** The (S)UNSUBSCRIBE still on its way per notice channel; a new subscribe waits for it. */
    private final Map<String, CompletableFuture<Void>> unsubscribing = new ConcurrentHashMap<>();
    private final Object subscriptionLock = new Object();
    private volatile boolean closed;

    /**
     * A broker on the Redis of {@code config}. The clock is not consulted: append times, retention, dedup windows and
     * TTLs all go by Redis's own clock, so that nodes whose clocks differ agree.
     */
    public static RedisBroker create(Config config, Clock clock, Retention retention) {
        return new RedisBroker(config, retention, channel -> 0);
    }

    /**
     * As {@link #create(Config, Clock, Retention)}, keeping a channel's keys at least {@code keepFor(channel)} ms after
     * its last publish: a channel whose messages a database keeps for days must not start a new epoch (a discontinuity
     * for its subscribers) only because nobody published for a few minutes. Its entries are still trimmed by age.
     */
    public static RedisBroker create(Config config, Clock clock, Retention retention, java.util.function.ToLongFunction<ChannelKey> keepFor) {
        return new RedisBroker(config, retention, keepFor);
    }

    /** A broker on the standalone Redis at {@code redisUrl} (e.g. {@code redis://host:6379}). */
    public static RedisBroker standalone(String redisUrl, Clock clock, Retention retention) {
        return create(Config.standalone(redisUrl), clock, retention);
    }

    /** A broker on the Redis Cluster reached through any of {@code hostPorts} ({@code host:port}). */
    public static RedisBroker cluster(List<String> hostPorts, Clock clock, Retention retention) {
        return create(Config.cluster(hostPorts), clock, retention);
    }

    private RedisBroker(Config config, Retention retention, java.util.function.ToLongFunction<ChannelKey> keepLonger) {
        this.retention = Objects.requireNonNull(retention, "retention");
        this.keepLonger = keepLonger;
        this.keyTtlMs = Math.max(retention.maxAgeMs(), retention.dedupWindowMs()) + EXPIRY_MARGIN_MS;
        this.cluster = config.isCluster();
        this.clients = RedisSupport.Clients.connect(config);
        this.resources = clients.resources;
        this.commands = clients.commands;
        try {
            notices = cluster ? new ShardedNotices(clients.clusterClient.connectPubSub(ByteArrayCodec.INSTANCE))
                    : new PlainNotices(clients.standaloneClient.connectPubSub(ByteArrayCodec.INSTANCE));
        } catch (RuntimeException e) {
            clients.close();
            throw ErrorCode.TIMEOUT.exception("Redis at " + (cluster ? config.clusterNodes() : config.redisUrl())
                    + " could not be reached (" + describe(e) + ")");
        }
        // Lettuce re-subscribes sharded channels only on the node that had them and in one command (CROSSSLOT when
        // they span slots); after a reconnect or a topology change this broker re-subscribes each channel itself.
        this.eventSubscription = cluster ? resources.eventBus().get()
                .filter(e -> e instanceof ClusterTopologyChangedEvent || e instanceof ConnectionActivatedEvent)
                .subscribe(e -> resubscribeAll()) : null;
    }

    // ---- the log ----

    @Override
    public CompletableFuture<Published> publish(ChannelKey channel, List<NewEntry> entries) {
        if (entries.isEmpty()) return top(channel).thenApply(top -> new Published(List.of(), List.of(), top));
        ChannelKeys keys = new ChannelKeys(channel);
        List<byte[]> keyList = new ArrayList<>(2 + entries.size());
        keyList.add(keys.meta);
        keyList.add(keys.log);
        List<byte[]> args = new ArrayList<>(9 + 4 * entries.size());
        addCommonArgs(args, channel);
        args.add(ascii(retention.maxEntries()));
        args.add(ascii(retention.minEntries()));
        args.add(ascii(retention.maxAgeMs()));
        args.add(ascii(retention.dedupWindowMs()));
        args.add(keys.notices);
        args.add(ascii(cluster ? 1 : 0));
        args.add(ascii(entries.size()));
        for (NewEntry e : entries) {
            boolean hasId = e.id() != null;
            if (hasId) keyList.add(keys.idKey(e.id()));
            args.add(ascii(hasId ? 1 : 0));
            args.add(hasId ? utf8(e.id()) : new byte[0]);
            args.add(ascii(e.timestamp()));
            args.add(e.payload() == null ? new byte[0] : e.payload());
        }
        return run(PUBLISH, "publish on " + channel, keyList, args).thenApply(reply -> {
            String epoch = text(reply.get(0));
            long top = (Long) reply.get(1);
            List<Long> offsets = new ArrayList<>(entries.size());
            List<Boolean> duplicates = new ArrayList<>(entries.size());
            for (int i = 2; i < reply.size(); i += 2) {
                offsets.add((Long) reply.get(i));
                duplicates.add((Long) reply.get(i + 1) == 1L);
            }
            return new Published(offsets, duplicates, new StreamPosition(epoch, top));
        });
    }

    @Override
    public CompletableFuture<StreamPosition> top(ChannelKey channel) {
        ChannelKeys keys = new ChannelKeys(channel);
        List<byte[]> args = new ArrayList<>(2);
        addCommonArgs(args, channel);
        return run(TOP, "read the position of " + channel, List.of(keys.meta, keys.log), args)
                .thenApply(reply -> new StreamPosition(text(reply.get(0)), (Long) reply.get(1)));
    }

    @Override
    public CompletableFuture<Since> since(ChannelKey channel, StreamPosition from, int limit) {
        ChannelKeys keys = new ChannelKeys(channel);
        List<byte[]> args = new ArrayList<>(6);
        addCommonArgs(args, channel);
        args.add(utf8(from.epoch()));
        args.add(ascii(from.offset()));
        args.add(ascii(Math.max(from.offset(), 0) + 1 + "-0"));
        // at least one entry is read even for limit 0: the first one after the position tells the continuity
        args.add(ascii(Math.max(limit, 1)));
        return run(SINCE, "read the log of " + channel, List.of(keys.meta, keys.log), args).thenApply(reply -> {
            StreamPosition top = new StreamPosition(text(reply.get(0)), (Long) reply.get(1));
            List<Entry> entries = entries(reply, 2);
            if (!top.sameEpoch(from) || from.offset() > top.offset()) return new Since(List.of(), false, top);
            boolean continuous = entries.isEmpty() ? from.offset() == top.offset() : entries.get(0).offset() == from.offset() + 1;
            if (entries.size() > limit) entries = entries.subList(0, Math.max(limit, 0));
            return new Since(entries, continuous, top);
        });
    }

    @Override
    public CompletableFuture<HistoryPage> history(ChannelKey channel, HistoryQuery query) {
        ChannelKeys keys = new ChannelKeys(channel);
        // offsets start at 1: bounds below that are no bounds (after) or leave nothing (before)
        String low = query.afterOffset() == null || query.afterOffset() < 1 ? "-" : "(" + query.afterOffset() + "-0";
        String high = query.beforeOffset() == null ? "+" : "(" + query.beforeOffset() + "-0";
        boolean nothingBefore = query.beforeOffset() != null && query.beforeOffset() <= 1;
        List<byte[]> args = new ArrayList<>(8);
        addCommonArgs(args, channel);
        args.add(ascii(query.backwards() ? 1 : 0));
        args.add(ascii(Math.max(query.limit(), 0)));
        // an empty interval rather than one Redis rejects ("(1-0" backwards would go below 0-0)
        args.add(ascii(nothingBefore ? "+" : low));
        args.add(ascii(nothingBefore ? "-" : high));
        args.add(query.start() == null ? new byte[0] : ascii(query.start()));
        args.add(query.end() == null ? new byte[0] : ascii(query.end()));
        return run(HISTORY, "read the history of " + channel, List.of(keys.meta, keys.log), args)
                .thenApply(reply -> new HistoryPage(entries(reply, 2), (Long) reply.get(1) == 1L, text(reply.get(0))));
    }

    private void addCommonArgs(List<byte[]> args, ChannelKey channel) {
        args.add(ascii(epochSuffix()));
        args.add(ascii(Math.max(keyTtlMs, keepLonger.applyAsLong(channel))));
    }

    /** Three random base-36 digits after Redis's time in a new epoch: two nodes creating one at once still differ. */
    private static String epochSuffix() {
        String s = Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
        return "000".substring(s.length()) + s;
    }

    private static List<Entry> entries(List<Object> reply, int from) {
        List<Entry> out = new ArrayList<>((reply.size() - from) / 4);
        for (int i = from; i + 3 < reply.size(); i += 4) {
            Object id = reply.get(i + 1);
            Object payload = reply.get(i + 3);
            out.add(new Entry(id == null ? null : text(id), (Long) reply.get(i), (Long) reply.get(i + 2),
                    payload == null ? new byte[0] : (byte[]) payload));
        }
        return out;
    }

    private CompletableFuture<List<Object>> run(Script script, String what, List<byte[]> keys, List<byte[]> args) {
        if (closed) return CompletableFuture.failedFuture(ErrorCode.TIMEOUT.exception("The Redis broker is closed"));
        return RedisSupport.run(commands, script, what, keys, args);
    }

    // ---- notices ----

    @Override
    public CompletableFuture<Subscription> subscribe(ChannelKey channel, Consumer<Notice> listener) {
        if (closed) return CompletableFuture.failedFuture(ErrorCode.TIMEOUT.exception("The Redis broker is closed"));
        ChannelKeys keys = new ChannelKeys(channel);
        String name = text(keys.notices);
        Topic topic;
        synchronized (subscriptionLock) {
            topic = topics.get(name);
            if (topic == null) {
                Topic created = new Topic(channel, keys.notices);
                topic = created;
                topics.put(name, created);
                CompletableFuture<Void> before = unsubscribing.getOrDefault(name, CompletableFuture.completedFuture(null));
                before.exceptionally(ignored -> null)
                        .thenCompose(ignored -> guard("subscribe to " + channel, notices.subscribe(created.name)))
                        .whenComplete((ok, failure) -> {
                            if (failure != null) {
                                synchronized (subscriptionLock) {
                                    topics.remove(name, created);
                                }
                                created.confirmed.completeExceptionally(unwrap(failure));
                            } else {
                                created.confirmed.complete(null);
                            }
                        });
            }
            topic.listeners.add(listener);
        }
        Topic subscribed = topic;
        return subscribed.confirmed.thenApply(ignored -> new NodeSubscription(name, subscribed, listener));
    }

    /** This node's interest in one channel: its listeners, and whether Redis confirmed the subscription. */
    private static final class Topic {
        final ChannelKey channel;
        final byte[] name;
        final List<Consumer<Notice>> listeners = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> confirmed = new CompletableFuture<>();

        Topic(ChannelKey channel, byte[] name) {
            this.channel = channel;
            this.name = name;
        }
    }

    private final class NodeSubscription implements Subscription {
        private final String name;
        private final Topic topic;
        private final Consumer<Notice> listener;
        private CompletableFuture<Void> done;

        NodeSubscription(String name, Topic topic, Consumer<Notice> listener) {
            this.name = name;
            this.topic = topic;
            this.listener = listener;
        }

        @Override
        public CompletableFuture<Void> unsubscribe() {
            synchronized (subscriptionLock) {
                if (done != null) return done;
                topic.listeners.remove(listener);
                if (!topic.listeners.isEmpty() || topics.get(name) != topic) return done = CompletableFuture.completedFuture(null);
                topics.remove(name);
                if (closed) return done = CompletableFuture.completedFuture(null);
                CompletableFuture<Void> sent = guard("unsubscribe from " + topic.channel, notices.unsubscribe(topic.name));
                unsubscribing.put(name, sent);
                sent.whenComplete((ok, failure) -> unsubscribing.remove(name, sent));
                return done = sent;
            }
        }
    }

    /** A notice from Redis: decoded once and handed to this node's listeners of the channel, in arrival order. */
    private void onNotice(byte[] channel, byte[] message) {
        Topic topic = topics.get(text(channel));
        if (topic == null) return;
        Notice notice;
        try {
            notice = decodeNotice(topic.channel, message);
        } catch (IOException | RuntimeException e) {
            log.error("Dropped an unreadable notice on {}", topic.channel, e);
            return;
        }
        for (Consumer<Notice> listener : topic.listeners) {
            try {
                listener.accept(notice);
            } catch (RuntimeException e) {
                log.error("A listener of {} failed on a notice", topic.channel, e);
            }
        }
    }

    /** The script's notice: a MessagePack array of the epoch, then offset, id (false: none), timestamp, payload. */
    static Notice decodeNotice(ChannelKey channel, byte[] message) throws IOException {
        try (MessageUnpacker in = MessagePack.newDefaultUnpacker(message)) {
            int size = in.unpackArrayHeader();
            String epoch = new String(readBytes(in), StandardCharsets.UTF_8);
            List<Entry> entries = new ArrayList<>((size - 1) / 4);
            for (int i = 1; i + 3 < size; i += 4) {
                long offset = in.unpackLong();
                String id = null;
                if (in.getNextFormat().getValueType() == ValueType.BOOLEAN) in.unpackBoolean();
                else id = new String(readBytes(in), StandardCharsets.UTF_8);
                long timestamp = in.unpackLong();
                entries.add(new Entry(id, offset, timestamp, readBytes(in)));
            }
            return new Notice(channel, epoch, List.copyOf(entries));
        }
    }

    /**
     * Sharded subscriptions that Redis dropped (the slot moved) or that a reconnect may have lost are subscribed again,
     * one command per channel so each goes to its slot's current owner; subscribing twice is harmless.
     */
    private void resubscribeAll() {
        for (Topic topic : topics.values()) resubscribe(topic);
    }

    private void resubscribe(Topic topic) {
        if (closed || topics.get(text(topic.name)) != topic || !topic.confirmed.isDone()) return;
        guard("subscribe again to " + topic.channel, notices.subscribe(topic.name)).whenComplete((ok, failure) -> {
            if (failure == null || closed) return;
            log.warn("Subscribing again to {} failed; retrying ({})", topic.channel, describe(failure));
            resources.eventExecutorGroup().schedule(() -> resubscribe(topic), RESUBSCRIBE_RETRY.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    private static CompletableFuture<Void> guard(String what, CompletableFuture<Void> command) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        command.whenComplete((ok, failure) -> {
            if (failure == null) result.complete(null);
            else result.completeExceptionally(failure(what, failure));
        });
        return result;
    }

    /** This node's pub/sub connection: plain channels on a standalone Redis, sharded ones on a Cluster. */
    private interface NoticeConnection extends AutoCloseable {
        CompletableFuture<Void> subscribe(byte[] name);

        CompletableFuture<Void> unsubscribe(byte[] name);

        @Override
        void close();
    }

    private final class PlainNotices implements NoticeConnection {
        private final StatefulRedisPubSubConnection<byte[], byte[]> connection;

        PlainNotices(StatefulRedisPubSubConnection<byte[], byte[]> connection) {
            this.connection = connection;
            connection.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(byte[] channel, byte[] message) { onNotice(channel, message); }
            });
        }

        @Override
        public CompletableFuture<Void> subscribe(byte[] name) { return attempt(() -> connection.async().subscribe(name).toCompletableFuture()); }

        @Override
        public CompletableFuture<Void> unsubscribe(byte[] name) { return attempt(() -> connection.async().unsubscribe(name).toCompletableFuture()); }

        @Override
        public void close() { connection.close(); }
    }

    private final class ShardedNotices implements NoticeConnection {
        private final StatefulRedisClusterPubSubConnection<byte[], byte[]> connection;

        ShardedNotices(StatefulRedisClusterPubSubConnection<byte[], byte[]> connection) {
            this.connection = connection;
            connection.addListener(new RedisClusterPubSubAdapter<>() {
                @Override
                public void smessage(RedisClusterNode node, byte[] channel, byte[] message) { onNotice(channel, message); }

                @Override
                public void sunsubscribed(RedisClusterNode node, byte[] channel, long count) {
                    // Redis drops shard subscriptions of a slot that moves away; this node still wants the ones it has
                    Topic topic = topics.get(text(channel));
                    if (topic != null) resubscribe(topic);
                }
            });
        }

        @Override
        public CompletableFuture<Void> subscribe(byte[] name) { return attempt(() -> connection.async().ssubscribe(name).toCompletableFuture()); }

        @Override
        public CompletableFuture<Void> unsubscribe(byte[] name) { return attempt(() -> connection.async().sunsubscribe(name).toCompletableFuture()); }

        @Override
        public void close() { connection.close(); }
    }

    private static CompletableFuture<Void> attempt(Supplier<CompletableFuture<Void>> command) {
        try {
            return command.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ---- lifecycle ----

    /** Closes the connections and Lettuce's threads; blocks up to a few seconds. Subscriptions end without notice. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (eventSubscription != null) eventSubscription.dispose();
        synchronized (subscriptionLock) {
            topics.clear();
        }
        try {
            notices.close();
        } catch (RuntimeException e) {
            log.debug("Closing the Redis pub/sub connection failed", e);
        }
        clients.close();
    }

    // ---- keys and scripts ----

    /** The keys of one channel, all in the slot of its hash tag. */
    static final class ChannelKeys {
        final byte[] meta;
        final byte[] log;
        final byte[] notices;
        private final String prefix;

        ChannelKeys(ChannelKey channel) {
            prefix = RedisSupport.channelPrefix(channel);
            meta = utf8(prefix + "meta");
            log = utf8(prefix + "log");
            notices = utf8(prefix + "notices");
        }

        byte[] idKey(String id) { return utf8(prefix + "id:" + id); }
    }

}
