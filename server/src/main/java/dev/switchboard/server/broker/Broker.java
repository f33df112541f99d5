package dev.switchboard.server.broker;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The shared log of every channel, the seam between a node and the state it shares with other nodes. Each channel
 * ({@link ChannelKey}) has one log: entries with consecutive offsets in one epoch ({@link StreamPosition}); the
 * entries' payloads are opaque bytes to the broker. Implementations: {@link MemoryBroker} (one node, in memory) and,
 * for several nodes, one on Redis.
 *
 * <p>Contract, for every implementation:
 * <ul>
 *   <li><b>Atomic publish per channel.</b> {@link #publish} appends all entries of one call or none. Entries are
 *       deduplicated by id: an id appended to the channel within the dedup window gets its first offset back and is
 *       not appended again (also within one call). Offsets of one channel are consecutive and never reused within an
 *       epoch; concurrent publishes to one channel (from any node) are ordered by the broker — calls in flight
 *       together may be applied in any order (later calls overtake a Redis script re-sent after NOSCRIPT), so a caller
 *       that needs its own order keeps one call in flight per channel.</li>
 *   <li><b>Epochs.</b> A channel's epoch changes only when its log was lost (e.g. Redis restarted without persistence,
 *       or the channel expired): a position of another epoch can never be continued from, so a client learns of the
 *       discontinuity instead of silently missing entries.</li>
 *   <li><b>Notification.</b> Every subscription of a channel ({@link #subscribe}) is told of every appended entry,
 *       in offset order, at most once. A subscription may miss notices while its connection to the broker is
 *       interrupted; the subscriber sees a gap in the offsets and heals with {@link #since}. The memory broker
 *       never misses any.</li>
 *   <li><b>Retention.</b> Entries are kept at least {@link Retention#maxAgeMs()} (and, while the channel is published
 *       to, the newest {@link Retention#minEntries()} regardless of age) and at most {@link Retention#maxEntries()};
 *       what is older may be gone (trimming may wait for the next publish), and {@link #since} then says the
 *       continuity is broken. A channel nobody publishes to may expire as a whole once its entries and ids are past
 *       their age; its next use starts a new epoch. Reading a channel never seen ({@link #top}) fixes its epoch.</li>
 *   <li><b>Non-blocking and fallible.</b> No method blocks the caller; futures complete on a broker thread or, for
 *       the memory broker, on the caller's. Failures are {@code SwitchboardException}s: retriable (50003) when the
 *       broker is unavailable, permanent for bad input.</li>
 * </ul>
 */
public interface Broker extends AutoCloseable {

    /** Appends entries to the channel's log (see the contract); completes with the offset of each, in order. */
    CompletableFuture<Published> publish(ChannelKey channel, List<NewEntry> entries);

    /** The channel's newest position (offset 0 in a new epoch when the log is empty or unknown). */
    CompletableFuture<StreamPosition> top(ChannelKey channel);

    /**
     * The entries after {@code from}, oldest first, at most {@code limit}: for resume and rewind. Not continuous when
     * {@code from} is of another epoch or entries right after it are no longer retained.
     */
    CompletableFuture<Since> since(ChannelKey channel, StreamPosition from, int limit);

    /** A page of the channel's retained entries, for history. */
    CompletableFuture<HistoryPage> history(ChannelKey channel, HistoryQuery query);

    /**
     * Starts notifying {@code listener} of the channel's new entries, in offset order (this node's subscription: one
     * per channel per node). Completes once notices are flowing, so nothing appended after completion is missed.
     */
    CompletableFuture<Subscription> subscribe(ChannelKey channel, Consumer<Notice> listener);

    /**
     * Lets go of what nobody needs, for a broker whose storage does not expire by itself: entries past their age in logs
     * no node subscribes to (their floor included), then logs left with no entries, ids or subscriptions (their next use
     * is a new epoch). Returns how many logs were forgotten; a broker whose keys expire on their own does nothing.
     */
    default int forgetIdle() { return 0; }

    @Override
    void close();

    /** One entry to append: an id for deduplication (null: never a duplicate), its time, and the payload. */
    record NewEntry(String id, long timestamp, byte[] payload) {}

    /** An entry of a channel's log. */
    record Entry(String id, long offset, long timestamp, byte[] payload) {}

    /**
     * What a publish did: for each new entry (in call order) its offset, and whether it was a duplicate of one appended
     * before; {@code top} is the channel's position after the publish.
     */
    record Published(List<Long> offsets, List<Boolean> duplicates, StreamPosition top) {
        /** The entries this publish appended (the duplicates left out), for the publisher's own use. */
        public int appendedCount() {
            int n = 0;
            for (Boolean d : duplicates) if (!d) n++;
            return n;
        }
    }

    /** The entries after a position; {@code continuous} is false when some in between are gone (or the epoch changed). */
    record Since(List<Entry> entries, boolean continuous, StreamPosition top) {}

    /**
     * A history request: entries with timestamps in [start, end] (null: unbounded), newest first when {@code backwards};
     * {@code beforeOffset}/{@code afterOffset} continue a previous page (exclusive; null: from the end or start).
     */
    record HistoryQuery(Long start, Long end, boolean backwards, int limit, Long beforeOffset, Long afterOffset) {
        public static HistoryQuery newestFirst(int limit) { return new HistoryQuery(null, null, true, limit, null, null); }
    }

    /** One page of history; {@code more} is true when a next page may hold entries. */
    record HistoryPage(List<Entry> entries, boolean more, String epoch) {}

    /** Entries appended to a channel, in offset order, told to a subscription. */
    record Notice(ChannelKey channel, String epoch, List<Entry> entries) {}

    /** A channel's retention (see the contract); {@code dedupWindowMs} is how long ids are remembered. */
    record Retention(long maxAgeMs, int minEntries, int maxEntries, long dedupWindowMs) {
        /** The history window's retention; ids are remembered as long as messages are kept, as on one node. */
        public static Retention of(dev.switchboard.server.history.RetentionPolicy history) {
            return new Retention(history.maxAgeMs(), history.minMessages(), history.maxMessages(), history.maxAgeMs());
        }
    }

    /** This node's subscription to one channel. */
    interface Subscription {
        /** Stops the notices; completes once the broker has been told. */
        CompletableFuture<Void> unsubscribe();
    }
}
