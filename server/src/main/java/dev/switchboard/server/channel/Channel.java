package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.EncodedFrame;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Flags;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.WireFormat;
import io.vertx.core.Context;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One channel's state. Every method runs on the channel's owner context, one at a time, so the state needs
 * no locks and serials are assigned in one order that every subscriber sees.
 */
public final class Channel {
    private final String appId;
    private final String name;
    private final Context owner;
    private final String epoch;
    private final RetentionPolicy retention;
    private long seq;

    /** Attachments by (subscriber, the name the client knows the channel by) → granted modes. */
    private final Map<Attachment, Integer> modesByAttachment = new LinkedHashMap<>();
    /** Message subscribers by wire name, then by event loop, so a publish crosses threads once per loop. */
    private Map<String, Map<Context, Subscriber[]>> deliveryGroups = Map.of();
    private int jsonSubscribers;
    private int msgpackSubscribers;

    private final ArrayDeque<ChannelEvent> recent = new ArrayDeque<>();
    private int recentMessageCount;
    /** Message id → serial, for idempotent publishing within the retention window. */
    private final Map<String, String> serialById = new HashMap<>();

    Channel(String appId, String name, Context owner, RetentionPolicy retention, long now) {
        this.appId = appId;
        this.name = name;
        this.owner = owner;
        this.retention = retention;
        this.epoch = Long.toString(now, 36) + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36), 36);
    }

    public String appId() { return appId; }

    public String name() { return name; }

    public Context owner() { return owner; }

    /** The serial of the latest message, or of the channel's start when there is none. */
    public String currentSerial() { return new ChannelSerial(epoch, seq).format(); }

    public int attachmentCount() { return modesByAttachment.size(); }

    public int subscriberCount() {
        int n = 0;
        for (int modes : modesByAttachment.values()) if (Flags.has(modes, Flags.MODE_SUBSCRIBE)) n++;
        return n;
    }

    AttachResult attach(Subscriber subscriber, String wireName, int modes, Map<String, String> params, String resumeFrom, long now) {
        Attachment attachment = new Attachment(subscriber, wireName);
        boolean firstAttach = !modesByAttachment.containsKey(attachment);
        String rewind = params == null ? null : params.get("rewind");
        Rewind requestedRewind = rewind == null ? null : Rewind.parse(rewind);
        modesByAttachment.put(attachment, modes);
        rebuildDeliveryGroups();
        prune(now);
        // A repeated ATTACH on an unbroken attachment keeps continuity; without RESUMED, SDKs treat it as a gap.
        if (!firstAttach) return new AttachResult(currentSerial(), true, List.of());
        if (resumeFrom != null) {
            ChannelSerial from = ChannelSerial.parse(resumeFrom);
            if (from != null && from.epoch().equals(epoch) && from.seq() <= seq && covers(from.seq())) {
                return new AttachResult(currentSerial(), true, renamed(framesAfter(from.seq()), wireName));
            }
            return new AttachResult(currentSerial(), false, List.of());
        }
        if (requestedRewind != null) return new AttachResult(currentSerial(), false, renamed(rewind(requestedRewind, now), wireName));
        return new AttachResult(currentSerial(), false, List.of());
    }

    void detach(Subscriber subscriber, String wireName) {
        if (modesByAttachment.remove(new Attachment(subscriber, wireName)) != null) rebuildDeliveryGroups();
    }

    private static List<EncodedFrame> renamed(List<EncodedFrame> frames, String wireName) {
        List<EncodedFrame> out = new ArrayList<>(frames.size());
        for (EncodedFrame f : frames) out.add(f.forChannelName(wireName));
        return out;
    }

    /**
     * Accepts messages: fills ids, origin and time, assigns serials, retains them, and fans them out.
     * Messages whose id was already accepted within the retention window are not published again.
     */
    PublishOutcome publish(List<Message> messages, String connectionId, String idBase, long now) {
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
            Message stamped = m.accepted(id, m.clientId(), connectionId, m.timestamp() != null ? m.timestamp() : now, serial);
            serialById.put(id, serial);
            accepted.add(stamped);
            serials.add(serial);
        }
        if (!accepted.isEmpty()) {
            ProtocolMessage pm = ProtocolMessage.of(Action.MESSAGE, name);
            pm.id = idBase;
            pm.connectionId = connectionId;
            pm.timestamp = now;
            pm.channelSerial = accepted.get(accepted.size() - 1).serial();
            pm.messages = accepted;
            EncodedFrame frame = new EncodedFrame(pm);
            recent.addLast(new ChannelEvent(seq, now, connectionId, List.copyOf(accepted), frame));
            recentMessageCount += accepted.size();
            prune(now);
            fanOut(frame, connectionId);
        }
        return new PublishOutcome(serials);
    }

    /** Accepted messages still retained, oldest first. */
    List<ChannelEvent> recentEvents() { return List.copyOf(recent); }

    private void fanOut(EncodedFrame frame, String publisherConnectionId) {
        for (Map.Entry<String, Map<Context, Subscriber[]>> byName : deliveryGroups.entrySet()) {
            EncodedFrame named = frame.forChannelName(byName.getKey());
            // Encode on the owner, once per format in use, before other threads read the frame.
            if (jsonSubscribers > 0) named.prepare(WireFormat.JSON);
            if (msgpackSubscribers > 0) named.prepare(WireFormat.MSGPACK);
            for (Map.Entry<Context, Subscriber[]> group : byName.getValue().entrySet()) {
                Subscriber[] subscribers = group.getValue();
                group.getKey().runOnContext(v -> {
                    for (Subscriber s : subscribers) {
                        if (s.echo() || !s.connectionId().equals(publisherConnectionId)) s.deliver(named);
                    }
                });
            }
        }
    }

    private void rebuildDeliveryGroups() {
        Map<String, Map<Context, List<Subscriber>>> groups = new LinkedHashMap<>();
        int json = 0, msgpack = 0;
        for (Map.Entry<Attachment, Integer> e : modesByAttachment.entrySet()) {
            if (!Flags.has(e.getValue(), Flags.MODE_SUBSCRIBE)) continue;
            Subscriber s = e.getKey().subscriber();
            groups.computeIfAbsent(e.getKey().wireName(), n -> new LinkedHashMap<>())
                    .computeIfAbsent(s.context(), c -> new ArrayList<>()).add(s);
            if (s.format() == WireFormat.JSON) json++; else msgpack++;
        }
        Map<String, Map<Context, Subscriber[]>> next = new LinkedHashMap<>();
        groups.forEach((wireName, byContext) -> {
            Map<Context, Subscriber[]> arrays = new LinkedHashMap<>();
            byContext.forEach((ctx, list) -> arrays.put(ctx, list.toArray(new Subscriber[0])));
            next.put(wireName, arrays);
        });
        deliveryGroups = next;
        jsonSubscribers = json;
        msgpackSubscribers = msgpack;
    }

    private record Attachment(Subscriber subscriber, String wireName) {}

    private boolean covers(long afterSeq) {
        // Continuity holds when nothing after afterSeq has been pruned.
        if (afterSeq == seq) return true;
        ChannelEvent oldest = recent.peekFirst();
        return oldest != null && oldest.seq() - oldest.messages().size() <= afterSeq;
    }

    private List<EncodedFrame> framesAfter(long afterSeq) {
        List<EncodedFrame> frames = new ArrayList<>();
        for (ChannelEvent e : recent) {
            long first = e.seq() - e.messages().size() + 1;
            if (first > afterSeq) frames.add(e.frame());
            else if (e.seq() > afterSeq) frames.add(partialFrame(e, (int) (afterSeq - first + 1)));
        }
        return frames;
    }

    private List<EncodedFrame> rewind(Rewind rewind, long now) {
        List<EncodedFrame> frames = new ArrayList<>();
        if (rewind.count() != null) {
            int remaining = rewind.count();
            for (Iterator<ChannelEvent> it = recent.descendingIterator(); it.hasNext() && remaining > 0; ) {
                ChannelEvent e = it.next();
                int n = e.messages().size();
                frames.add(0, n <= remaining ? e.frame() : partialFrame(e, n - remaining));
                remaining -= n;
            }
        } else {
            long since = now - rewind.durationMs();
            for (ChannelEvent e : recent) if (e.timestamp() >= since) frames.add(e.frame());
        }
        return frames;
    }

    /** A frame with the event's messages from index {@code skip} on. */
    private EncodedFrame partialFrame(ChannelEvent e, int skip) {
        ProtocolMessage original = e.frame().message();
        ProtocolMessage pm = ProtocolMessage.of(Action.MESSAGE, name);
        pm.id = original.id;
        pm.connectionId = original.connectionId;
        pm.timestamp = original.timestamp;
        pm.channelSerial = original.channelSerial;
        pm.messages = e.messages().subList(skip, e.messages().size());
        return new EncodedFrame(pm);
    }

    private void prune(long now) {
        long oldestKept = now - retention.maxAgeMs();
        while (!recent.isEmpty()) {
            ChannelEvent first = recent.peekFirst();
            boolean overCap = recentMessageCount > retention.maxMessages();
            boolean expired = first.timestamp() < oldestKept
                    && recentMessageCount - first.messages().size() >= retention.minMessages();
            if (!overCap && !expired) break;
            recent.removeFirst();
            recentMessageCount -= first.messages().size();
            for (Message m : first.messages()) serialById.remove(m.id());
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
