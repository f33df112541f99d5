package dev.switchboard.server.broker;

import dev.switchboard.server.broker.Broker.Entry;
import dev.switchboard.server.broker.Broker.HistoryPage;
import dev.switchboard.server.broker.Broker.HistoryQuery;
import dev.switchboard.server.broker.Broker.NewEntry;
import dev.switchboard.server.broker.Broker.Notice;
import dev.switchboard.server.broker.Broker.Published;
import dev.switchboard.server.broker.Broker.Retention;
import dev.switchboard.server.broker.Broker.Since;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.testing.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The broker contract on a standalone Redis started for this class, and what only a server can do: lose its data, be down. */
class RedisBrokerIT extends BrokerContract {
    private static RedisServers redis;
    private final List<Broker> opened = new ArrayList<>();

    @BeforeAll
    static void startRedis() throws Exception { redis = RedisServers.standalone(); }

    @AfterAll
    static void stopRedis() { if (redis != null) redis.close(); }

    /** A new node each time: its own client and connections to the same Redis. */
    @Override
    protected Broker newBroker(Retention retention) {
        RedisBroker b = RedisBroker.standalone(redis.url(), Clock.systemUTC(), retention);
        opened.add(b);
        return b;
    }

    /** Redis's clock decides retention: real time passes. */
    @Override
    protected void passTime(long ms) { await().pollDelay(Duration.ofMillis(ms)).atMost(Duration.ofMillis(ms + 5_000)).until(() -> true); }

    @AfterEach
    void closeNodes() { opened.forEach(Broker::close); }

    @Test
    void aRedisRestartedWithoutItsDataStartsANewEpochThatOldPositionsCannotContinue() throws Exception {
        ChannelKey c = channel();
        List<Notice> notices = new CopyOnWriteArrayList<>();
        Broker.Subscription subscription = get(broker.subscribe(c, notices::add));
        StreamPosition before = get(broker.publish(c, List.of(entry("a", "one"), entry("b", "two")))).top();
        // pub/sub delivery is asynchronous: the notice of this publish could otherwise die with the server
        await().atMost(Duration.ofSeconds(5)).until(() -> !notices.isEmpty());

        redis.restart(0);

        // the first publish may still find the connection reconnecting: it fails retriably or succeeds, never hangs
        Published after = await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                .until(() -> get(broker.publish(c, List.of(entry("a", "three")))), p -> p != null);
        assertThat(after.top().epoch()).isNotEqualTo(before.epoch());
        assertThat(after.offsets()).as("offsets start again; the id is new in the new epoch").containsExactly(1L);
        assertThat(after.duplicates()).containsExactly(false);
        Since fromBefore = get(broker.since(c, before, 100));
        assertThat(fromBefore.continuous()).isFalse();
        assertThat(fromBefore.entries()).isEmpty();
        assertThat(fromBefore.top()).isEqualTo(after.top());
        // the pub/sub connection came back subscribed: the subscriber sees the epoch change
        await().atMost(Duration.ofSeconds(15)).until(() -> notices.stream().anyMatch(n -> n.epoch().equals(after.top().epoch())));
        assertThat(notices.get(0).epoch()).isEqualTo(before.epoch());
        get(subscription.unsubscribe());
    }

