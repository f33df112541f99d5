package dev.switchboard.server.stats;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * One app's stats by minute: entries keyed the hosted service's way ({@code messages.inbound.all.messages.count}), summed
 * over whatever is recorded (live counts, or fixtures a sandbox test posts), and read back summed by any unit.
 * Held by this process; thread-safe.
 */
public final class StatsStore {
    private final NavigableMap<Long, Map<String, DoubleAdder>> minutes = new ConcurrentSkipListMap<>();

    /** Adds {@code value} to {@code entry} in the minute holding {@code epochMs}. */
    public void add(long epochMs, String entry, double value) {
        minutes.computeIfAbsent(StatsUnit.MINUTE.floor(epochMs), m -> new java.util.concurrent.ConcurrentHashMap<>())
                .computeIfAbsent(entry, e -> new DoubleAdder()).add(value);
    }

    /** Messages received from clients (publishes over a connection or REST), as the hosted service counts them. */
    public void recordInbound(long now, String transport, int count, long bytes) {
        for (String t : new String[] {transport, "all"}) {
            add(now, "messages.inbound." + t + ".messages.count", count);
            add(now, "messages.inbound." + t + ".messages.data", bytes);
            add(now, "messages.inbound." + t + ".all.count", count);
            add(now, "messages.inbound." + t + ".all.data", bytes);
        }
        add(now, "messages.all.messages.count", count);
        add(now, "messages.all.messages.data", bytes);
        add(now, "messages.all.all.count", count);
        add(now, "messages.all.all.data", bytes);
    }

    /** The intervals of {@code unit} holding data in [from, to], each with its summed entries, oldest first. */
    public NavigableMap<Long, Map<String, Double>> intervals(StatsUnit unit, long from, long to) {
        NavigableMap<Long, Map<String, Double>> out = new java.util.TreeMap<>();
        for (var minute : minutes.subMap(unit.floor(from), true, to, true).entrySet()) {
            long interval = unit.floor(minute.getKey());
            Map<String, Double> sums = out.computeIfAbsent(interval, i -> new LinkedHashMap<>());
            for (var e : minute.getValue().entrySet()) sums.merge(e.getKey(), e.getValue().sum(), Double::sum);
        }
        return out;
    }
}
