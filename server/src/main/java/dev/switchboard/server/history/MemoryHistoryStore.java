package dev.switchboard.server.history;

import dev.switchboard.server.channel.ChannelEvent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** Retains a channel's events in this process's memory, bounded by a {@link RetentionPolicy}. */
public final class MemoryHistoryStore implements HistoryStore {
    private final RetentionPolicy policy;
    private final ArrayDeque<ChannelEvent> events = new ArrayDeque<>();
    private int itemCount;

    public MemoryHistoryStore(RetentionPolicy policy) { this.policy = policy; }

    @Override
    public void append(ChannelEvent event) {
        events.addLast(event);
        itemCount += event.size();
    }

    @Override
    public void clear() { events.clear(); }

    @Override
    public List<ChannelEvent> prune(long now) { return prune(now, policy.minMessages()); }

    @Override
    public List<ChannelEvent> pruneBelowFloor(long now) { return prune(now, 0); }

    private List<ChannelEvent> prune(long now, int minMessages) {
        long oldestKept = now - policy.maxAgeMs();
        List<ChannelEvent> dropped = null;
        while (!events.isEmpty()) {
            ChannelEvent first = events.peekFirst();
            boolean overCap = itemCount > policy.maxMessages();
            boolean expired = first.timestamp() < oldestKept && itemCount - first.size() >= minMessages;
            if (!overCap && !expired) break;
            events.removeFirst();
            itemCount -= first.size();
            if (dropped == null) dropped = new ArrayList<>();
            dropped.add(first);
        }
        return dropped == null ? List.of() : dropped;
    }

    @Override
    public List<ChannelEvent> events() { return List.copyOf(events); }

    @Override
    public ChannelEvent oldest() { return events.peekFirst(); }

    @Override
    public List<ChannelEvent> after(long seq) {
        List<ChannelEvent> out = new ArrayList<>();
        var it = events.descendingIterator();
        while (it.hasNext()) {
            ChannelEvent e = it.next();
            if (e.seq() <= seq) break;
            out.add(0, e);
        }
        return out;
    }
}
