package dev.switchboard.server.broker;

import dev.switchboard.server.broker.Broker.Entry;
import dev.switchboard.server.broker.Broker.HistoryPage;
import dev.switchboard.server.broker.Broker.HistoryQuery;
import dev.switchboard.server.broker.Broker.NewEntry;
import dev.switchboard.server.broker.Broker.Notice;
import dev.switchboard.server.broker.Broker.Published;
import dev.switchboard.server.broker.Broker.Retention;
import dev.switchboard.server.broker.Broker.Since;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@link Broker} contract, run against every implementation: each subclass says how to make one with a given
 * retention and how time passes for it. Every test uses channels of its own.
 */
abstract class BrokerContract {
    /** Retention for most tests: long enough that nothing expires while a test runs. */
    static final Retention ROOMY = new Retention(600_000, 100, 10_000, 600_000);

    protected Broker broker;

    /** A broker with the retention, on whatever it needs (started by the subclass). */
    protected abstract Broker newBroker(Retention retention);

    /** Lets {@code ms} of the broker's time pass (a movable clock, or real time for a server). */
    protected abstract void passTime(long ms) throws Exception;

    @BeforeEach
    void start() { broker = newBroker(ROOMY); }

    @AfterEach
    void stop() { if (broker != null) broker.close(); }

    protected static ChannelKey channel() { return new ChannelKey("app", "contract-" + UUID.randomUUID()); }

    protected static NewEntry entry(String id, String payload) {
        return new NewEntry(id, System.currentTimeMillis(), payload.getBytes(StandardCharsets.UTF_8));
    }

    protected static String text(Entry e) { return new String(e.payload(), StandardCharsets.UTF_8); }

    protected static <T> T get(CompletableFuture<T> f) throws Exception { return f.get(10, TimeUnit.SECONDS); }

    @Test
    void publishesGetConsecutiveOffsetsInOneEpoch() throws Exception {
        ChannelKey c = channel();
        StreamPosition empty = get(broker.top(c));
        assertThat(empty.offset()).isZero();
        Published first = get(broker.publish(c, List.of(entry("a", "1"), entry("b", "2"))));
        Published second = get(broker.publish(c, List.of(entry(null, "3"))));
        assertThat(first.offsets()).containsExactly(1L, 2L);
        assertThat(second.offsets()).containsExactly(3L);
        assertThat(second.top()).isEqualTo(new StreamPosition(empty.epoch(), 3));
        assertThat(get(broker.top(c))).isEqualTo(second.top());
    }

    @Test
    void anIdAppendedBeforeGetsItsFirstOffsetBackAndIsNotAppendedAgain() throws Exception {
        ChannelKey c = channel();
        get(broker.publish(c, List.of(entry("x", "first"))));
        Published again = get(broker.publish(c, List.of(entry("y", "new"), entry("x", "again"), entry("y", "twice in one call"))));
        assertThat(again.offsets()).containsExactly(2L, 1L, 2L);
        assertThat(again.duplicates()).containsExactly(false, true, true);
        assertThat(again.appendedCount()).isEqualTo(1);
        Since all = get(broker.since(c, new StreamPosition(again.top().epoch(), 0), 100));
        assertThat(all.entries()).extracting(BrokerContract::text).containsExactly("first", "new");
    }

    @Test
    void entriesWithoutAnIdAreNeverDuplicates() throws Exception {
        ChannelKey c = channel();
        Published p = get(broker.publish(c, List.of(entry(null, "same"), entry(null, "same"))));
        assertThat(p.offsets()).containsExactly(1L, 2L);
        assertThat(p.duplicates()).containsExactly(false, false);
    }

