package dev.switchboard.server.channel;

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
import dev.switchboard.server.util.Ids;
import io.vertx.core.Context;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private final String epoch;
    private final ChannelListener listener;
    private final PresenceStore presence = new MemoryPresenceStore();
    private long seq;
    /** Last attach, detach, publish or presence change: a channel idle long enough is dropped from memory. */
    private long lastActivity;
    private boolean retired;

    /** Attachments by (subscriber, the name the client knows the channel by) → granted modes. */
    private final Map<Attachment, Integer> modesByAttachment = new LinkedHashMap<>();
    /** Receivers by wire name, then by event loop, so a publish crosses threads once per loop. */
    private Delivery messageDelivery = Delivery.EMPTY;
    private Delivery presenceDelivery = Delivery.EMPTY;

    private final HistoryStore history;
    /** Message id → serial, for idempotent publishing within the retention window. */
    private final Map<String, String> serialById = new HashMap<>();

    /** Set for channels of a persisted namespace; null for ephemeral ones. */
    private final Persistence persistence;
    /** Persisted channels: operations waiting for the commit in flight (publishes, and presence changes behind them). */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private boolean committing;

    Channel(String appId, String name, Context owner, HistoryStore history, ChannelListener listener, long now) {
        this(appId, name, owner, history, listener, now, null);
    }

    /** A channel; with {@code persistence} its epoch and serials continue from the persisted position. */
    Channel(String appId, String name, Context owner, HistoryStore history, ChannelListener listener, long now, Persistence persistence) {
        this.appId = appId;
        this.name = name;
        this.owner = owner;
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
    boolean inUse() { return !modesByAttachment.isEmpty() || !presence.isEmpty() || committing || !waiting.isEmpty(); }

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
        return true;
    }

    boolean retired() { return retired; }

    /** The serial of the latest event, or of the channel's start when there is none. */
    public String currentSerial() { return new ChannelSerial(epoch, seq).format(); }

    public int attachmentCount() { return modesByAttachment.size(); }

    public int subscriberCount() { return countWithMode(Flags.MODE_SUBSCRIBE); }

    public int presenceSubscriberCount() { return countWithMode(Flags.MODE_PRESENCE_SUBSCRIBE); }

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
     * For a persisted channel, the store read an attach needs beyond what memory holds: a resume from a serial older than
     * the memory window, or a rewind reaching further back. Null when memory is enough (or the channel is ephemeral).
     */
    MessageStore.HistoryQuery catchUpQuery(Map<String, String> params, String resumeFrom, int modes, long now) {
        if (persistence == null || !Flags.has(modes, Flags.MODE_SUBSCRIBE)) return null;
        prune(now);
        long boundary = oldestRetainedSeq() - 1; // the store serves up to here, memory after it
        if (resumeFrom != null) {
            ChannelSerial from = ChannelSerial.parse(resumeFrom);
            if (from == null || !from.epoch().equals(epoch) || from.seq() > seq || covers(from.seq())) return null;
            return new MessageStore.HistoryQuery(appId, name, epoch, boundary, from.seq(), null, null, false, MAX_STORED_CATCH_UP + 1);
        }
        String rewind = params == null ? null : params.get("rewind");
        if (rewind == null) return null;
        Rewind requested = Rewind.parse(rewind);
        if (requested.count() != null) {
            int inMemory = 0;
            for (ChannelEvent e : history.events()) if (!e.isPresence()) inMemory += e.size();
            if (inMemory >= requested.count()) return null;
            return new MessageStore.HistoryQuery(appId, name, epoch, boundary, null, null, null, true,
                    Math.min(requested.count() - inMemory, MAX_STORED_CATCH_UP));
        }
        long since = now - requested.durationMs();
        ChannelEvent oldest = history.oldest();
        if (oldest != null && oldest.timestamp() <= since) return null;
        return new MessageStore.HistoryQuery(appId, name, epoch, boundary, null, since, null, false, MAX_STORED_CATCH_UP);
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
        // A repeated ATTACH on an unbroken attachment keeps continuity; without RESUMED, SDKs treat it as a gap.
        if (!firstAttach) return new AttachResult(currentSerial(), true, false, List.of());
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
                followUp.addAll(renamed(storedFrames(older), wireName));
            }
            followUp.addAll(renamed(rewind(requestedRewind, now), wireName));
        }
        boolean hasPresence = Flags.has(modes, Flags.MODE_PRESENCE_SUBSCRIBE) && !presence.isEmpty();
        if (hasPresence) followUp.addAll(syncFrames(wireName));
        return new AttachResult(currentSerial(), resumed, hasPresence, followUp);
    }

    void detach(Subscriber subscriber, String wireName, long now) {
        lastActivity = now;
        if (modesByAttachment.remove(new Attachment(subscriber, wireName)) != null) rebuildDelivery();
    }

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
            String serial = new ChannelSerial(epoch, ++seq).format();
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
        retainAndSend(new ChannelEvent(seq, now, connectionId, List.copyOf(accepted), List.of(), new EncodedFrame(pm)), messageDelivery, now);
        listener.onMessages(this, accepted);
    }

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
        if (!committing && waiting.isEmpty()) {
            operation.run();
            return;
        }
        waiting.add(new Waiting.Deferred(operation));
    }

    private void pump() {
        while (!committing && !waiting.isEmpty()) {
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
            startCommit(batch);
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
                String serial = new ChannelSerial(epoch, ++next).format();
                Message stamped = m.accepted(m.id(), m.clientId(), p.connectionId(), m.timestamp(), serial);
                newIds.put(m.id(), serial);
                accepted.add(stamped);
                serials.add(serial);
                toStore.add(new MessageStore.StoredMessage(next, stamped));
            }
            planned.add(new Planned(p, accepted, serials));
        }
        if (toStore.isEmpty()) {
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
        return m.accepted(m.id(), m.clientId(), m.connectionId(), m.timestamp() == null ? 0 : m.timestamp(), new ChannelSerial(epoch, sm.seq()).format());
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
        history.append(event);
        prune(now);
        // Presence always reaches its own connection: SDKs learn their own members only from these events.
        delivery.send(event.frame(), event.isPresence() ? null : event.publisherConnectionId());
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
            int wanted = e.isPresence() ? Flags.MODE_PRESENCE_SUBSCRIBE : Flags.MODE_SUBSCRIBE;
            if (!Flags.has(modes, wanted)) continue;
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
                if (e.isPresence()) continue;
                int n = e.size();
                frames.add(0, n <= remaining ? e.frame() : partialFrame(e, n - remaining));
                remaining -= n;
            }
        } else {
            long since = now - rewind.durationMs();
            for (ChannelEvent e : history.events()) if (!e.isPresence() && e.timestamp() >= since) frames.add(e.frame());
        }
        return frames;
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
    private record Delivery(Map<String, Map<Context, Subscriber[]>> groups, boolean anyJson, boolean anyMsgpack) {
        static final Delivery EMPTY = new Delivery(Map.of(), false, false);

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
            groups.forEach((wireName, byContext) -> {
                Map<Context, Subscriber[]> a = new LinkedHashMap<>();
                byContext.forEach((ctx, list) -> a.put(ctx, list.toArray(new Subscriber[0])));
                arrays.put(wireName, a);
            });
            return new Delivery(arrays, json, msgpack);
        }

        /** Hands the frame to every receiver's loop; {@code skipConnectionId}'s non-echo receivers are left out. */
        void send(EncodedFrame frame, String skipConnectionId) {
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