    @Test
    void aPublishWhileRedisIsDownFailsRetriablyWithinTheCommandTimeout() throws Exception {
        ChannelKey c = channel();
        get(broker.publish(c, List.of(entry(null, "up"))));
        redis.kill(0);
        try {
            long start = System.nanoTime();
            assertThatThrownBy(() -> get(broker.publish(c, List.of(entry(null, "down")))))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(SwitchboardException.class, e -> {
                        assertThat(e.error().code()).isEqualTo(50003);
                        assertThat(e.error().retriable()).isTrue();
                        assertThat(e.error().message()).contains("Redis could not publish");
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThatThrownBy(() -> get(broker.since(c, new StreamPosition("x", 0), 10))).cause().isInstanceOf(SwitchboardException.class);
        } finally {
            redis.restart(0);
        }
    }

    @Test
    void payloadsAndIdsAreKeptByteForByte() throws Exception {
        ChannelKey c = new ChannelKey("app{x}:y%", "room:{1}/ünï");
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) i;
        List<Notice> notices = new CopyOnWriteArrayList<>();
        Broker.Subscription subscription = get(broker.subscribe(c, notices::add));
        Published p = get(broker.publish(c, List.of(new Broker.NewEntry("id:ü{}", 42L, payload), new Broker.NewEntry(null, 43L, new byte[0]))));
        await().atMost(Duration.ofSeconds(10)).until(() -> !notices.isEmpty());
        Entry fromNotice = notices.get(0).entries().get(0);
        Entry fromLog = get(broker.since(c, new StreamPosition(p.top().epoch(), 0), 10)).entries().get(0);
        for (Entry e : List.of(fromNotice, fromLog)) {
            assertThat(e.payload()).isEqualTo(payload);
            assertThat(e.id()).isEqualTo("id:ü{}");
            assertThat(e.timestamp()).isEqualTo(42L);
        }
        assertThat(notices.get(0).entries().get(1).id()).isNull();
        assertThat(notices.get(0).entries().get(1).payload()).isEmpty();
        get(subscription.unsubscribe());
    }

    @Test
    void aChannelsKeysExpireAfterTheLongestRetentionAndAMargin() throws Exception {
        ChannelKey c = channel();
        get(broker.publish(c, List.of(entry("k", "x"))));
        RedisBroker.ChannelKeys keys = new RedisBroker.ChannelKeys(c);
        long ttl = Long.parseLong(redis.command(0, "PTTL", new String(keys.meta)));
        assertThat(ttl).isBetween(ROOMY.maxAgeMs(), ROOMY.maxAgeMs() + RedisBroker.EXPIRY_MARGIN_MS);
        assertThat(Long.parseLong(redis.command(0, "PTTL", new String(keys.log)))).isPositive();
        assertThat(Long.parseLong(redis.command(0, "PTTL", new String(keys.idKey("k"))))).isBetween(1L, ROOMY.dedupWindowMs());
    }

    @Test
    void aChannelThatExpiredStartsANewEpoch() throws Exception {
        ChannelKey c = channel();
        StreamPosition before = get(broker.publish(c, List.of(entry("a", "x")))).top();
        RedisBroker.ChannelKeys keys = new RedisBroker.ChannelKeys(c);
        redis.command(0, "PEXPIRE", new String(keys.meta), "1");
        await().atMost(Duration.ofSeconds(5)).until(() -> !get(broker.top(c)).epoch().equals(before.epoch()));
        assertThat(get(broker.since(c, before, 10)).continuous()).isFalse();
        // the stream of the lost epoch went with it
        Published again = get(broker.publish(c, List.of(entry("a", "y"))));
        assertThat(again.offsets()).containsExactly(1L);
        assertThat(get(broker.since(c, new StreamPosition(again.top().epoch(), 0), 10)).entries()).extracting(BrokerContract::text).containsExactly("y");
    }

    /** History and since beyond the contract's cases (paging forwards, both bounds, time ranges) answer as in memory. */
    @Test
    void historyAndSinceAnswerAsTheMemoryBrokerDoes() throws Exception {
        MemoryBroker memory = new MemoryBroker(Clock.systemUTC(), ROOMY);
        ChannelKey c = channel();
        Random random = new Random(12);
        for (int batch = 0; batch < 8; batch++) {
            List<NewEntry> entries = new ArrayList<>();
            // timestamps out of offset order, as several publishers' clocks give them
            for (int i = 0; i < 5; i++) entries.add(new NewEntry(null, random.nextInt(50), ("m" + batch + "." + i).getBytes()));
            get(memory.publish(c, entries));
            get(broker.publish(c, entries));
        }
        for (int q = 0; q < 200; q++) {
            Long start = random.nextBoolean() ? null : (long) random.nextInt(50);
            Long end = random.nextBoolean() ? null : (long) random.nextInt(50);
            Long before = random.nextInt(3) == 0 ? (long) random.nextInt(42) : null;
            Long after = random.nextInt(3) == 0 ? (long) random.nextInt(42) - 1 : null;
            HistoryQuery query = new HistoryQuery(start, end, random.nextBoolean(), random.nextInt(12), before, after);
            HistoryPage expected = get(memory.history(c, query));
            HistoryPage actual = get(broker.history(c, query));
            assertThat(actual.entries()).as(query.toString()).extracting(Entry::offset, BrokerContract::text)
                    .containsExactlyElementsOf(expected.entries().stream().map(e -> org.assertj.core.groups.Tuple.tuple(e.offset(), text(e))).toList());
            assertThat(actual.more()).as(query.toString()).isEqualTo(expected.more());
        }
        String epoch = get(broker.top(c)).epoch();
        String memoryEpoch = get(memory.top(c)).epoch();
        for (int from = 0; from <= 41; from += 3) {
            for (int limit : new int[]{0, 1, 7, 100}) {
                Since expected = get(memory.since(c, new StreamPosition(memoryEpoch, from), limit));
                Since actual = get(broker.since(c, new StreamPosition(epoch, from), limit));
                assertThat(actual.continuous()).as("from " + from + " limit " + limit).isEqualTo(expected.continuous());
                assertThat(actual.entries()).extracting(Entry::offset).as("from " + from + " limit " + limit)
                        .containsExactlyElementsOf(expected.entries().stream().map(Entry::offset).toList());
            }
        }
    }
}
