package dev.switchboard.server.broker;

import dev.switchboard.server.broker.PresenceManager.Action;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.testing.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The presence contract on a standalone Redis started for this class, and a Redis that is down. */
class RedisPresenceManagerIT extends PresenceManagerContract {
    private static RedisServers redis;
    private final List<PresenceManager> opened = new ArrayList<>();

    @BeforeAll
    static void startRedis() throws Exception { redis = RedisServers.standalone(); }

    @AfterAll
    static void stopRedis() { if (redis != null) redis.close(); }

    /** A new node each time: its own client and connection to the same Redis. */
    @Override
    protected PresenceManager newManager() {
        RedisPresenceManager m = RedisPresenceManager.standalone(redis.url());
        opened.add(m);
        return m;
    }

    /** Leases go by Redis's clock: real time passes. */
    @Override
    protected void passTime(long ms) { await().pollDelay(Duration.ofMillis(ms)).atMost(Duration.ofMillis(ms + 5_000)).until(() -> true); }

    @AfterEach
    void closeNodes() { opened.forEach(PresenceManager::close); }

    @Test
    void dataAndNamesAreKeptByteForByte() throws Exception {
        ChannelKey c = new ChannelKey("app{x}:y%", "room:{1}/ünï");
        byte[] data = new byte[256];
        for (int i = 0; i < data.length; i++) data[i] = (byte) i;
        get(presence.apply(c, new PresenceManager.Change(Action.ENTER, "ü\n{}", "conn:1", "node-a", "m:0", 42L, data)));
        get(presence.apply(c, new PresenceManager.Change(Action.ENTER, "bob", "conn2", "node-a", "m:1", 43L, null)));
        List<PresenceManager.Member> members = get(presence.members(c));
        assertThat(members.get(0).data()).isEqualTo(data);
        assertThat(members.get(0).clientId()).isEqualTo("ü\n{}");
        assertThat(members.get(0).timestamp()).isEqualTo(42L);
        assertThat(members.get(1).data()).isNull();
    }

    @Test
    void anApplyWhileRedisIsDownFailsRetriablyWithinTheCommandTimeout() throws Exception {
        ChannelKey c = channel();
        get(presence.apply(c, change(Action.ENTER, "alice", "conn1", "node-a", "a", "up")));
        redis.kill(0);
        try {
            long start = System.nanoTime();
            assertThatThrownBy(() -> get(presence.apply(c, change(Action.UPDATE, "alice", "conn1", "node-a", "b", "down"))))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(SwitchboardException.class, e -> {
                        assertThat(e.error().code()).isEqualTo(50003);
                        assertThat(e.error().retriable()).isTrue();
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        } finally {
            redis.restart(0);
        }
    }

    @Test
    void nodesExpiringAtOnceReportEachLapsedMemberOnce() throws Exception {
        everyLapsedMemberIsReportedOnce(this::newManager, this::passTime);
    }

    interface Wait { void passTime(long ms) throws Exception; }

    /** Three nodes expire a lapsed node's 60 members on 6 channels at once: 60 departures in all, no member twice. */
    static void everyLapsedMemberIsReportedOnce(java.util.function.Supplier<PresenceManager> nodes, Wait wait) throws Exception {
        PresenceManager lapsing = nodes.get();
        String nodeId = "lapsing-" + java.util.UUID.randomUUID();
        get(lapsing.renew(nodeId, 500));
        for (int c = 0; c < 6; c++) {
            ChannelKey channel = channel();
            for (int i = 0; i < 10; i++) {
                get(lapsing.apply(channel, change(Action.ENTER, "client" + i, "conn" + i, nodeId, "m" + i, "x")));
            }
        }
        wait.passTime(800);
        List<PresenceManager> expirers = List.of(nodes.get(), nodes.get(), nodes.get());
        List<java.util.concurrent.CompletableFuture<List<PresenceManager.Departure>>> rounds = new ArrayList<>();
        for (PresenceManager e : expirers) rounds.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> e.expireLapsed().join()));
        List<String> departed = new ArrayList<>();
        for (var round : rounds) {
            for (PresenceManager.Departure d : get(round)) {
                if (d.member().nodeId().equals(nodeId)) departed.add(d.channel().name() + "/" + d.member().clientId());
            }
        }
        assertThat(departed).hasSize(60).doesNotHaveDuplicates();
    }
}