    @Test
    void aSubscriptionIsToldOfEveryEntryInOffsetOrderWhoeverPublishes() throws Exception {
        ChannelKey c = channel();
        List<Entry> seen = new CopyOnWriteArrayList<>();
        List<String> epochs = new CopyOnWriteArrayList<>();
        Broker.Subscription subscription = get(broker.subscribe(c, (Notice n) -> {
            epochs.add(n.epoch());
            seen.addAll(n.entries());
        }));
        Broker other = newBroker(ROOMY); // another node's view of the same channels (the same broker for memory)
        try {
            int perPublisher = 300;
            List<CompletableFuture<?>> publishing = new ArrayList<>();
            for (Broker publisher : List.of(broker, other)) {
                publishing.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < perPublisher; i++) publisher.publish(c, List.of(entry(null, "m" + i))).join();
                }));
            }
            for (CompletableFuture<?> f : publishing) get(f);
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2 * perPublisher);
            for (int i = 0; i < seen.size(); i++) assertThat(seen.get(i).offset()).as("entry " + i).isEqualTo(i + 1);
            assertThat(epochs).containsOnly(get(broker.top(c)).epoch());
        } finally {
            if (other != broker) other.close();
            get(subscription.unsubscribe());
        }
    }

    @Test
    void afterUnsubscribingNoMoreNotices() throws Exception {
        ChannelKey c = channel();
        List<Entry> seen = new CopyOnWriteArrayList<>();
        Broker.Subscription subscription = get(broker.subscribe(c, n -> seen.addAll(n.entries())));
        get(broker.publish(c, List.of(entry(null, "before"))));
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
        get(subscription.unsubscribe());
        get(broker.publish(c, List.of(entry(null, "after"))));
        // A later subscription's notice shows that "after" has gone out: the first one must not have had it.
        List<Entry> later = new CopyOnWriteArrayList<>();
        Broker.Subscription second = get(broker.subscribe(c, n -> later.addAll(n.entries())));
        get(broker.publish(c, List.of(entry(null, "marker"))));
        await().atMost(Duration.ofSeconds(10)).until(() -> later.size() == 1);
        assertThat(seen).extracting(BrokerContract::text).containsExactly("before");
        get(second.unsubscribe());
    }

    @Test
    void sinceGivesTheEntriesAfterAPositionOldestFirst() throws Exception {
        ChannelKey c = channel();
        List<NewEntry> five = new ArrayList<>();
        for (int i = 1; i <= 5; i++) five.add(entry("e" + i, "m" + i));
        Published p = get(broker.publish(c, five));
        String epoch = p.top().epoch();

        Since fromTwo = get(broker.since(c, new StreamPosition(epoch, 2), 100));
        assertThat(fromTwo.continuous()).isTrue();
        assertThat(fromTwo.entries()).extracting(Entry::offset).containsExactly(3L, 4L, 5L);
        assertThat(fromTwo.entries()).extracting(BrokerContract::text).containsExactly("m3", "m4", "m5");
        assertThat(fromTwo.top()).isEqualTo(p.top());

        assertThat(get(broker.since(c, new StreamPosition(epoch, 0), 2)).entries()).extracting(Entry::offset).containsExactly(1L, 2L);
        Since atTop = get(broker.since(c, p.top(), 100));
        assertThat(atTop.continuous()).isTrue();
        assertThat(atTop.entries()).isEmpty();
    }

    @Test
    void aPositionOfAnotherEpochIsNeverContinued() throws Exception {
        ChannelKey c = channel();
        get(broker.publish(c, List.of(entry(null, "m"))));
        Since other = get(broker.since(c, new StreamPosition("not-this-epoch", 0), 100));
        assertThat(other.continuous()).isFalse();
        assertThat(other.entries()).isEmpty();
    }

    @Test
    void historyPagesNewestOrOldestFirstWithinATimeRange() throws Exception {
        ChannelKey c = channel();
        List<NewEntry> entries = new ArrayList<>();
        for (int i = 1; i <= 7; i++) entries.add(new NewEntry(null, 1_000L * i, ("m" + i).getBytes(StandardCharsets.UTF_8)));
        get(broker.publish(c, entries));

        HistoryPage newest = get(broker.history(c, HistoryQuery.newestFirst(3)));
        assertThat(newest.entries()).extracting(BrokerContract::text).containsExactly("m7", "m6", "m5");
        assertThat(newest.more()).isTrue();
        HistoryPage next = get(broker.history(c, new HistoryQuery(null, null, true, 3, 5L, null)));
        assertThat(next.entries()).extracting(BrokerContract::text).containsExactly("m4", "m3", "m2");
        HistoryPage last = get(broker.history(c, new HistoryQuery(null, null, true, 3, 2L, null)));
        assertThat(last.entries()).extracting(BrokerContract::text).containsExactly("m1");
        assertThat(last.more()).isFalse();

        HistoryPage range = get(broker.history(c, new HistoryQuery(2_000L, 4_000L, false, 10, null, null)));
        assertThat(range.entries()).extracting(BrokerContract::text).containsExactly("m2", "m3", "m4");
        assertThat(range.more()).isFalse();
    }

    @Test
    void theNewestEntriesAreKeptUpToTheMaximumAndSinceThenSaysWhatIsGone() throws Exception {
        broker.close();
        broker = newBroker(new Retention(600_000, 2, 5, 600_000));
        ChannelKey c = channel();
        for (int i = 1; i <= 8; i++) get(broker.publish(c, List.of(entry(null, "m" + i))));
        String epoch = get(broker.top(c)).epoch();
        Since fromStart = get(broker.since(c, new StreamPosition(epoch, 0), 100));
        assertThat(fromStart.continuous()).as("entries 1-3 are gone").isFalse();
        assertThat(fromStart.entries()).extracting(BrokerContract::text).containsExactly("m4", "m5", "m6", "m7", "m8");
        assertThat(get(broker.since(c, new StreamPosition(epoch, 3), 100)).continuous()).isTrue();
    }

    @Test
    void entriesOlderThanTheRetentionAgeGoButTheFloorStays() throws Exception {
        broker.close();
        broker = newBroker(new Retention(1_000, 2, 100, 600_000));
        ChannelKey c = channel();
        for (int i = 1; i <= 4; i++) get(broker.publish(c, List.of(entry(null, "old" + i))));
        passTime(1_500);
        get(broker.publish(c, List.of(entry(null, "new"))));
        String epoch = get(broker.top(c)).epoch();
        Since all = get(broker.since(c, new StreamPosition(epoch, 0), 100));
        assertThat(all.continuous()).isFalse();
        // Old entries beyond the floor of 2 go; the floor counts the new one.
        assertThat(all.entries()).extracting(BrokerContract::text).containsExactly("old4", "new");
    }

    @Test
    void idsAreForgottenAfterTheDedupWindow() throws Exception {
        broker.close();
        broker = newBroker(new Retention(600_000, 100, 10_000, 1_000));
        ChannelKey c = channel();
        get(broker.publish(c, List.of(entry("once", "a"))));
        assertThat(get(broker.publish(c, List.of(entry("once", "b")))).duplicates()).containsExactly(true);
        passTime(1_500);
        Published later = get(broker.publish(c, List.of(entry("once", "c"))));
        assertThat(later.duplicates()).containsExactly(false);
        assertThat(later.offsets()).containsExactly(2L);
    }

    @Test
    void channelsAreIndependent() throws Exception {
        ChannelKey one = channel();
        ChannelKey two = new ChannelKey("other-app", one.name());
        get(broker.publish(one, List.of(entry("same-id", "one"))));
        Published onTwo = get(broker.publish(two, List.of(entry("same-id", "two"))));
        assertThat(onTwo.offsets()).containsExactly(1L);
        assertThat(onTwo.duplicates()).containsExactly(false);
    }
}
