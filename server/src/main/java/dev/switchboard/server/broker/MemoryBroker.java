package dev.switchboard.server.broker;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The broker of one node: every channel's log in memory. Calls complete before they return, on the caller's thread,
 * and notices are delivered synchronously in offset order (under the channel's lock), so a single node keeps
 * today's speed. {@link #forgetIdle} (the channel sweep calls it) lets an unsubscribed log's old entries go, floor
 * included, and forgets a log left empty, with no subscription and no remembered ids; its next use starts a new
 * epoch, as the contract asks of a lost log.
 */
public final class MemoryBroker implements Broker {
    private final Clock clock;
    private final Retention retention;
    private final Map<ChannelKey, ChannelLog> logs = new ConcurrentHashMap<>();

    public MemoryBroker(Clock clock, Retention retention) {
        this.clock = clock;
        this.retention = retention;
    }

    @Override
    public CompletableFuture<Published> publish(ChannelKey channel, List<NewEntry> entries) {
        ChannelLog log = log(channel);
        synchronized (log) {
            return CompletableFuture.completedFuture(log.append(entries, clock.millis()));
        }
    }

    @Override
    public CompletableFuture<StreamPosition> top(ChannelKey channel) {
        ChannelLog log = log(channel);
        synchronized (log) {
            return CompletableFuture.completedFuture(log.top());
        }
    }

    @Override
    public CompletableFuture<Since> since(ChannelKey channel, StreamPosition from, int limit) {
        ChannelLog log = log(channel);
        synchronized (log) {
            log.prune(clock.millis());
            return CompletableFuture.completedFuture(log.since(from, limit));
        }
    }

    @Override
    public CompletableFuture<HistoryPage> history(ChannelKey channel, HistoryQuery query) {
        ChannelLog log = log(channel);
        synchronized (log) {
            log.prune(clock.millis());
            return CompletableFuture.completedFuture(log.history(query));
        }
    }

    @Override
    public CompletableFuture<Subscription> subscribe(ChannelKey channel, Consumer<Notice> listener) {
        ChannelLog log = log(channel);
        synchronized (log) {
            log.listeners.add(listener);
        }
        return CompletableFuture.completedFuture(() -> {
            synchronized (log) {
                log.listeners.remove(listener);
            }
            return CompletableFuture.completedFuture(null);
        });
    }

    @Override
    public int forgetIdle() {
        long now = clock.millis();
        int forgotten = 0;
        for (Map.Entry<ChannelKey, ChannelLog> e : logs.entrySet()) {
            ChannelLog log = e.getValue();
            synchronized (log) {
                log.prune(now);
                if (log.listeners.isEmpty()) log.pruneBelowFloor(now);
                if (log.forgettable() && logs.remove(e.getKey(), log)) {
                    log.forgotten = true;
                    forgotten++;
                }
            }
        }
        return forgotten;
    }

    @Override
    public void close() { logs.clear(); }

    private ChannelLog log(ChannelKey channel) {
        while (true) {
            ChannelLog log = logs.computeIfAbsent(channel, c -> new ChannelLog(c, newEpoch(clock.millis())));
            if (!log.forgotten) return log;
        }
    }

    static String newEpoch(long now) {
        return Long.toString(now, 36) + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
    }

    private record Kept(Entry entry, long appendedAt) {}

    /** One channel's log; guarded by its own monitor. */
    private final class ChannelLog {
        private final ChannelKey channel;
        private final String epoch;
        private long offset;
        /** Entries with the time they were appended: retention goes by that, not by the entry's own timestamp. */
        private final ArrayDeque<Kept> entries = new ArrayDeque<>();
        /** Id → [offset, time remembered until], in insertion (so expiry) order. */
        private final LinkedHashMap<String, long[]> ids = new LinkedHashMap<>();
        private final List<Consumer<Notice>> listeners = new CopyOnWriteArrayList<>();
        private boolean forgotten;

        ChannelLog(ChannelKey channel, String epoch) {
            this.channel = channel;
            this.epoch = epoch;
        }

        StreamPosition top() { return new StreamPosition(epoch, offset); }

        Published append(List<NewEntry> batch, long now) {
            prune(now);
            List<Long> offsets = new ArrayList<>(batch.size());
            List<Boolean> duplicates = new ArrayList<>(batch.size());
            List<Entry> appended = new ArrayList<>(batch.size());
            for (NewEntry e : batch) {
                long[] seen = e.id() == null ? null : ids.get(e.id());
                if (seen != null) {
                    offsets.add(seen[0]);
                    duplicates.add(true);
                    continue;
                }
                Entry entry = new Entry(e.id(), ++offset, e.timestamp(), e.payload());
                if (e.id() != null) ids.put(e.id(), new long[]{entry.offset(), now + retention.dedupWindowMs()});
                entries.add(new Kept(entry, now));
                appended.add(entry);
                offsets.add(entry.offset());
                duplicates.add(false);
            }
            while (entries.size() > retention.maxEntries()) entries.poll();
            if (!appended.isEmpty()) {
                Notice notice = new Notice(channel, epoch, List.copyOf(appended));
                for (Consumer<Notice> l : listeners) l.accept(notice);
            }
            return new Published(offsets, duplicates, top());
        }

        Since since(StreamPosition from, int limit) {
            if (!epoch.equals(from.epoch()) || from.offset() > offset) return new Since(List.of(), false, top());
            long oldest = entries.isEmpty() ? offset + 1 : entries.peek().entry().offset();
            boolean continuous = from.offset() + 1 >= oldest;
            List<Entry> out = new ArrayList<>();
            for (Kept k : entries) {
                Entry e = k.entry();
                if (e.offset() <= from.offset()) continue;
                if (out.size() >= limit) break;
                out.add(e);
            }
            return new Since(out, continuous, top());
        }

        HistoryPage history(HistoryQuery q) {
            List<Entry> matching = new ArrayList<>();
            Iterator<Kept> it = q.backwards() ? entries.descendingIterator() : entries.iterator();
            boolean more = false;
            while (it.hasNext()) {
                Entry e = it.next().entry();
                if (q.beforeOffset() != null && e.offset() >= q.beforeOffset()) continue;
                if (q.afterOffset() != null && e.offset() <= q.afterOffset()) continue;
                if (q.start() != null && e.timestamp() < q.start()) continue;
                if (q.end() != null && e.timestamp() > q.end()) continue;
                if (matching.size() == q.limit()) {
                    more = true;
                    break;
                }
                matching.add(e);
            }
            return new HistoryPage(matching, more, epoch);
        }

        void prune(long now) {
            for (Iterator<long[]> it = ids.values().iterator(); it.hasNext(); ) {
                if (it.next()[1] > now) break;
                it.remove();
            }
            long oldestKept = now - retention.maxAgeMs();
            while (entries.size() > retention.minEntries() && entries.peek().appendedAt() < oldestKept) entries.poll();
        }

        /** Nobody subscribes: entries past their age go, the floor too. */
        void pruneBelowFloor(long now) {
            long oldestKept = now - retention.maxAgeMs();
            while (!entries.isEmpty() && entries.peek().appendedAt() < oldestKept) entries.poll();
        }

        boolean forgettable() { return entries.isEmpty() && ids.isEmpty() && listeners.isEmpty(); }
    }
}
