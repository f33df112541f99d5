package dev.switchboard.server.it;

import dev.switchboard.server.config.Cluster;
import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.RedisServers;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import io.ably.lib.types.PaginatedResult;
import io.ably.lib.types.Param;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three Switchboard nodes on a 3-master Redis Cluster (channel keys in hash tags, sharded pub/sub): channels on many
 * slots carry messages across nodes in order, presence is one member set, history reads the shared log, and a slot
 * moved to another master while messages flow loses none.
 */
class RedisClusterNodesIT {
    private static RedisServers redis;
    private static final List<SwitchboardExtension> nodes = new ArrayList<>();
    private static final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServers.cluster(3);
        for (int i = 0; i < 3; i++) {
            SwitchboardExtension node = new SwitchboardExtension().withConfig(c -> c.withCluster(new Cluster(null, redis.hostPorts())));
            node.beforeAll(null);
            nodes.add(node);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : clients) c.close();
        for (SwitchboardExtension node : nodes) node.afterAll(null);
        if (redis != null) redis.close();
    }

    private static AblyRealtime realtime(int node) {
        try {
            AblyRealtime r = new AblyRealtime(new AblyJava(nodes.get(node)).options(WireProtocol.MSGPACK, SwitchboardExtension.ROOT_KEY));
            clients.add(r::close);
            AblyJava.awaitState(r, ConnectionState.connected);
            return r;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void attached(Channel channel) throws Exception {
        channel.attach();
        await().atMost(Duration.ofSeconds(15)).until(() -> channel.state == ChannelState.attached);
    }

    @Test
    void channelsOnManySlotsCarryMessagesAcrossNodesInOrder() throws Exception {
        AblyRealtime subscriber = realtime(0);
        AblyRealtime publisher = realtime(1);
        int channels = 20;
        int perChannel = 50;
        List<List<String>> received = new ArrayList<>();
        List<Channel> publishing = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            List<String> got = new CopyOnWriteArrayList<>();
            received.add(got);
            Channel sub = subscriber.channels.get("slots-" + c);
            sub.subscribe(m -> got.add((String) m.data));
            attached(sub);
            Channel pub = publisher.channels.get("slots-" + c);
            attached(pub);
            publishing.add(pub);
        }
        AtomicInteger acked = new AtomicInteger();
        List<ErrorInfo> errors = new CopyOnWriteArrayList<>();
        for (int i = 0; i < perChannel; i++) {
            for (int c = 0; c < channels; c++) {
                publishing.get(c).publish(new Message("n", "c" + c + "-" + i), new CompletionListener() {
                    @Override public void onSuccess() { acked.incrementAndGet(); }

                    @Override public void onError(ErrorInfo reason) { errors.add(reason); }
                });
            }
            if (i == perChannel / 2) {
                int slot = slotOf("sbtest", "slots-0");
                int target = (redis.ownerOf(slot) + 1) % 3;
                redis.moveSlot(slot, target); // resharding while messages flow: the notices' shard channel moves too
                assertThat(redis.ownerOf(slot)).isEqualTo(target);
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() + errors.size() >= channels * perChannel);
        assertThat(errors).isEmpty();
        for (int c = 0; c < channels; c++) {
            int channel = c;
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < perChannel; i++) expected.add("c" + c + "-" + i);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(received.get(channel)).isEqualTo(expected));
        }
        AblyRest rest = new AblyRest(new AblyJava(nodes.get(2)).options(WireProtocol.JSON, SwitchboardExtension.ROOT_KEY));
        clients.add(rest);
        PaginatedResult<Message> history = rest.channels.get("slots-0").history(new Param[]{new Param("limit", "3")});
        assertThat(history.items()).extracting(m -> (String) m.data).containsExactly("c0-49", "c0-48", "c0-47");
    }

    /** The cluster slot of a channel's keys: CRC16 of its hash tag, as Redis computes it. */
    private static int slotOf(String appId, String channel) throws Exception {
        // Plain names need no escaping in the tag (RedisSupport.tag).
        return Integer.parseInt(redis.command(0, "CLUSTER", "KEYSLOT", "{" + appId + ":" + channel + "}").trim());
    }
}
