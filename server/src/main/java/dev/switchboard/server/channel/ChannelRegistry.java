package dev.switchboard.server.channel;

import dev.switchboard.server.history.MemoryHistoryStore;
import dev.switchboard.server.history.RetentionPolicy;
import dev.switchboard.server.persistence.MessageStore;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.PresenceMessage;
import io.vertx.core.Context;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Finds channels and runs operations on their owner contexts. A channel name hashes to one owner context;
 * all of that channel's operations run there in submission order. Callbacks are invoked on the owner,
 * so a caller that posts its reply to its own context keeps the owner's order.
 */
public final class ChannelRegistry {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ChannelRegistry.class);
    private final List<Context> owners;
    private final Clock clock;
    private final RetentionPolicy retention;
    /** Channels by key, one map per owner context (same index as {@link #owners}): each owner sweeps only its own. */
    private final List<Map<String, Channel>> channelsByOwner;
    /** How long a channel nobody uses must have been quiet before the sweep frees it; set by {@link #startSweeper}. */
    private volatile long idleBeforeFreeingMs = -1;
    private volatile ChannelListener listener = ChannelListener.NONE;
    private volatile PublishGate gate = PublishGate.OPEN;
    private volatile ChannelRules channelRules = ChannelRules.NONE;
    private volatile MessageStore store;
    /** Set when several nodes share channels; null on a single node. */
    private volatile SharedLog shared;

    /**
     * The broker and presence manager that channels share their state through, and this node's id (its presence
     * members' owner). {@code orderPersisted}: the broker also orders persisted namespaces' messages (several nodes);
     * without it they keep the single-node path, committed before delivery and read back from the store at start.
     */
    public record SharedLog(dev.switchboard.server.broker.Broker broker, dev.switchboard.server.broker.PresenceManager presence, String nodeId,
                            boolean orderPersisted) {
        public SharedLog(dev.switchboard.server.broker.Broker broker, dev.switchboard.server.broker.PresenceManager presence, String nodeId) {
            this(broker, presence, nodeId, true);
        }
    }
    /** Persisted channels' epochs and last serials; never swept, so a channel dropped from memory carries on. */
    private final Map<String, Persistence.Position> positions = new ConcurrentHashMap<>();
    /** Channels hold this and reach whatever listener is set now. */
    private final ChannelListener delegate = new ChannelListener() {
        @Override
        public void onMessages(Channel channel, List<Message> messages) {
            // Annotations and their summaries are not messages to integration rules.
            if (messages.get(0).isAnnotation() || messages.get(0).isSummary()) {
                messages = messages.stream().filter(Message::isListed).toList();
                if (messages.isEmpty()) return;
            }
            listener.onMessages(channel, messages);
        }

        @Override
        public void onPresence(Channel channel, List<PresenceMessage> events) { listener.onPresence(channel, events); }

        @Override
        public dev.switchboard.server.metrics.Metrics metrics() { return metrics; }
    };
    private volatile dev.switchboard.server.metrics.Metrics metrics;

    /** Fan-outs are timed in {@code metrics}. Call before traffic. */
    public void useMetrics(dev.switchboard.server.metrics.Metrics metrics) { this.metrics = metrics; }

    public ChannelRegistry(List<Context> owners, Clock clock, RetentionPolicy retention) {
        if (owners.isEmpty()) throw new IllegalArgumentException("At least one owner context is needed");
        this.owners = List.copyOf(owners);
        this.clock = clock;
        this.retention = retention;
        List<Map<String, Channel>> maps = new java.util.ArrayList<>(owners.size());
        for (int i = 0; i < owners.size(); i++) maps.add(new ConcurrentHashMap<>());
        this.channelsByOwner = List.copyOf(maps);
    }

    public Clock clock() { return clock; }

    /** The channel, created on first use; a persisted namespace's channel continues from its persisted position. */
    public Channel channel(String appId, String name) {
        String key = keyOf(appId, name);
        int owner = ownerIndex(key);
        SharedLog log = shared;
        if (log != null && (log.orderPersisted() || !persisted(name))) {
            return channelsByOwner.get(owner).computeIfAbsent(key, k -> {
                Channel created = new Channel(appId, name, owners.get(owner), new MemoryHistoryStore(retention), delegate, clock.millis(),
                        persistenceFor(key, name),
                        new BrokerLink(log.broker(), log.presence(), new dev.switchboard.server.broker.ChannelKey(appId, name), log.nodeId(), clock));
                // Queued on the owner before anything the caller does with the channel.
                owners.get(owner).runOnContext(v -> created.startLink());
                return created;
            });
        }
        return channelsByOwner.get(owner).computeIfAbsent(key, k -> new Channel(appId, name, owners.get(owner),
                new MemoryHistoryStore(retention), delegate, clock.millis(), persistenceFor(key, name)));
    }

    /**
     * Shares every channel with other nodes through {@code log}: publishes, history, resume and presence go through the
     * broker and presence manager. Call before the server takes traffic. This node renews its presence lease every
     * {@code leaseMs / 3} and announces the LEAVEs of members whose node let its lease lapse.
     */
    public void shareThrough(SharedLog log, io.vertx.core.Vertx vertx, long leaseMs) {
        if (store != null) throw new IllegalStateException("Share channels through a broker before enabling persistence");
        this.shared = log;
        log.presence().renew(log.nodeId(), leaseMs);
        vertx.setPeriodic(Math.max(100, leaseMs / 3), id -> {
            log.presence().renew(log.nodeId(), leaseMs).whenComplete((v, e) -> {
                if (e != null) ChannelRegistry.log.warn("Presence lease of node {} not renewed: {}", log.nodeId(), e.toString());
            });
            log.presence().expireLapsed().whenComplete((departures, e) -> {
                if (e != null || departures == null) return;
                for (dev.switchboard.server.broker.PresenceManager.Departure d : departures) announceDeparture(log, d);
            });
        });
    }

    /** A member whose node is gone leaves: its LEAVE goes into the channel's log like any other change. */
    private void announceDeparture(SharedLog log, dev.switchboard.server.broker.PresenceManager.Departure d) {
        PresenceMessage was = BrokerLink.decode(d.member().data()).presence.get(0);
        long now = clock.millis();
        PresenceMessage leave = was.with(dev.switchboard.server.util.Ids.random(12) + ":0:0", PresenceMessage.LEAVE, was.clientId(),
                was.connectionId(), Math.max(now, was.timestamp() == null ? now : was.timestamp()));
        log.broker().publish(d.channel(), List.of(new dev.switchboard.server.broker.Broker.NewEntry(null, now, BrokerLink.encode(leave))));
    }

    /** The shared broker, when several nodes share channels; null on a single node. */
    public SharedLog shared() { return shared; }

    private Persistence persistenceFor(String key, String name) {
        MessageStore s = store;
        if (s == null) return null;
        return channelRules.retentionMs(name).map(retentionMs -> new Persistence(s, retentionMs,
                positions.computeIfAbsent(key, k -> new Persistence.Position(Channel.newEpoch(clock.millis()), 0)))).orElse(null);
    }

    /**
     * Makes the namespaces that {@code rules} persist keep their messages in {@code store}, and brings back what the
     * store holds: every persisted channel's epoch and last serial, and its messages since {@code now - memory window}
     * into memory (history, resume, idempotency). Blocking; call before the server takes traffic. When channels are
     * shared through a broker ({@link #shareThrough}, called first), the broker orders their messages and the store
     * keeps them: a publish is answered once both have them (see {@link Channel#publishShared}).
     */
    public void enablePersistence(ChannelRules rules, MessageStore store) throws Exception {
        this.channelRules = rules;
        this.store = store;
        // Shared channels take their position from the broker's log and fill memory from its notices.
        if (shared != null && shared.orderPersisted()) return;
        long now = clock.millis();
        List<CompletableFuture<Void>> restored = new java.util.ArrayList<>();
        for (MessageStore.StoredChannel stored : store.load(now - retention.maxAgeMs())) {
            String key = keyOf(stored.appId(), stored.channel());
            positions.put(key, new Persistence.Position(stored.epoch(), stored.lastSeq()));
            if (stored.recent().isEmpty() || rules.retentionMs(stored.channel()).isEmpty()) continue;
            Channel channel = channel(stored.appId(), stored.channel());
            restored.add(inspect(channel, c -> {
                c.restore(stored.recent(), now);
                return null;
            }));
        }
        CompletableFuture.allOf(restored.toArray(new CompletableFuture[0])).get(60, java.util.concurrent.TimeUnit.SECONDS);
    }

    private final ChannelLog messageLog = new ChannelLog(this);

    /** Reads channels' messages onwards from one of them, wherever they are kept. */
    public ChannelLog log() { return messageLog; }

    /** Sets the channel rules in force (persisted namespaces need {@link #enablePersistence} as well). */
    public void useRules(ChannelRules rules) { this.channelRules = rules; }

    /**
     * Lets messages of {@code namespace} be updated, deleted, appended to and annotated unless a configured rule says
     * otherwise: the sandbox's test apps declare such namespaces when they are created.
     */
    public void allowMutableMessages(String namespace) {
        channelRules = channelRules.withDefault(new ChannelRules.Rule(namespace, false, ChannelRules.DEFAULT_RETENTION_MS, true));
    }

    /** True when the channel's namespace lets its messages be changed (the {@code mutableMessages} rule). */
    public boolean mutableMessages(String channelName) { return channelRules.mutableMessages(channelName); }

    /** True when the channel's namespace is persisted. */
    public boolean persisted(String channelName) { return store != null && channelRules.retentionMs(channelName).isPresent(); }

    /** Sets the observer of accepted events (integration rules). */
    public void setListener(ChannelListener listener) { this.listener = listener; }

    /** The channel if it exists, else null. */
    public Channel existing(String appId, String name) {
        String key = keyOf(appId, name);
        return channelsByOwner.get(ownerIndex(key)).get(key);
    }

    /**
     * Attaches on the owner. A persisted (or brokered) channel whose resume or rewind reaches beyond memory first reads
     * the store (or the shared log) off the owner, then attaches with what it found; a read that fails gives an attach
     * without it. A brokered channel attaches once it is linked to its log.
     */
    public void attach(Channel channel, Subscriber subscriber, String wireName, int modes, Map<String, String> params, String resumeFrom,
                       BiConsumer<AttachResult, Throwable> onOwner) {
        if (!channel.persisted() && !channel.brokered()) {
            onOwner(channel, c -> c.attach(subscriber, wireName, modes, params, resumeFrom, clock.millis()), onOwner);
            return;
        }
        channel.owner().runOnContext(v -> {
            Runnable attach = () -> {
                Channel c = live(channel);
                CompletableFuture<Channel.CatchUp> catchUp;
                try {
                    catchUp = c.catchUpFor(params, resumeFrom, modes, clock.millis());
                } catch (RuntimeException e) {
                    catchUp = null; // the attach itself reports it (e.g. an invalid rewind)
                }
                if (catchUp == null) {
                    attachOnOwner(c, subscriber, wireName, modes, params, resumeFrom, null, onOwner);
                    return;
                }
                catchUp.whenComplete((found, error) -> c.owner().runOnContext(x -> {
                    if (error != null) log.warn("Channel '{}': what the attach needs beyond memory could not be read: {}", c.name(), error.toString());
                    attachOnOwner(c, subscriber, wireName, modes, params, resumeFrom, error == null ? found : null, onOwner);
                }));
            };
            // A brokered channel attaches once it is linked to its log.
            if (channel.brokered()) live(channel).inOrder(attach);
            else attach.run();
        });
    }

    private void attachOnOwner(Channel channel, Subscriber subscriber, String wireName, int modes, Map<String, String> params, String resumeFrom,
                               Channel.CatchUp catchUp, BiConsumer<AttachResult, Throwable> onOwner) {
        runHere(channel, c -> c.attach(subscriber, wireName, modes, params, resumeFrom, clock.millis(), catchUp), onOwner);
    }

    public void detach(Channel channel, Subscriber subscriber, String wireName) {
        channel.owner().runOnContext(v -> live(channel).detach(subscriber, wireName, clock.millis()));
    }

    /**
     * Publishes on the channel's owner. When the {@link PublishGate} guards the channel, the messages first get their
     * ids and timestamps and pass the gate; a refusal reaches {@code onOwner} as the failure, and the channel never
     * sees the messages.
     */
    public void publish(Channel channel, List<Message> messages, String connectionId, String idBase,
                        BiConsumer<PublishOutcome, Throwable> onOwner) {
        publish(channel, messages, connectionId, idBase, false, onOwner);
    }

    /** As {@link #publish(Channel, List, String, String, BiConsumer)}, answered through a future. */
    public CompletableFuture<PublishOutcome> publishFuture(Channel channel, List<Message> messages, String connectionId, String idBase) {
        CompletableFuture<PublishOutcome> result = new CompletableFuture<>();
        publish(channel, messages, connectionId, idBase, false, (outcome, error) -> {
            if (error != null) result.completeExceptionally(error); else result.complete(outcome);
        });
        return result;
    }

    private void publish(Channel channel, List<Message> messages, String connectionId, String idBase, boolean replayable,
                         BiConsumer<PublishOutcome, Throwable> onOwner) {
        PublishGate g = gate;
        if (!g.guards(channel.name())) {
            accept(channel, messages, connectionId, idBase, replayable, onOwner);
            return;
        }
        long now = clock.millis();
        List<Message> identified = new java.util.ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) identified.add(Channel.identified(messages.get(i), i, connectionId, idBase, now));
        CompletableFuture<Void> admitted;
        try {
            admitted = g.admit(channel.appId(), channel.name(), identified);
        } catch (RuntimeException e) {
            admitted = CompletableFuture.failedFuture(e);
        }
        admitted.whenComplete((ok, refusal) -> {
            if (refusal == null) accept(channel, identified, connectionId, idBase, replayable, onOwner);
            else channel.owner().runOnContext(v -> onOwner.accept(null, dev.switchboard.server.util.Futures.cause(refusal)));
        });
    }

    /** Hands messages to the channel: a persisted channel answers once they are committed, an ephemeral one at once. */
    private void accept(Channel channel, List<Message> messages, String connectionId, String idBase, boolean replayable,
                        BiConsumer<PublishOutcome, Throwable> onOwner) {
        if (channel.brokered()) {
            // Queued in the channel behind the broker call in flight (and behind linking).
            channel.owner().runOnContext(v -> live(channel).publishShared(messages, connectionId, idBase, clock.millis(), onOwner));
            return;
        }
        if (!channel.persisted()) {
            onOwner(channel, c -> c.publish(messages, connectionId, idBase, clock.millis()), onOwner);
            return;
        }
        channel.owner().runOnContext(v -> {
            try {
                live(channel).publishDurably(messages, connectionId, idBase, clock.millis(), replayable, onOwner);
            } catch (RuntimeException e) {
                onOwner.accept(null, e);
            }
        });
    }

    /** True when publishes on this channel pass a {@link PublishGate} before the channel accepts them. */
    public boolean gated(Channel channel) { return gate.guards(channel.name()); }

    /** Sets what publishes must pass before channels accept them (before-publish rules). */
    public void setGate(PublishGate gate) { this.gate = gate; }


    public void presence(Channel channel, List<PresenceMessage> actions, String connectionId, String idBase,
                         BiConsumer<PublishOutcome, Throwable> onOwner) {
        if (channel.brokered()) {
            channel.owner().runOnContext(v -> live(channel).inOrder(() -> live(channel).presenceShared(actions, connectionId, idBase, clock.millis(), onOwner)));
            return;
        }
        if (!channel.persisted()) {
            onOwner(channel, c -> c.presence(actions, connectionId, idBase, clock.millis()), onOwner);
            return;
        }
        // Behind publishes waiting for their commit, so that serials reach subscribers in order.
        channel.owner().runOnContext(v -> live(channel).inOrder(() ->
                runHere(channel, c -> c.presence(actions, connectionId, idBase, clock.millis()), onOwner)));
    }

    /** Runs an operation on the channel's owner and hands its result or failure to {@code callback}, also on the owner. */
    private <T> void onOwner(Channel channel, java.util.function.Function<Channel, T> operation, BiConsumer<T, Throwable> callback) {
        channel.owner().runOnContext(v -> runHere(channel, operation, callback));
    }

    /** As {@link #onOwner}, for a caller already on the owner. */
    private <T> void runHere(Channel channel, java.util.function.Function<Channel, T> operation, BiConsumer<T, Throwable> callback) {
        T result;
        try {
            result = operation.apply(live(channel));
        } catch (RuntimeException e) {
            callback.accept(null, e);
            return;
        }
        callback.accept(result, null);
    }

    /** Removes a connection's presence members from a channel, broadcasting LEAVE. */
    public void leaveAll(Channel channel, String connectionId) {
        channel.owner().runOnContext(v -> {
            Channel c = live(channel);
            if (c.persisted() || c.brokered()) c.inOrder(() -> c.leaveAll(connectionId, clock.millis()));
            else c.leaveAll(connectionId, clock.millis());
        });
    }

    /** Publishes from inside the server (REST, connectors); completes once the channel has accepted the messages. */
    public CompletableFuture<PublishOutcome> publish(String appId, String channelName, List<Message> messages, String idBase) {
        return publishFrom(appId, channelName, messages, idBase, false, null);
    }

    /** A REST publish on behalf of the realtime connection {@code connectionId} (its echo setting applies). */
    public CompletableFuture<PublishOutcome> publishFor(String connectionId, String appId, String channelName, List<Message> messages, String idBase) {
        return publishFrom(appId, channelName, messages, idBase, false, connectionId);
    }

    /**
     * Publishes for a source that sends again what it was not answered for, such as the change connector: on a persisted
     * channel the messages reach subscribers before their commit (the source's own data is durable already); the
     * future still completes only after it.
     */
    public CompletableFuture<PublishOutcome> publishReplayable(String appId, String channelName, List<Message> messages, String idBase) {
        return publishFrom(appId, channelName, messages, idBase, true, null);
    }

    private CompletableFuture<PublishOutcome> publishFrom(String appId, String channelName, List<Message> messages, String idBase,
                                                          boolean replayable, String connectionId) {
        CompletableFuture<PublishOutcome> result = new CompletableFuture<>();
        publish(channel(appId, channelName), messages, connectionId, idBase, replayable, (outcome, error) -> {
            if (error != null) result.completeExceptionally(error); else result.complete(outcome);
        });
        return result;
    }

    /** Runs a read of a channel's state on its owner (a brokered channel's once it is linked to its log). */
    public <T> CompletableFuture<T> inspect(Channel channel, java.util.function.Function<Channel, T> reader) {
        CompletableFuture<T> result = new CompletableFuture<>();
        BiConsumer<T, Throwable> answer = (value, error) -> {
            if (error != null) result.completeExceptionally(error); else result.complete(value);
        };
        if (channel.brokered()) channel.owner().runOnContext(v -> live(channel).inOrder(() -> runHere(channel, reader, answer)));
        else onOwner(channel, reader, answer);
        return result;
    }


    /**
     * Frees channels nobody uses: every {@code intervalMs}, each owner sweeps the channels it owns (see
     * {@link Channel#retireIfIdle}). A channel in use keeps its retention floor; one nobody uses keeps only messages
     * younger than the history TTL, and once it holds none and has been quiet for {@code idleMs} it is forgotten.
     * {@code idleMs} should cover the connection state TTL, so that no connection that could still resume finds its
     * channel freed; a persisted channel's position stays here, so the next instance continues its serials.
     */
    public void startSweeper(io.vertx.core.Vertx vertx, long intervalMs, long idleMs) {
        idleBeforeFreeingMs = idleMs;
        for (int i = 0; i < owners.size(); i++) {
            Map<String, Channel> owned = channelsByOwner.get(i);
            // Set from the owner, the timer fires on the owner: the sweep reads channel state without hopping threads.
            owners.get(i).runOnContext(v -> vertx.setPeriodic(intervalMs, id -> sweep(owned, idleMs)));
        }
        vertx.setPeriodic(intervalMs, id -> forgetIdleLogs());
    }

    /** Lets the broker forget what no channel holds any more (a memory broker's logs of freed channels). */
    private void forgetIdleLogs() {
        SharedLog log = shared;
        if (log == null) return;
        try {
            int forgotten = log.broker().forgetIdle();
            if (forgotten > 0) ChannelRegistry.log.debug("The broker forgot {} idle channel log(s)", forgotten);
        } catch (RuntimeException e) {
            ChannelRegistry.log.warn("Forgetting idle channel logs failed: {}", e.toString());
        }
    }

    /** Runs one sweep on every owner now, as their timers would; completes with how many channels were freed. */
    public CompletableFuture<Integer> sweepNow() {
        long idleMs = idleBeforeFreeingMs;
        if (idleMs < 0) throw new IllegalStateException("The sweeper was not started");
        List<CompletableFuture<Integer>> perOwner = new java.util.ArrayList<>(owners.size());
        for (int i = 0; i < owners.size(); i++) {
            Map<String, Channel> owned = channelsByOwner.get(i);
            CompletableFuture<Integer> freed = new CompletableFuture<>();
            owners.get(i).runOnContext(v -> {
                try {
                    freed.complete(sweep(owned, idleMs));
                } catch (RuntimeException e) {
                    freed.completeExceptionally(e);
                }
            });
            perOwner.add(freed);
        }
        return CompletableFuture.allOf(perOwner.toArray(new CompletableFuture[0])).thenApply(v -> {
            forgetIdleLogs();
            return perOwner.stream().mapToInt(CompletableFuture::join).sum();
        });
    }

    /** How long a channel nobody uses must be quiet before a sweep frees it (-1 until the sweeper is started). */
    public long idleBeforeFreeingMs() { return idleBeforeFreeingMs; }

    /** One owner's sweep, on that owner: frees its idle channels and returns how many. */
    private int sweep(Map<String, Channel> owned, long idleMs) {
        long now = clock.millis();
        int freed = 0;
        for (Map.Entry<String, Channel> e : owned.entrySet()) {
            Channel channel = e.getValue();
            if (channel.retireIfIdle(now, idleMs) && owned.remove(e.getKey(), channel)) freed++;
        }
        if (freed > 0) log.debug("Freed {} idle channel(s); {} left on this owner", freed, owned.size());
        return freed;
    }

    /** Attachments and presence members of the channels in memory (read off their owners: approximate, for gauges). */
    public long attachmentCount() { return allChannels().mapToLong(Channel::attachmentCount).sum(); }

    public long presenceMemberCount() { return allChannels().mapToLong(Channel::presenceMemberCount).sum(); }

    /** The channels of {@code appId} in memory now, on every owner (a snapshot, in no order). */
    public List<Channel> channelsOf(String appId) { return allChannels().filter(c -> c.appId().equals(appId)).toList(); }

    /** Every channel in memory, on every owner, read from any thread (for gauges and operators' listings). */
    private java.util.stream.Stream<Channel> allChannels() {
        return channelsByOwner.stream().flatMap(owned -> owned.values().stream());
    }

    /** Channels in memory, on every owner. */
    public int channelCount() {
        int n = 0;
        for (Map<String, Channel> owned : channelsByOwner) n += owned.size();
        return n;
    }

    /** The current instance for a channel: a caller may still hold one the sweeper retired. Owner thread only. */
    private Channel live(Channel channel) {
        return channel.retired() ? channel(channel.appId(), channel.name()) : channel;
    }

    private static String keyOf(String appId, String name) { return appId + "\u0000" + name; }

    private int ownerIndex(String key) { return Math.floorMod(key.hashCode(), owners.size()); }
}
