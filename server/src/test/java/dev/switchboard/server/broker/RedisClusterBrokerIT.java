package dev.switchboard.server.broker;

import dev.switchboard.server.broker.Broker.Entry;
import dev.switchboard.server.broker.Broker.Notice;
import dev.switchboard.server.broker.Broker.Published;
import dev.switchboard.server.broker.Broker.Retention;
import dev.switchboard.server.testing.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The broker contract on a 3-master Redis Cluster started for this class, and a subscription that follows its slot. */
class RedisClusterBrokerIT extends BrokerContract {
    private static RedisServers redis;
    private final List<Broker> opened = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception { redis = RedisServers.cluster(3); }

    @AfterAll
    static void stopCluster() { if (redis != null) redis.close(); }

    /** A new node each time: its own cluster client and connections to the same cluster. */
    @Override
    protected Broker newBroker(Retention retention) {
        RedisBroker b = RedisBroker.cluster(redis.hostPorts(), Clock.systemUTC(), retention);
        opened.add(b);
        return b;
    }

    /** Redis's clock decides retention: real time passes. */
    @Override
    protected void passTime(long ms) { await().pollDelay(Duration.ofMillis(ms)).atMost(Duration.ofMillis(ms + 5_000)).until(() -> true); }

    @AfterEach
    void closeNodes() { opened.forEach(Broker::close); }

    @Test
    void channelsSpreadOverTheMastersAndEachChannelsKeysShareOneSlot() throws Exception {
        Set<Integer> owners = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            ChannelKey c = channel();
            get(broker.publish(c, List.of(entry("id-" + i, "m"))));
            RedisBroker.ChannelKeys keys = new RedisBroker.ChannelKeys(c);
            String slot = redis.command(0, "CLUSTER", "KEYSLOT", new String(keys.meta));
            assertThat(redis.command(0, "CLUSTER", "KEYSLOT", new String(keys.log))).isEqualTo(slot);
            assertThat(redis.command(0, "CLUSTER", "KEYSLOT", new String(keys.idKey("id-" + i)))).isEqualTo(slot);
            assertThat(redis.command(0, "CLUSTER", "KEYSLOT", new String(keys.notices))).isEqualTo(slot);
            owners.add(redis.ownerOf(Integer.parseInt(slot)));
        }
        assertThat(owners).as("12 random channels on 3 masters").hasSizeGreaterThan(1);
    }

    @Test
    void aSubscriptionFollowsItsChannelWhenTheSlotMovesToAnotherMaster() throws Exception {
        ChannelKey c = channel();
        List<Notice> notices = new CopyOnWriteArrayList<>();
        Broker.Subscription subscription = get(broker.subscribe(c, notices::add));
        StreamPosition before = get(broker.publish(c, List.of(entry(null, "before")))).top();
        await().atMost(Duration.ofSeconds(10)).until(() -> notices.size() == 1);

        int slot = Integer.parseInt(redis.command(0, "CLUSTER", "KEYSLOT", new String(new RedisBroker.ChannelKeys(c).meta)));
        int owner = redis.ownerOf(slot);
        redis.moveSlot(slot, (owner + 1) % 3);
        assertThat(redis.ownerOf(slot)).isEqualTo((owner + 1) % 3);

        // notices published before the subscription moved may be missed (a gap the subscriber heals with since);
        // publishing until one arrives shows the subscription is back, on the new owner
        Broker other = newBroker(ROOMY);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
            get(other.publish(c, List.of(entry(null, "after"))));
            return notices.size() > 1;
        });
        Published last = get(broker.publish(c, List.of(entry(null, "last"))));
        assertThat(last.top().epoch()).as("the keys moved with the slot: same epoch").isEqualTo(before.epoch());
        await().atMost(Duration.ofSeconds(10)).until(() -> notices.stream().flatMap(n -> n.entries().stream())
                .anyMatch(e -> e.offset() == last.top().offset()));
        List<Long> offsets = notices.stream().flatMap(n -> n.entries().stream()).map(Entry::offset).toList();
        assertThat(offsets).isSorted().doesNotHaveDuplicates();
        get(subscription.unsubscribe());
    }
}
