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
        minute(epochMs).computeIfAbsent(entry, e -> new DoubleAdder()).add(value);
    }

    private Map<String, DoubleAdder> minute(long epochMs) {
        return minutes.computeIfAbsent(epochMs - Math.floorMod(epochMs, 60_000L), m -> new java.util.concurrent.ConcurrentHashMap<>());
    }

    /**
     * Messages received from clients (publishes over a connection or REST), as the hosted service counts them. Called
     * once per publish: the entry names are made once, the minute looked up once.
     */
    public void recordInbound(long now, String transport, int count, long bytes) {
        Map<String, DoubleAdder> minute = minute(now);
        for (String[] names : INBOUND.computeIfAbsent(transport, StatsStore::inboundNames)) {
            minute.computeIfAbsent(names[0], e -> new DoubleAdder()).add(count);
            minute.computeIfAbsent(names[1], e -> new DoubleAdder()).add(bytes);
        }
    }

    private static final Map<String, String[][]> INBOUND = new java.util.concurrent.ConcurrentHashMap<>();

    /** Pairs of (count, data) entry names an inbound message on {@code transport} adds to. */
    private static String[][] inboundNames(String transport) {
        java.util.List<String[]> names = new java.util.ArrayList<>();
        for (String t : new String[] {transport, "all"}) {
            names.add(new String[] {"messages.inbound." + t + ".messages.count", "messages.inbound." + t + ".messages.data"});
            names.add(new String[] {"messages.inbound." + t + ".all.count", "messages.inbound." + t + ".all.data"});
        }
        names.add(new String[] {"messages.all.messages.count", "messages.all.messages.data"});
        names.add(new String[] {"messages.all.all.count", "messages.all.all.data"});
        return names.toArray(String[][]::new);
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
