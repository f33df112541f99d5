package dev.switchboard.server.channel;

import dev.switchboard.server.broker.Broker;
import dev.switchboard.server.broker.PresenceManager;
import dev.switchboard.server.broker.StreamPosition;
import dev.switchboard.server.history.HistoryStore;
import dev.switchboard.server.persistence.MessageStore;
import dev.switchboard.server.presence.MemoryPresenceStore;
import dev.switchboard.server.presence.PresenceStore;
import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.EncodedFrame;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Flags;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.PresenceMessage;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.WireFormat;
import dev.switchboard.server.util.Futures;
import dev.switchboard.server.util.Ids;
import io.vertx.core.Context;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

/**
 * One channel's state: attachments, retained events, presence members. Every method runs on the channel's
 * owner context, one at a time, so the state needs no locks and serials are assigned in one order that
 * every subscriber sees.
 */
public final class Channel {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Channel.class);
    static final int SYNC_PAGE_SIZE = 100;
    /** Messages of one persisted channel per commit: bounds the memory and the transaction of one batch. */
    static final int MAX_COMMIT_MESSAGES = 1_000;

    private final String appId;
    private final String name;
    private final Context owner;
    private final OccupancyEvents occupancy;
    /** Final but for a brokered channel, which takes its shared log's epoch (and a new one if the log was lost). */
    private String epoch;
    private final ChannelListener listener;
    /** The members; a brokered channel's is a replica of the presence manager's, dropped while the channel sleeps. */
    private PresenceStore presence = new MemoryPresenceStore();
    private long seq;
    /** Last attach, detach, publish or presence change: a channel idle long enough is dropped from memory. */
    private long lastActivity;
    private boolean retired;

    /** Attachments by (subscriber, the name the client knows the channel by) → granted modes. */
    private final Map<Attachment, Integer> modesByAttachment = new LinkedHashMap<>();
    /** Receivers by wire name, then by event loop, so a publish crosses threads once per loop. */
    private Delivery messageDelivery = Delivery.EMPTY;
    /** The last message fanned out: the base of the next one's delta. */
    private Message lastMessage;
    private Delivery presenceDelivery = Delivery.EMPTY;
    /** Attachments with the annotation-subscribe mode: they get the annotations of messages (ProtocolMessage action 21). */
    private Delivery annotationDelivery = Delivery.EMPTY;

    private final HistoryStore history;
    /** Message id → serial, for idempotent publishing within the retention window. */
    private final Map<String, String> serialById = new HashMap<>();

    /** Set for channels of a persisted namespace; null for ephemeral ones. */
    private final Persistence persistence;
    /** Persisted channels: operations waiting for the commit in flight (publishes, and presence changes behind them). */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private boolean committing;

    /** Set when the channel shares its log with other nodes through a broker; null on a single node. */
    private final BrokerLink link;
    /** A brokered channel until its subscription and position are known, and while it fills a gap: operations wait. */
    private boolean linking;
    private boolean healing;
    private Broker.Subscription subscription;
    /** A brokered channel nobody on this node uses: unsubscribed from its log until it is used again (then relinked). */
    private boolean dormant;
    /** Connections of this node that entered members here: while one has a member, this node uses the channel. */
    private final java.util.Set<String> localMemberConnections = new java.util.HashSet<>();
    /** Notices that arrived while linking or healing, applied after. */
    private final ArrayDeque<Broker.Notice> heldNotices = new ArrayDeque<>();

    Channel(String appId, String name, Context owner, HistoryStore history, ChannelListener listener, long now) {
        this(appId, name, owner, history, listener, now, null);
    }

    /** A channel; with {@code persistence} its epoch and serials continue from the persisted position. */
    Channel(String appId, String name, Context owner, HistoryStore history, ChannelListener listener, long now, Persistence persistence) {
        this(appId, name, owner, history, listener, now, persistence, null);
    }

    /** A channel; with {@code link} it shares its log with other nodes and must be {@link #startLink started} before use. */
    Channel(String appId, String name, Context owner, HistoryStore history, ChannelListener listener, long now, Persistence persistence,
            BrokerLink link) {
        this.link = link;
        this.linking = link != null;
        this.appId = appId;
        this.name = name;
        this.owner = owner;
        this.occupancy = new OccupancyEvents(name, owner, this::occupancyMetrics);
        this.history = history;
        this.listener = listener;
        this.lastActivity = now;
        this.persistence = persistence;
        this.epoch = persistence != null ? persistence.position().epoch : newEpoch(now);
        this.seq = persistence != null ? persistence.position().seq : 0;
    }

    static String newEpoch(long now) {
        return Long.toString(now, 36) + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36), 36);
    }

    /** True for channels of a persisted namespace: messages are committed to the store before they are accepted. */
    public boolean persisted() { return persistence != null; }

    /** The channel's epoch: the first part of its serials. */
    public String epoch() { return epoch; }

    /** The last serial number given out (messages and presence changes). */
    public long seq() { return seq; }

    public String appId() { return appId; }

    public String name() { return name; }

    public Context owner() { return owner; }

    /**
     * True while something depends on this instance's memory: an attachment, a presence member (also one in its
     * leave grace period), or a persisted publish committing or waiting to.
     */
    boolean inUse() { return !modesByAttachment.isEmpty() || !presence.isEmpty() || committing || linking || !waiting.isEmpty(); }

    /**
     * The sweep's decision, on the owner. A channel in use keeps its retention floor. One nobody uses drops every event
     * older than the retention age, floor included, and is retired once it retains nothing and has been quiet (no
     * attach, detach, publish or presence change) for {@code idleMs}: the registry forgets it, and operations still
     * holding this instance are redirected to a fresh one. An ephemeral channel's fresh instance has a new epoch, so
     * a resume from this one's serials is never RESUMED; a persisted one continues this position from the store.
     */
    boolean retireIfIdle(long now, long idleMs) {
        if (retired) return true;
        if (inUse()) {
            prune(now);
            return false;
        }
        forget(history.pruneBelowFloor(now));
        if (history.oldest() != null || now - lastActivity < idleMs) return false;
        // Presence changes take serials too; the next instance must not give them out again.
        if (persistence != null) persistence.position().seq = seq;
        retired = true;
        if (subscription != null) subscription.unsubscribe();
        return true;
    }

    boolean retired() { return retired; }

    /** The serial of the latest event, or of the channel's start when there is none. */
    public String currentSerial() { return serialAt(seq); }

    /** A serial of this channel; every channel's sort as text (see {@link ChannelSerial#formatSortable}). */
    private String serialAt(long at) {
        return new ChannelSerial(epoch, at).formatSortable();
    }

    /** True when the channel's log is shared with other nodes through a broker. */
    public boolean brokered() { return link != null; }

    public int attachmentCount() { return modesByAttachment.size(); }

    public int subscriberCount() { return countWithMode(Flags.MODE_SUBSCRIBE); }

    /** This node's occupancy metrics of the channel (its attachments; presence members of every node). */
    public Map<String, Object> occupancyMetrics() {
        List<Map.Entry<Subscriber, Integer>> attachments = new ArrayList<>(modesByAttachment.size());
        for (Map.Entry<Attachment, Integer> e : modesByAttachment.entrySet()) attachments.add(Map.entry(e.getKey().subscriber(), e.getValue()));
        return OccupancyEvents.metrics(attachments, presence.members().size());
    }

    public int presenceSubscriberCount() { return countWithMode(Flags.MODE_PRESENCE_SUBSCRIBE); }

    /** Members present; read from any thread (a gauge), approximate there. */
    public int presenceMemberCount() { return presence.size(); }

    public List<PresenceMessage> presenceMembers() { return presence.members(); }

    /** Retained events, oldest first. */
    public List<ChannelEvent> retainedEvents(long now) {
        prune(now);
        return history.events();
    }

    /** The sequence number a serial of this channel names, or -1 when it is not one of this channel instance's. */
    public long seqOf(String serial) {
        ChannelSerial s = ChannelSerial.parse(serial);
        return s != null && s.epoch().equals(epoch) ? s.seq() : -1;
    }

    AttachResult attach(Subscriber subscriber, String wireName, int modes, Map<String, String> params, String resumeFrom, long now) {
        return attach(subscriber, wireName, modes, params, resumeFrom, now, null);
    }

    /** Messages read from the store for an attach that reaches beyond memory; {@code query.untilSeq()} is where memory took over. */
    record CatchUp(MessageStore.HistoryQuery query, List<MessageStore.StoredMessage> messages) {}

    /** At most this many stored messages are replayed to one attach (a resume or rewind reaching further is not resumed/cut). */
    static final int MAX_STORED_CATCH_UP = 10_000;

    /**
     * What an attach needs that memory no longer holds: messages after {@code afterSeq} (a resume from an older serial),
     * the newest {@code count} before memory (a rewind by count), or those since {@code since} (a rewind by duration);
     * memory serves what comes after {@code boundary}.
     */
    private record MemoryGap(long boundary, Long afterSeq, Integer count, Long since) {}

    /** The gap for this attach; null when memory is enough or the attach does not subscribe. Throws for an invalid rewind. */
    private MemoryGap memoryGap(Map<String, String> params, String resumeFrom, int modes, long now) {
        if (!Flags.has(modes, Flags.MODE_SUBSCRIBE)) return null;
        prune(now);
        long boundary = oldestRetainedSeq() - 1;
        if (resumeFrom != null) {
            ChannelSerial from = ChannelSerial.parse(resumeFrom);
            if (from == null || !from.epoch().equals(epoch) || from.seq() > seq || covers(from.seq())) return null;
            return new MemoryGap(boundary, from.seq(), null, null);
        }
        String rewind = params == null ? null : params.get("rewind");
        if (rewind == null) return null;
        Rewind requested = Rewind.parse(rewind);
        if (requested.count() != null) {
            int inMemory = retainedMessageCount();
            if (inMemory >= requested.count()) return null;
            return new MemoryGap(boundary, null, Math.min(requested.count() - inMemory, MAX_STORED_CATCH_UP), null);
        }
        long since = now - requested.durationMs();
        if (memoryReaches(since)) return null;
        return new MemoryGap(boundary, null, null, since);
    }

    /**
     * For a persisted or brokered channel, reads what an attach needs beyond memory from the store or the shared log
     * (the future completes off the owner); null when memory is enough. Called on the owner; throws for an invalid rewind.
     */
    CompletableFuture<CatchUp> catchUpFor(Map<String, String> params, String resumeFrom, int modes, long now) {
        if (persistence == null && link == null) return null;
        MemoryGap gap = memoryGap(params, resumeFrom, modes, now);
        if (gap == null) return null;
        // A shared channel's log is the order every node delivered; the store may still be committing its newest part.
        if (link == null) {
            MessageStore.HistoryQuery q = gap.afterSeq() != null
                    ? new MessageStore.HistoryQuery(appId, name, epoch, gap.boundary(), gap.afterSeq(), null, null, false, MAX_STORED_CATCH_UP + 1)
                    : gap.count() != null
                    ? new MessageStore.HistoryQuery(appId, name, epoch, gap.boundary(), null, null, null, true, gap.count())
                    : new MessageStore.HistoryQuery(appId, name, epoch, gap.boundary(), null, gap.since(), null, false, MAX_STORED_CATCH_UP);
            return persistence.store().history(q).thenApply(stored -> new CatchUp(q, stored));
        }
        String at = epoch; // read here, on the owner: the answer is turned into a catch-up on a broker thread
        if (gap.afterSeq() != null) {
            return link.broker().since(link.key(), new StreamPosition(at, gap.afterSeq()), MAX_STORED_CATCH_UP + 1)
                    .thenApply(since -> sharedCatchUp(gap, at, since.entries(), since.top().epoch(), since.continuous()));
        }
        Broker.HistoryQuery query = gap.count() != null
                ? new Broker.HistoryQuery(null, null, true, gap.count(), gap.boundary() + 1, null)
                : new Broker.HistoryQuery(gap.since(), null, false, MAX_STORED_CATCH_UP, gap.boundary() + 1, null);
        return link.broker().history(link.key(), query).thenApply(page -> sharedCatchUp(gap, at, page.entries(), page.epoch(), true));
    }

    /** Messages (not presence changes) memory holds, for a rewind by count. */
    private int retainedMessageCount() {
        int n = 0;
        for (ChannelEvent e : history.events()) if (!e.isPresence()) n += e.size();
        return n;
    }

    /** True when memory holds everything since {@code since}, for a rewind by duration. */
    private boolean memoryReaches(long since) {
        ChannelEvent oldest = history.oldest();
        return oldest != null && oldest.timestamp() <= since;
    }

    /** The first serial memory still holds (seq + 1 when it holds nothing). */
    private long oldestRetainedSeq() {
        ChannelEvent oldest = history.oldest();
        return oldest == null ? seq + 1 : oldest.firstSeq();
    }

    /**
     * Attaches; {@code catchUp} (persisted channels) holds what the store had beyond memory for a resume or a rewind:
     * a resume from an older serial is then RESUMED with the stored messages first, a rewind gets them before memory's.
     */
    AttachResult attach(Subscriber subscriber, String wireName, int modes, Map<String, String> params, String resumeFrom, long now, CatchUp catchUp) {
        lastActivity = now;
        Attachment attachment = new Attachment(subscriber, wireName);
        boolean firstAttach = !modesByAttachment.containsKey(attachment);
        String rewind = params == null ? null : params.get("rewind");
        Rewind requestedRewind = rewind == null ? null : Rewind.parse(rewind);
        modesByAttachment.put(attachment, modes);
        rebuildDelivery();
        prune(now);
        // A repeated ATTACH on an unbroken attachment keeps continuity; without RESUMED, SDKs treat it as a gap. One that
        // names where the client got to (e.g. after a delta it could not decode, RTL18c) is answered from there.
        if (!firstAttach && resumeFrom == null) return new AttachResult(currentSerial(), true, false, List.of());
        if (link != null) adoptMembersOf(subscriber.connectionId());
        boolean resumed = false;
        List<EncodedFrame> followUp = new ArrayList<>();
        // Stored messages count only if memory still starts right after them (nothing was pruned in between).
        boolean stored = catchUp != null && oldestRetainedSeq() - 1 <= catchUp.query().untilSeq();
        if (resumeFrom != null) {
            ChannelSerial from = ChannelSerial.parse(resumeFrom);
            if (from != null && from.epoch().equals(epoch) && from.seq() <= seq && covers(from.seq())) {
                resumed = true;
                followUp.addAll(renamed(eventsAfter(from.seq(), modes), wireName));
            } else if (from != null && from.epoch().equals(epoch) && from.seq() <= seq && stored
                    && catchUp.messages().size() <= MAX_STORED_CATCH_UP) {
                resumed = true;
                if (Flags.has(modes, Flags.MODE_SUBSCRIBE)) followUp.addAll(renamed(storedFrames(catchUp.messages()), wireName));
                followUp.addAll(renamed(eventsAfter(from.seq(), modes), wireName));
            }
        } else if (requestedRewind != null && Flags.has(modes, Flags.MODE_SUBSCRIBE)) {
            // Without subscribe there is nothing to deliver, retained messages included.
            if (stored) {
                List<MessageStore.StoredMessage> older = new ArrayList<>(catchUp.messages());
                if (catchUp.query().backwards()) java.util.Collections.reverse(older);
                followUp.addAll(renamed(asPast(storedFrames(older)), wireName));
            }
            followUp.addAll(renamed(asPast(rewind(requestedRewind, now)), wireName));
        }
        boolean hasPresence = Flags.has(modes, Flags.MODE_PRESENCE_SUBSCRIBE) && !presence.isEmpty();
        if (hasPresence) followUp.addAll(syncFrames(wireName));
        if (OccupancyEvents.asked(params)) followUp.add(occupancy.watch(subscriber, wireName));
        return new AttachResult(currentSerial(), resumed, hasPresence, followUp);
    }

    void detach(Subscriber subscriber, String wireName, long now) {
        lastActivity = now;
        occupancy.unwatch(subscriber, wireName);
        if (modesByAttachment.remove(new Attachment(subscriber, wireName)) != null) rebuildDelivery();
        if (link != null) sleepIfUnused();
    }

    /**
     * After its last local detach, a brokered channel stops listening to its log, so a node hears only of the channels
     * its clients use. What it held is dropped: memory would otherwise keep a hole where the notices stopped, and a
     * resume or rewind reads the shared log instead. The next use links the channel again ({@link #wakeIfDormant}).
     */
    private void sleepIfUnused() {
        if (dormant || linking || healing || committing || !waiting.isEmpty() || !modesByAttachment.isEmpty() || subscription == null) return;
        localMemberConnections.removeIf(c -> presence.membersOf(c).isEmpty());
        if (!localMemberConnections.isEmpty()) return;
        Broker.Subscription was = subscription;
        subscription = null;
        dormant = true;
        history.clear();
        presence = new MemoryPresenceStore();
        heldNotices.clear();
        was.unsubscribe().whenComplete((v, error) -> {
            if (error != null) log.debug("Channel '{}': unsubscribing from its log failed: {}", name, Futures.cause(error).getMessage());
        });
    }

    private void wakeIfDormant() {
        if (!dormant) return;
        dormant = false;
        linking = true;
        startLink();
    }

    /** True while a brokered channel is unsubscribed from its log because nobody on this node uses it. */
    boolean dormant() { return dormant; }

    /**
     * Accepts messages: fills ids, origin and time, assigns serials, retains them, and fans them out.
     * Messages whose id was already accepted within the retention window are not published again.
     */
    PublishOutcome publish(List<Message> messages, String connectionId, String idBase, long now) {
        lastActivity = now;
        prune(now);
        List<String> serials = new ArrayList<>(messages.size());
        List<Message> accepted = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            String id = m.id() != null ? m.id() : idBase + ":" + i;
            String existing = serialById.get(id);
            if (existing != null) {
                serials.add(existing);
                continue;
            }
            String serial = new ChannelSerial(epoch, ++seq).formatSortable();
            // As identified() would, in one allocation: this is the hot path of ephemeral channels.
            Message stamped = m.accepted(id, m.clientId(), connectionId, m.timestamp() != null ? m.timestamp() : now, serial);
            serialById.put(id, serial);
            accepted.add(stamped);
            serials.add(serial);
        }
        if (!accepted.isEmpty()) deliver(accepted, connectionId, idBase, now);
        return new PublishOutcome(serials);
    }

    /** Retains and fans out messages whose serials end at {@link #seq}, then tells the listener (after-publish rules). */
    private void deliver(List<Message> accepted, String connectionId, String idBase, long now) {
        ProtocolMessage pm = ProtocolMessage.of(Action.MESSAGE, name);
        pm.id = idBase;
        pm.connectionId = connectionId;
        pm.timestamp = now;
        pm.channelSerial = accepted.get(accepted.size() - 1).serial();
        pm.messages = accepted;
        if (accepted.get(0).isAnnotation()) pm.action = Action.ANNOTATION;
        retainAndSend(new ChannelEvent(seq, now, connectionId, List.copyOf(accepted), List.of(), new EncodedFrame(pm)), messageDelivery, now);
        listener.onMessages(this, accepted);
    }

    // ---- brokered channels: the log is shared with other nodes --------------------------------------------------

    /**
     * Subscribes this node to the channel's shared log, then reads its position and members; until then operations
     * wait. Retried every second while the broker is unavailable.
     */
    void startLink() {
        CompletableFuture<Broker.Subscription> subscribed = link.broker().subscribe(link.key(), notice -> onOwner(() -> onNotice(notice)));
        subscribed.thenCompose(sub -> link.broker().top(link.key()).thenCombine(link.presence().members(link.key()),
                        (top, members) -> new Linked(sub, top, members)))
                .whenComplete((linked, error) -> owner.runOnContext(v -> {
                    if (error != null) {
                        log.warn("Channel '{}': cannot reach the broker ({}); trying again in 1 s", name, Futures.cause(error).getMessage());
                        subscribed.thenAccept(Broker.Subscription::unsubscribe);
                        owner.owner().setTimer(1_000, id -> owner.runOnContext(x -> startLink()));
                        return;
                    }
                    subscription = linked.subscription();
                    epoch = linked.top().epoch();
                    seq = linked.top().offset();
                    for (PresenceManager.Member m : linked.members()) presence.apply(BrokerLink.decode(m.data()).presence.get(0));
                    linking = false;
                    drainHeldNotices();
                    pump();
                }));
    }

    private record Linked(Broker.Subscription subscription, StreamPosition top, List<PresenceManager.Member> members) {}

    /**
     * Runs on the owner: at once when called there (a memory broker answers and notifies on the caller's thread, so one
     * node's publish is delivered in the same task instead of waiting behind the loop's other work), else queued.
     */
    private void onOwner(Runnable task) {
        if (io.vertx.core.Vertx.currentContext() == owner) task.run();
        else owner.runOnContext(v -> task.run());
    }

    private void onNotice(Broker.Notice notice) {
        if (retired || dormant) return; // a sleeping channel reads the log again when it wakes
        if (linking || healing) {
            heldNotices.add(notice);
            return;
        }
        applyShared(notice.epoch(), notice.entries(), true);
    }

    private void drainHeldNotices() {
        Broker.Notice held;
        while (!linking && !healing && (held = heldNotices.poll()) != null) applyShared(held.epoch(), held.entries(), true);
    }

    /** Applies entries of the shared log: skips those this node has, fills a gap from the broker first. */
    private void applyShared(String logEpoch, List<Broker.Entry> entries, boolean mayHeal) {
        if (entries.isEmpty()) return;
        long now = link.clock().millis();
        long first = entries.get(0).offset();
        if (!logEpoch.equals(epoch)) {
            discontinuity(logEpoch, first - 1);
        } else if (first > seq + 1 && mayHeal) {
            heal(new Broker.Notice(link.key(), logEpoch, entries));
            return;
        } else if (first > seq + 1) {
            discontinuity(logEpoch, first - 1);
        }
        lastActivity = now;
        // Consecutive entries of one publisher go out as one frame, as they were sent (ably-js expects the members one
        // PRESENCE entered together to arrive together).
        List<Message> run = new ArrayList<>();
        List<PresenceMessage> presenceRun = new ArrayList<>();
        for (Broker.Entry e : entries) {
            if (e.offset() <= seq) continue;
            ProtocolMessage event = BrokerLink.decode(e.payload());
            if (event.action == Action.PRESENCE) {
                sendShared(run, now);
                PresenceMessage change = event.presence.get(0);
                if (!presenceRun.isEmpty() && !java.util.Objects.equals(presenceRun.get(0).connectionId(), change.connectionId())) {
                    sendSharedPresence(presenceRun, now);
                }
                seq = e.offset();
                applySharedPresence(change);
                presenceRun.add(change);
                continue;
            }
            sendSharedPresence(presenceRun, now);
            Message m = event.messages.get(0);
            // A frame holds messages or annotations of one publisher, never both.
            if (!run.isEmpty() && (!java.util.Objects.equals(run.get(0).connectionId(), m.connectionId())
                    || run.get(0).isAnnotation() != m.isAnnotation() || run.get(0).isSummary() != m.isSummary())) sendShared(run, now);
            run.add(BrokerLink.stamped(m, e, serialAt(e.offset())));
            seq = e.offset();
        }
        sendShared(run, now);
        sendSharedPresence(presenceRun, now);
        prune(now);
    }

    /** Retains and fans out a run of messages of one publisher ending at {@link #seq}. */
    private void sendShared(List<Message> run, long now) {
        if (run.isEmpty()) return;
        List<Message> messages = List.copyOf(run);
        run.clear();
        ProtocolMessage pm = ProtocolMessage.of(Action.MESSAGE, name);
        // Protocol 1.x clients drop a frame whose id equals the previous frame's (their duplicate check): unique per frame.
        pm.id = messages.get(0).id();
        pm.connectionId = messages.get(0).connectionId();
        pm.timestamp = now;
        pm.channelSerial = messages.get(messages.size() - 1).serial();
        pm.messages = messages;
        if (messages.get(0).isAnnotation()) pm.action = Action.ANNOTATION;
        retainAndSend(new ChannelEvent(seq, now, pm.connectionId, messages, List.of(), new EncodedFrame(pm)), messageDelivery, now);
    }

    private void applySharedPresence(PresenceMessage change) {
        occupancy.changed();
        // The presence manager decided that this changed something; the replica follows it for SYNC and leaves.
        presence.apply(change);
        if (change.action() == PresenceMessage.LEAVE && localMemberConnections.contains(change.connectionId())) {
            owner.runOnContext(v -> sleepIfUnused()); // after the notice that carried it is applied
        }
    }

    /** Retains and fans out a run of presence changes of one connection ending at {@link #seq}. */
    private void sendSharedPresence(List<PresenceMessage> run, long now) {
        if (run.isEmpty()) return;
        List<PresenceMessage> changes = List.copyOf(run);
        run.clear();
        ProtocolMessage pm = ProtocolMessage.of(Action.PRESENCE, name);
        pm.id = changes.get(0).id();
        pm.connectionId = changes.get(0).connectionId();
        pm.timestamp = now;
        pm.channelSerial = currentSerial();
        pm.presence = changes;
        retainAndSend(new ChannelEvent(seq, now, pm.connectionId, List.of(), changes, new EncodedFrame(pm)), presenceDelivery, now);
    }

    /** Fetches the entries this node missed (its notices were interrupted), then goes on with those held meanwhile. */
    private void heal(Broker.Notice pending) {
        healing = true;
        heldNotices.addFirst(pending);
        link.broker().since(link.key(), new StreamPosition(epoch, seq), MAX_STORED_CATCH_UP).whenComplete((since, error) -> owner.runOnContext(v -> {
            healing = false;
            if (error != null) {
                log.warn("Channel '{}': missed entries could not be read ({}); subscribers are told of the gap", name, Futures.cause(error).getMessage());
            } else {
                if (!since.continuous() && !since.entries().isEmpty()) discontinuity(since.top().epoch(), since.entries().get(0).offset() - 1);
                applyShared(since.top().epoch(), since.entries(), false);
            }
            Broker.Notice next = heldNotices.peek();
            if (next != null && next.entries().get(0).offset() > seq + 1 && next.epoch().equals(epoch)) {
                heldNotices.poll();
                applyShared(next.epoch(), next.entries(), false); // still a gap: reported, not healed forever
            }
            drainHeldNotices();
            pump();
        }));
    }

    /**
     * The shared log lost entries (Redis restarted without persistence, or they are past retention): what this node
     * holds no longer continues it. Every attachment gets an ATTACHED without RESUMED, which SDKs report as a
     * discontinuity (a channel UPDATE with resumed false), instead of silently missing messages.
     */
    private void discontinuity(String newEpoch, long newSeq) {
        log.info("Channel '{}': its shared log does not continue ({}:{} → {}:{}); subscribers are told", name, epoch, seq, newEpoch, newSeq);
        epoch = newEpoch;
        seq = newSeq;
        history.clear();
        lastMessage = null;
        for (Map.Entry<Attachment, Integer> a : modesByAttachment.entrySet()) {
            ProtocolMessage pm = ProtocolMessage.of(Action.ATTACHED, a.getKey().wireName());
            pm.flags = (long) a.getValue();
            pm.channelSerial = currentSerial();
            EncodedFrame frame = new EncodedFrame(pm);
            Subscriber s = a.getKey().subscriber();
            frame.prepare(s.format());
            s.context().runOnContext(v -> s.deliver(frame));
        }
    }

    /**
     * Publishes through the broker, which deduplicates, orders and stores the messages and announces them to every
     * node (this one included: delivery happens when the notice arrives). Answered with the serials the log gave.
     * One broker call is in flight per channel on this node and what arrives meanwhile goes in the next one: calls in
     * flight together could reach Redis out of order (a script reloaded after NOSCRIPT, a reconnect), and one
     * connection's messages must keep their order.
     */
    void publishShared(List<Message> messages, String connectionId, String idBase, long now, BiConsumer<PublishOutcome, Throwable> done) {
        lastActivity = now;
        wakeIfDormant();
        waiting.add(new Waiting.Publish(messages, connectionId, idBase, now, false, done));
        pump();
    }

    private void startSharedPublish(List<Waiting.Publish> batch) {
        List<List<Message>> identified = new ArrayList<>(batch.size());
        List<Broker.NewEntry> entries = new ArrayList<>();
        for (Waiting.Publish p : batch) {
            List<Message> ms = new ArrayList<>(p.messages().size());
            for (int i = 0; i < p.messages().size(); i++) {
                Message m = identified(p.messages().get(i), i, p.connectionId(), p.idBase(), p.now());
                ms.add(m);
                entries.add(new Broker.NewEntry(m.id(), m.timestamp(), BrokerLink.encode(m)));
            }
            identified.add(ms);
        }
        committing = true;
        CompletableFuture<Broker.Published> done = link.broker().publish(link.key(), entries);
        if (persistence != null) done = done.thenCompose(published -> commitShared(identified, published));
        done.whenComplete((published, error) -> onOwner(() -> {
            committing = false;
            try {
                finishSharedPublish(batch, identified, published, error);
            } finally {
                pump();
            }
        }));
    }

    /**
     * A persisted namespace's shared channel: what the broker ordered is committed to the store before anyone is
     * answered, so an ACK means the message is in the database. Duplicates are written again at the offset the broker
     * gave them first: a publish retried after its commit failed is then stored (an upsert when it was stored already).
     * Subscribers got the messages from the broker's notice already, as with the connector's replayable publishes.
     */
    private CompletableFuture<Broker.Published> commitShared(List<List<Message>> identified, Broker.Published published) {
        String logEpoch = published.top().epoch();
        List<MessageStore.StoredMessage> toStore = new ArrayList<>();
        int k = 0;
        long last = 0;
        for (List<Message> ms : identified) {
            for (Message m : ms) {
                long offset = published.offsets().get(k++);
                String serial = new ChannelSerial(logEpoch, offset).formatSortable();
                if (!m.isEphemeral()) toStore.add(new MessageStore.StoredMessage(offset, m.accepted(m.id(), m.clientId(), m.connectionId(), m.timestamp(), serial)));
                last = Math.max(last, offset);
            }
        }
        return persistence.store().append(new MessageStore.Append(appId, name, logEpoch, last, persistence.retentionMs(), toStore))
                .thenApply(committed -> published);
    }

    private void finishSharedPublish(List<Waiting.Publish> batch, List<List<Message>> identified, Broker.Published published, Throwable error) {
        if (error != null) {
            Throwable cause = Futures.cause(error);
            for (Waiting.Publish p : batch) answerQuietly(p, null, cause);
            return;
        }
        int k = 0;
        for (int b = 0; b < batch.size(); b++) {
            List<String> serials = new ArrayList<>(identified.get(b).size());
            List<Message> appended = new ArrayList<>(identified.get(b).size());
            for (Message m : identified.get(b)) {
                String serial = new ChannelSerial(published.top().epoch(), published.offsets().get(k)).formatSortable();
                serials.add(serial);
                if (!published.duplicates().get(k)) appended.add(m.accepted(m.id(), m.clientId(), m.connectionId(), m.timestamp(), serial));
                k++;
            }
            // Rules see each message once cluster-wide, on the node that published it, one event per publish as on one
            // node, and before the publisher hears of it: an ACKed message's rule event is queued.
            if (!appended.isEmpty()) listener.onMessages(this, appended);
            answerQuietly(batch.get(b), new PublishOutcome(serials), null);
        }
    }

    /**
     * Applies presence actions through the presence manager (which keeps counts exact across nodes); what changed goes
     * into the shared log, so every node's subscribers see it in order with the messages.
     */
    void presenceShared(List<PresenceMessage> actions, String connectionId, String idBase, long now, BiConsumer<PublishOutcome, Throwable> done) {
        lastActivity = now;
        // Like a publish, one change in flight per channel on this node: an ENTER and the UPDATE after it stay in order.
        committing = true;
        List<PresenceMessage> changed = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (int i = 0; i < actions.size(); i++) {
            PresenceMessage a = actions.get(i);
            String id = a.id() != null && a.action() == PresenceMessage.ENTER ? a.id() : idBase + ":" + i;
            PresenceMessage event = a.with(id, a.action(), a.clientId(), connectionId, now);
            chain = chain.thenCompose(x -> applyToMembers(event)).thenAccept(c -> { if (c != null) changed.add(c); });
        }
        // What changed goes into the log in one append, so it reaches every node in one notice and members in one frame.
        chain = chain.thenCompose(x -> announce(changed));
        chain.whenComplete((x, error) -> onOwner(() -> {
            committing = false;
            try {
                if (!changed.isEmpty()) {
                    localMemberConnections.add(connectionId);
                    listener.onPresence(this, List.copyOf(changed));
                }
                if (error != null) done.accept(null, Futures.cause(error));
                else done.accept(new PublishOutcome(List.of()), null);
            } finally {
                pump();
            }
        }));
    }

    /** Applies a change through the presence manager and, when it changed something, puts it in the log; completes with it. */
    /** Appends presence changes to the channel's log, in one append so they travel (and are delivered) together. */
    private CompletableFuture<Void> announce(List<PresenceMessage> changes) {
        if (changes.isEmpty()) return CompletableFuture.completedFuture(null);
        List<Broker.NewEntry> entries = new ArrayList<>(changes.size());
        for (PresenceMessage c : changes) entries.add(new Broker.NewEntry(null, c.timestamp(), BrokerLink.encode(c)));
        return link.broker().publish(link.key(), entries).thenApply(p -> null);
    }

    /** Applies one change to the shared members; completes with the change to announce, or null when nothing changed. */
    private CompletableFuture<PresenceMessage> applyToMembers(PresenceMessage event) {
        PresenceManager.Action action = switch (event.action()) {
            case PresenceMessage.LEAVE -> PresenceManager.Action.LEAVE;
            case PresenceMessage.UPDATE -> PresenceManager.Action.UPDATE;
            default -> PresenceManager.Action.ENTER;
        };
        PresenceManager.Change change = new PresenceManager.Change(action, event.clientId(), event.connectionId(), link.nodeId(),
                event.id(), event.timestamp() == null ? 0 : event.timestamp(), BrokerLink.encode(event));
        return link.presence().apply(link.key(), change).thenApply(member -> member == null ? null
                : event.with(event.id(), actionOf(member.action()), event.clientId(), event.connectionId(),
                        event.timestamp() == null ? 0 : event.timestamp()));
    }

    static int actionOf(PresenceManager.Action action) {
        return switch (action) {
            case ENTER -> PresenceMessage.ENTER;
            case UPDATE -> PresenceMessage.UPDATE;
            case LEAVE -> PresenceMessage.LEAVE;
        };
    }

    /**
     * What the shared log returned for a gap, as the catch-up an attach takes: only messages (presence is not replayed),
     * up to the boundary memory starts after; null when it cannot be continued from ({@code at}: the epoch asked in).
     */
    private CatchUp sharedCatchUp(MemoryGap gap, String at, List<Broker.Entry> entries, String logEpoch, boolean continuous) {
        if (!continuous || !logEpoch.equals(at)) return null;
        List<MessageStore.StoredMessage> messages = new ArrayList<>(entries.size());
        for (Broker.Entry e : entries) {
            if (e.offset() > gap.boundary()) continue;
            Message m = BrokerLink.messageOf(e, null);
            if (m != null && !m.isEphemeral()) messages.add(new MessageStore.StoredMessage(e.offset(), m));
        }
        return new CatchUp(new MessageStore.HistoryQuery(appId, name, at, gap.boundary(), null, null, null, gap.count() != null, MAX_STORED_CATCH_UP + 1), messages);
    }

    /**
     * A connection that resumed here from another node (which may be dead) keeps its members: entered again under this
     * node (same member id, so nobody sees a change), they no longer leave when the other node's lease lapses. The SDK
     * does not enter them again itself after a RESUMED attach.
     */
    private void adoptMembersOf(String connectionId) {
        if (presence.membersOf(connectionId).isEmpty()) return;
        link.presence().members(link.key()).thenCompose(members -> {
            CompletableFuture<Void> adopted = CompletableFuture.completedFuture(null);
            for (PresenceManager.Member m : members) {
                if (!connectionId.equals(m.connectionId()) || link.nodeId().equals(m.nodeId())) continue;
                PresenceManager.Change again = new PresenceManager.Change(PresenceManager.Action.ENTER, m.clientId(), m.connectionId(),
                        link.nodeId(), m.memberId(), m.timestamp(), m.data());
                adopted = adopted.thenCompose(x -> link.presence().apply(link.key(), again).thenApply(changed -> null));
            }
            return adopted;
        }).whenComplete((x, error) -> {
            if (error != null) log.warn("Channel '{}': the members of resumed connection {} were not adopted: {}", name, connectionId,
                    Futures.cause(error).getMessage());
        });
    }

    /** Removes what a brokered channel's members of a connection hold, through the presence manager (closed connection). */
    private void leaveAllShared(String connectionId, long now) {
        for (PresenceMessage m : presence.membersOf(connectionId)) {
            PresenceMessage leave = m.with(Ids.random(12) + ":0:0", PresenceMessage.LEAVE, m.clientId(), connectionId,
                    Math.max(now, m.timestamp() == null ? now : m.timestamp()));
            applyToMembers(leave).thenCompose(changed -> announce(changed == null ? List.of() : List.of(changed)).thenApply(x -> changed))
                    .whenComplete((changed, error) -> {
                if (error != null) log.warn("Channel '{}': a LEAVE could not be shared: {}", name, Futures.cause(error).getMessage());
                else if (changed != null) owner.runOnContext(v -> listener.onPresence(this, List.of(changed)));
            });
        }
    }

    /** The link's clock, for a brokered channel's own timing. */
    BrokerLink link() { return link; }

    // ---- persisted channels --------------------------------------------------------------------------------------

    /**
     * Publishes on a persisted channel: the messages get serials, are committed to the store, and only then are they
     * retained, fanned out and answered ({@code done} runs on the owner). One commit is in flight per channel; what
     * arrives meanwhile waits and goes in the next one, so serials are delivered in order. A failed commit answers
     * its publishes with a retriable error and gives their serials back.
     *
     * <p>With {@code replayable} the messages come from a source that sends again whatever it was not answered for (the
     * change connector, whose rows are committed already): they are delivered as soon as they have serials, before
     * the commit, and answered after it. If that commit fails their ids are forgotten, so the replay is stored (and
     * delivered again).
     */
    void publishDurably(List<Message> messages, String connectionId, String idBase, long now, boolean replayable,
                        BiConsumer<PublishOutcome, Throwable> done) {
        lastActivity = now;
        waiting.add(new Waiting.Publish(messages, connectionId, idBase, now, replayable, done));
        pump();
    }

    /** Runs a presence change of a persisted channel in order behind the publishes waiting for their commit. */
    void inOrder(Runnable operation) {
        wakeIfDormant();
        if (!committing && !linking && !healing && waiting.isEmpty()) {
            operation.run();
            return;
        }
        waiting.add(new Waiting.Deferred(operation));
    }

    private void pump() {
        while (!committing && !linking && !healing && !waiting.isEmpty()) {
            if (waiting.peek() instanceof Waiting.Deferred d) {
                waiting.poll();
                d.operation().run();
                continue;
            }
            List<Waiting.Publish> batch = new ArrayList<>();
            int count = 0;
            boolean replayable = ((Waiting.Publish) waiting.peek()).replayable();
            while (count < MAX_COMMIT_MESSAGES && waiting.peek() instanceof Waiting.Publish p && p.replayable() == replayable) {
                waiting.poll();
                batch.add(p);
                count += p.messages().size();
            }
            if (link != null) startSharedPublish(batch);
            else startCommit(batch);
        }
    }

    private void startCommit(List<Waiting.Publish> batch) {
        long next = seq;
        Map<String, String> newIds = new HashMap<>();
        List<Planned> planned = new ArrayList<>(batch.size());
        List<MessageStore.StoredMessage> toStore = new ArrayList<>();
        for (Waiting.Publish p : batch) {
            List<String> serials = new ArrayList<>(p.messages().size());
            List<Message> accepted = new ArrayList<>(p.messages().size());
            for (int i = 0; i < p.messages().size(); i++) {
                Message m = identified(p.messages().get(i), i, p.connectionId(), p.idBase(), p.now());
                String existing = serialById.containsKey(m.id()) ? serialById.get(m.id()) : newIds.get(m.id());
                if (existing != null) {
                    serials.add(existing);
                    continue;
                }
                String serial = new ChannelSerial(epoch, ++next).formatSortable();
                Message stamped = m.accepted(m.id(), m.clientId(), p.connectionId(), m.timestamp(), serial);
                newIds.put(m.id(), serial);
                accepted.add(stamped);
                serials.add(serial);
                // Ephemeral messages take a serial (the position is committed) but no row: never read back.
                if (!stamped.isEphemeral()) toStore.add(new MessageStore.StoredMessage(next, stamped));
            }
            planned.add(new Planned(p, accepted, serials));
        }
        if (next == seq) {
            for (Planned p : planned) p.publish().done().accept(new PublishOutcome(p.serials()), null);
            return;
        }
        committing = true;
        long last = next;
        boolean deliveredFirst = batch.get(0).replayable();
        if (deliveredFirst) for (Planned p : planned) deliverPlanned(p);
        persistence.store().append(new MessageStore.Append(appId, name, epoch, last, persistence.retentionMs(), toStore))
                .whenComplete((ok, error) -> owner.runOnContext(v -> finishCommit(planned, last, deliveredFirst, error)));
    }

    private void deliverPlanned(Planned p) {
        if (p.accepted().isEmpty()) return;
        seq += p.accepted().size();
        for (Message m : p.accepted()) serialById.put(m.id(), m.serial());
        deliver(p.accepted(), p.publish().connectionId(), p.publish().idBase(), p.publish().now());
    }

    private void finishCommit(List<Planned> planned, long last, boolean deliveredFirst, Throwable error) {
        committing = false;
        if (error != null && deliveredFirst) {
            // Delivered but not stored: forget the ids, so that the source's replay is stored.
            for (Planned p : planned) for (Message m : p.accepted()) serialById.remove(m.id());
        }
        if (error != null) {
            Throwable cause = dev.switchboard.server.util.Futures.cause(error);
            SwitchboardException answer = cause instanceof SwitchboardException se ? se
                    : ErrorCode.TIMEOUT.exception("The message could not be stored (" + cause.getMessage() + "); publish again");
            log.warn("Channel '{}': a commit of {} publish(es) failed: {}", name, planned.size(), answer.error().message());
            for (Planned p : planned) answerQuietly(p.publish(), null, answer);
        } else {
            for (Planned p : planned) {
                if (!deliveredFirst) deliverPlanned(p);
                answerQuietly(p.publish(), new PublishOutcome(p.serials()), null);
            }
            persistence.position().seq = seq;
            assert seq == last;
        }
        pump();
    }

    private void answerQuietly(Waiting.Publish p, PublishOutcome outcome, Throwable error) {
        try {
            p.done().accept(outcome, error);
        } catch (RuntimeException e) {
            log.warn("Channel '{}': answering a publish failed: {}", name, e.toString());
        }
    }

    /** Puts messages read back from the store (oldest first) into memory: history, resume and idempotency after a restart. */
    void restore(List<MessageStore.StoredMessage> stored, long now) {
        for (MessageStore.StoredMessage sm : stored) {
            ChannelEvent e = storedEvent(sm, now);
            history.append(e);
            serialById.put(e.messages().get(0).id(), e.messages().get(0).serial());
        }
        prune(now);
    }

    /** A stored message as the event (and frame) it was delivered as, one message per event. */
    private ChannelEvent storedEvent(MessageStore.StoredMessage sm, long now) {
        Message m = withSerial(sm);
        ProtocolMessage pm = ProtocolMessage.of(Action.MESSAGE, name);
        pm.id = m.id();
        pm.connectionId = m.connectionId();
        pm.timestamp = m.timestamp();
        pm.channelSerial = m.serial();
        pm.messages = List.of(m);
        if (m.isAnnotation()) pm.action = Action.ANNOTATION;
        return new ChannelEvent(sm.seq(), m.timestamp() == null ? now : m.timestamp(), m.connectionId(), List.of(m), List.of(), new EncodedFrame(pm));
    }

    private List<EncodedFrame> storedFrames(List<MessageStore.StoredMessage> stored) {
        List<EncodedFrame> frames = new ArrayList<>(stored.size());
        for (MessageStore.StoredMessage sm : stored) frames.add(storedEvent(sm, 0).frame());
        return frames;
    }

    /** A stored message with its serial in this channel's epoch. */
    public Message withSerial(MessageStore.StoredMessage sm) {
        Message m = sm.message();
        return m.accepted(m.id(), m.clientId(), m.connectionId(), m.timestamp() == null ? 0 : m.timestamp(), serialAt(sm.seq()));
    }

    /** The store's view of this channel's history, for REST. */
    public MessageStore.HistoryQuery historyQuery(long untilSeq, Long cursor, Long start, Long end, boolean backwards, int limit) {
        return new MessageStore.HistoryQuery(appId, name, epoch, untilSeq, cursor, start, end, backwards, limit);
    }

    /** The store of a persisted channel. */
    public MessageStore store() { return persistence.store(); }

    private sealed interface Waiting {
        record Publish(List<Message> messages, String connectionId, String idBase, long now, boolean replayable,
                       BiConsumer<PublishOutcome, Throwable> done) implements Waiting {}

        record Deferred(Runnable operation) implements Waiting {}
    }

    private record Planned(Waiting.Publish publish, List<Message> accepted, List<String> serials) {}

    /**
     * The {@code index}-th message of a publish with what the channel would give it: the id {@code <idBase>:<index>}
     * unless the publisher chose one, the publisher's connection, and the time of arrival unless it has a timestamp.
     * Applied before a {@link PublishGate} sees the messages, so the gate and the channel agree on them.
     */
    static Message identified(Message m, int index, String connectionId, String idBase, long now) {
        if (m.id() != null && m.timestamp() != null && java.util.Objects.equals(m.connectionId(), connectionId)) return m;
        return m.accepted(m.id() != null ? m.id() : idBase + ":" + index, m.clientId(), connectionId,
                m.timestamp() != null ? m.timestamp() : now, m.serial());
    }

    /**
     * Applies presence actions from one connection (clientIds already checked). Events that change nothing
     * are acknowledged but not broadcast. Ids are {@code <idBase>:<index>}.
     */
    PublishOutcome presence(List<PresenceMessage> actions, String connectionId, String idBase, long now) {
        lastActivity = now;
        prune(now);
        List<PresenceMessage> broadcast = new ArrayList<>(actions.size());
        for (int i = 0; i < actions.size(); i++) {
            PresenceMessage a = actions.get(i);
            String id = a.id() != null && a.action() == PresenceMessage.ENTER ? a.id() : idBase + ":" + i;
            PresenceMessage event = presence.apply(a.with(id, a.action(), a.clientId(), connectionId, now));
            if (event != null) broadcast.add(event);
        }
        if (!broadcast.isEmpty()) broadcastPresence(broadcast, connectionId, idBase, now);
        return new PublishOutcome(List.of());
    }

    /** Removes every member a connection holds, broadcasting their LEAVEs (connection closed or gone for good). */
    void leaveAll(String connectionId, long now) {
        lastActivity = now;
        if (link != null) {
            leaveAllShared(connectionId, now);
            return;
        }
        List<PresenceMessage> leaves = new ArrayList<>();
        for (PresenceMessage m : presence.membersOf(connectionId)) {
            // Not prefixed by the connectionId, so SDKs order it by timestamp instead of by msgSerial.
            PresenceMessage leave = presence.apply(m.with(Ids.random(12) + ":0:0", PresenceMessage.LEAVE,
                    m.clientId(), connectionId, Math.max(now, m.timestamp() == null ? now : m.timestamp())));
            if (leave != null) leaves.add(leave);
        }
        if (!leaves.isEmpty()) broadcastPresence(leaves, connectionId, Ids.random(12), now);
    }

    boolean hasMembersOf(String connectionId) { return !presence.membersOf(connectionId).isEmpty(); }

    private void broadcastPresence(List<PresenceMessage> events, String connectionId, String protocolId, long now) {
        occupancy.changed();
        seq += events.size();
        ProtocolMessage pm = ProtocolMessage.of(Action.PRESENCE, name);
        pm.id = protocolId;
        pm.connectionId = connectionId;
        pm.timestamp = now;
        pm.channelSerial = currentSerial();
        pm.presence = List.copyOf(events);
        retainAndSend(new ChannelEvent(seq, now, connectionId, List.of(), List.copyOf(events), new EncodedFrame(pm)), presenceDelivery, now);
        listener.onPresence(this, events);
    }

    private void retainAndSend(ChannelEvent event, Delivery delivery, long now) {
        if (event.isAnnotation()) {
            delivery = annotationDelivery;
        } else if (!event.isPresence() && event.messages().get(0).op() == null) {
            // Subscribers that asked for deltas get this frame as deltas of the message before it (when they had that one).
            event.frame().withDeltaBase(lastMessage);
            lastMessage = event.messages().get(event.messages().size() - 1);
        }
        history.append(event);
        prune(now);
        // Presence always reaches its own connection: SDKs learn their own members only from these events.
        delivery.send(event.frame(), event.isPresence() ? null : event.publisherConnectionId(), listener.metrics());
    }

    /**
     * The members as the SYNC a client asked for (RTP: an SDK that lost track sends SYNC): one empty SYNC that ends at
     * once when there are none, so the client's wait completes.
     */
    public List<EncodedFrame> requestedSync(String wireName) {
        List<EncodedFrame> frames = syncFrames(wireName);
        if (!frames.isEmpty()) return frames;
        ProtocolMessage pm = ProtocolMessage.of(Action.SYNC, wireName);
        pm.channelSerial = Ids.random(8) + ":";
        pm.presence = List.of();
        return List.of(new EncodedFrame(pm));
    }

    private List<EncodedFrame> syncFrames(String wireName) {
        List<PresenceMessage> members = presence.members();
        String syncId = Ids.random(8);
        List<EncodedFrame> frames = new ArrayList<>();
        for (int from = 0; from < members.size(); from += SYNC_PAGE_SIZE) {
            int to = Math.min(members.size(), from + SYNC_PAGE_SIZE);
            ProtocolMessage pm = ProtocolMessage.of(Action.SYNC, wireName);
            pm.id = syncId + ":" + from;
            pm.channelSerial = syncId + ":" + (to < members.size() ? Integer.toString(to) : "");
            pm.presence = members.subList(from, to);
            frames.add(new EncodedFrame(pm));
        }
        return frames;
    }

    private int countWithMode(int mode) {
        int n = 0;
        for (int modes : modesByAttachment.values()) if (Flags.has(modes, mode)) n++;
        return n;
    }

    private static List<EncodedFrame> renamed(List<EncodedFrame> frames, String wireName) {
        List<EncodedFrame> out = new ArrayList<>(frames.size());
        for (EncodedFrame f : frames) out.add(f.forChannelName(wireName));
        return out;
    }

    private void rebuildDelivery() {
        messageDelivery = Delivery.of(modesByAttachment, Flags.MODE_SUBSCRIBE);
        presenceDelivery = Delivery.of(modesByAttachment, Flags.MODE_PRESENCE_SUBSCRIBE);
        annotationDelivery = Delivery.of(modesByAttachment, Flags.MODE_ANNOTATION_SUBSCRIBE);
        occupancy.changed();
    }

    private boolean covers(long afterSeq) {
        // Continuity holds when nothing after afterSeq has been pruned.
        if (afterSeq == seq) return true;
        ChannelEvent oldest = history.oldest();
        return oldest != null && oldest.firstSeq() <= afterSeq + 1;
    }

    private List<EncodedFrame> eventsAfter(long afterSeq, int modes) {
        List<EncodedFrame> frames = new ArrayList<>();
        for (ChannelEvent e : history.after(afterSeq)) {
            int wanted = e.isPresence() ? Flags.MODE_PRESENCE_SUBSCRIBE : e.isAnnotation() ? Flags.MODE_ANNOTATION_SUBSCRIBE : Flags.MODE_SUBSCRIBE;
            if (!Flags.has(modes, wanted) || e.isEphemeral()) continue;
            frames.add(e.firstSeq() > afterSeq ? e.frame() : partialFrame(e, (int) (afterSeq - e.firstSeq() + 1)));
        }
        return frames;
    }

    private List<EncodedFrame> rewind(Rewind rewind, long now) {
        List<EncodedFrame> frames = new ArrayList<>();
        if (rewind.count() != null) {
            int remaining = rewind.count();
            List<ChannelEvent> events = history.events();
            for (int k = events.size() - 1; k >= 0 && remaining > 0; k--) {
                ChannelEvent e = events.get(k);
                if (!e.isListed()) continue;
                int n = e.size();
                frames.add(0, n <= remaining ? e.frame() : partialFrame(e, n - remaining));
                remaining -= n;
            }
        } else {
            long since = now - rewind.durationMs();
            for (ChannelEvent e : history.events()) if (e.isListed() && e.timestamp() >= since) frames.add(e.frame());
        }
        return frames;
    }

    /**
     * Frames as readers of the past see them: an append shows the whole data it left, as an update (live subscribers and
     * resumes get what was appended). Frames without appends are kept as they are, encodings included.
     */
    private static List<EncodedFrame> asPast(List<EncodedFrame> frames) {
        List<EncodedFrame> out = null;
        for (int k = 0; k < frames.size(); k++) {
            EncodedFrame f = frames.get(k);
            List<Message> messages = f.message().messages;
            boolean hasAppend = false;
            if (messages != null) for (Message m : messages) if (m.stateView() != m) hasAppend = true;
            if (!hasAppend) {
                if (out != null) out.add(f);
                continue;
            }
            if (out == null) out = new ArrayList<>(frames.subList(0, k));
            ProtocolMessage pm = f.message().copyForChannel(f.message().channel);
            pm.messages = messages.stream().map(Message::stateView).toList();
            out.add(new EncodedFrame(pm));
        }
        return out == null ? frames : out;
    }

    /** A frame with the event's items from index {@code skip} on. */
    private EncodedFrame partialFrame(ChannelEvent e, int skip) {
        ProtocolMessage pm = e.frame().message().copyForChannel(e.frame().message().channel);
        if (e.isPresence()) pm.presence = e.presence().subList(skip, e.size());
        else pm.messages = e.messages().subList(skip, e.size());
        return new EncodedFrame(pm);
    }

    private void prune(long now) { forget(history.prune(now)); }

    /** Forgets the ids of dropped events: idempotency lasts as long as retention. */
    private void forget(List<ChannelEvent> dropped) {
        for (ChannelEvent e : dropped) for (Message m : e.messages()) serialById.remove(m.id());
    }

    private record Attachment(Subscriber subscriber, String wireName) {}

    /** Receivers of one kind of event, grouped by wire name and event loop; rebuilt when attachments change. */
    private record Delivery(Map<String, Map<Context, Subscriber[]>> groups, boolean anyJson, boolean anyMsgpack, int tasks) {
        static final Delivery EMPTY = new Delivery(Map.of(), false, false, 0);

        static Delivery of(Map<Attachment, Integer> attachments, int mode) {
            Map<String, Map<Context, List<Subscriber>>> groups = new LinkedHashMap<>();
            boolean json = false, msgpack = false;
            for (Map.Entry<Attachment, Integer> e : attachments.entrySet()) {
                if (!Flags.has(e.getValue(), mode)) continue;
                Subscriber s = e.getKey().subscriber();
                groups.computeIfAbsent(e.getKey().wireName(), n -> new LinkedHashMap<>())
                        .computeIfAbsent(s.context(), c -> new ArrayList<>()).add(s);
                if (s.format() == WireFormat.JSON) json = true; else msgpack = true;
            }
            Map<String, Map<Context, Subscriber[]>> arrays = new LinkedHashMap<>();
            int tasks = 0; // one per channel name and event loop: each ends the fan-out's timing once
            for (Map.Entry<String, Map<Context, List<Subscriber>>> byName : groups.entrySet()) {
                Map<Context, Subscriber[]> a = new LinkedHashMap<>();
                byName.getValue().forEach((ctx, list) -> a.put(ctx, list.toArray(new Subscriber[0])));
                arrays.put(byName.getKey(), a);
                tasks += a.size();
            }
            return new Delivery(arrays, json, msgpack, tasks);
        }

        /**
         * Hands the frame to every receiver's loop; {@code skipConnectionId}'s non-echo receivers are left out. With
         * {@code metrics}, the time until the last loop has written its receivers' frames is recorded.
         */
        void send(EncodedFrame frame, String skipConnectionId, dev.switchboard.server.metrics.Metrics metrics) {
            dev.switchboard.server.metrics.Metrics.FanOut timing = metrics == null || tasks == 0 ? null : metrics.fanOut(tasks);
            for (Map.Entry<String, Map<Context, Subscriber[]>> byName : groups.entrySet()) {
                EncodedFrame named = frame.forChannelName(byName.getKey());
                // Encode on the owner, once per format in use, before other threads read the frame.
                if (anyJson) named.prepare(WireFormat.JSON);
                if (anyMsgpack) named.prepare(WireFormat.MSGPACK);
                for (Map.Entry<Context, Subscriber[]> group : byName.getValue().entrySet()) {
                    Subscriber[] subscribers = group.getValue();
                    group.getKey().runOnContext(v -> {
                        for (Subscriber s : subscribers) {
                            if (skipConnectionId != null && !s.echo() && s.connectionId().equals(skipConnectionId)) continue;
                            // One subscriber's failure must not cost the others on this loop their frame.
                            try {
                                s.deliver(named);
                            } catch (RuntimeException e) {
                                log.warn("Delivery to connection {} failed: {}", s.connectionId(), e.toString());
                            }
                        }
                        if (timing != null) timing.done();
                    });
                }
            }
        }
    }

    /** A rewind request: a message count or a duration. */
    record Rewind(Integer count, Long durationMs) {
        static Rewind parse(String text) {
            String t = text.trim();
            try {
                if (t.matches("\\d+")) return new Rewind(Integer.parseInt(t), null);
                if (t.matches("\\d+(ms|s|m|h)")) {
                    long n = Long.parseLong(t.replaceAll("[a-z]+$", ""));
                    long unit = t.endsWith("ms") ? 1 : t.endsWith("s") ? 1000 : t.endsWith("m") ? 60_000 : 3_600_000;
                    return new Rewind(null, n * unit);
                }
            } catch (NumberFormatException ignored) {
                // falls through to the error below
            }
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Invalid rewind value '" + text + "': use a count like 10 or a duration like 2m");
        }
    }
}
