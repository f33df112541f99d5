package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.EncodedFrame;
import dev.switchboard.server.protocol.Flags;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.WireFormat;
import io.vertx.core.Context;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A channel's occupancy events: the attachments that asked for them ({@code params.occupancy=metrics}) get a
 * {@code [meta]occupancy} message with the channel's metrics right after their ATTACHED, then whenever the metrics
 * change (changes within {@value #DEBOUNCE_MS} ms make one event). Never logged: not in history, rewind or resume.
 * The channel's owner context only.
 */
public final class OccupancyEvents {
    public static final String EVENT_NAME = "[meta]occupancy";
    static final long DEBOUNCE_MS = 100;

    private record Watcher(Subscriber subscriber, String wireName) {}

    private final String channelName;
    private final Context owner;
    private final Supplier<Map<String, Object>> metrics;
    private final Set<Watcher> watchers = new LinkedHashSet<>();
    private Map<String, Object> sent;
    private boolean scheduled;
    private long counter;

    OccupancyEvents(String channelName, Context owner, Supplier<Map<String, Object>> metrics) {
        this.channelName = channelName;
        this.owner = owner;
        this.metrics = metrics;
    }

    /** True for the frame of an occupancy event. */
    public static boolean isEvent(EncodedFrame frame) {
        List<Message> ms = frame.message().messages;
        return ms != null && ms.size() == 1 && EVENT_NAME.equals(ms.get(0).name()) && frame.message().channelSerial == null;
    }

    /** True when the attach params ask for occupancy events. */
    static boolean asked(Map<String, String> params) { return params != null && "metrics".equals(params.get("occupancy")); }

    /** Starts events for an attachment; returns the event with the current metrics, to follow its ATTACHED. */
    EncodedFrame watch(Subscriber subscriber, String wireName) {
        watchers.add(new Watcher(subscriber, wireName));
        Map<String, Object> now = metrics.get();
        return frame(now).forChannelName(wireName);
    }

    void unwatch(Subscriber subscriber, String wireName) { watchers.remove(new Watcher(subscriber, wireName)); }

    /** Something that counts changed (an attachment or a member): the watchers hear of it shortly, once. */
    void changed() {
        if (watchers.isEmpty() || scheduled) return;
        scheduled = true;
        owner.owner().setTimer(DEBOUNCE_MS, id -> owner.runOnContext(v -> {
            scheduled = false;
            send();
        }));
    }

    private void send() {
        if (watchers.isEmpty()) return;
        Map<String, Object> now = metrics.get();
        if (now.equals(sent)) return;
        sent = now;
        EncodedFrame frame = frame(now);
        for (Watcher w : List.copyOf(watchers)) {
            EncodedFrame named = frame.forChannelName(w.wireName());
            w.subscriber().context().runOnContext(v -> w.subscriber().deliver(named));
        }
    }

    private EncodedFrame frame(Map<String, Object> values) {
        ProtocolMessage pm = ProtocolMessage.of(Action.MESSAGE, channelName);
        long ts = System.currentTimeMillis();
        String json;
        try {
            json = WireFormat.jsonMapper().writeValueAsString(Map.of("metrics", values));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        pm.id = "occupancy:" + ts + ":" + (++counter);
        pm.timestamp = ts;
        pm.messages = List.of(new Message(pm.id + ":0", EVENT_NAME, null, null, ts, new Payload(json, "json"), null, null));
        return new EncodedFrame(pm);
    }

    /**
     * The hosted service's occupancy metrics from attachments' modes (several wire names of one connection count once
     * per mode) and the number of presence members.
     */
    public static Map<String, Object> metrics(Collection<Map.Entry<Subscriber, Integer>> attachments, int presenceMembers) {
        Set<String> connections = new HashSet<>(), publishers = new HashSet<>(), subscribers = new HashSet<>(),
                presenceConnections = new HashSet<>(), presenceSubscribers = new HashSet<>();
        for (Map.Entry<Subscriber, Integer> a : attachments) {
            String id = a.getKey().connectionId();
            int modes = a.getValue();
            connections.add(id);
            if (Flags.has(modes, Flags.MODE_PUBLISH)) publishers.add(id);
            if (Flags.has(modes, Flags.MODE_SUBSCRIBE)) subscribers.add(id);
            if (Flags.has(modes, Flags.MODE_PRESENCE)) presenceConnections.add(id);
            if (Flags.has(modes, Flags.MODE_PRESENCE_SUBSCRIBE)) presenceSubscribers.add(id);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connections", connections.size());
        m.put("publishers", publishers.size());
        m.put("subscribers", subscribers.size());
        m.put("presenceConnections", presenceConnections.size());
        m.put("presenceMembers", presenceMembers);
        m.put("presenceSubscribers", presenceSubscribers.size());
        m.put("objectPublishers", 0);
        m.put("objectSubscribers", 0);
        return m;
    }
}
