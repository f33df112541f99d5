package dev.switchboard.server.broker;

import dev.switchboard.server.testing.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/** The presence contract on a 3-master Redis Cluster started for this class: channels and node leases in other slots. */
class RedisClusterPresenceManagerIT extends PresenceManagerContract {
    private static RedisServers redis;
    private final List<PresenceManager> opened = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception { redis = RedisServers.cluster(3); }

    @AfterAll
    static void stopCluster() { if (redis != null) redis.close(); }

    /** A new node each time: its own cluster client and connections to the same cluster. */
    @Override
    protected PresenceManager newManager() {
        RedisPresenceManager m = RedisPresenceManager.cluster(redis.hostPorts());
        opened.add(m);
        return m;
    }

    /** Leases go by Redis's clock: real time passes. */
    @Override
    protected void passTime(long ms) { await().pollDelay(Duration.ofMillis(ms)).atMost(Duration.ofMillis(ms + 5_000)).until(() -> true); }

    @AfterEach
    void closeNodes() { opened.forEach(PresenceManager::close); }

    @Test
    void nodesExpiringAtOnceReportEachLapsedMemberOnce() throws Exception {
        RedisPresenceManagerIT.everyLapsedMemberIsReportedOnce(this::newManager, this::passTime);
    }
}
