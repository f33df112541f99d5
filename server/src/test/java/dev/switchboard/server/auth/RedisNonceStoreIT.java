package dev.switchboard.server.auth;

import dev.switchboard.server.broker.RedisBroker;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.testing.RedisServers;
import dev.switchboard.server.util.Futures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The {@link NonceStore} contract on a standalone Redis and on a 3-master Redis Cluster (started once for this class),
 * plus what only a shared server gives: two nodes share the uses, and a Redis that is down fails claims retriably.
 */
class RedisNonceStoreIT {
    private static RedisServers standalone;
    private static RedisServers cluster;

    @BeforeAll
    static void startRedis() throws Exception {
        standalone = RedisServers.standalone();
        cluster = RedisServers.cluster(3);
    }

    @AfterAll
    static void stopRedis() {
        if (standalone != null) standalone.close();
        if (cluster != null) cluster.close();
    }

    /** Empties every server of {@code redis}, so each test starts with nothing remembered. */
    static void flush(RedisServers redis, int servers) throws Exception {
        for (int i = 0; i < servers; i++) redis.command(i, "FLUSHALL");
    }

    static long keys(RedisServers redis, int servers) throws Exception {
        long n = 0;
        for (int i = 0; i < servers; i++) n += Long.parseLong(redis.command(i, "DBSIZE"));
        return n;
    }

    @Nested
    class Standalone extends NonceStoreContract {
        @Override
        NonceStore open(Clock clock) throws Exception {
            flush(standalone, 1);
            return RedisNonceStore.connect(RedisBroker.Config.standalone(standalone.url()), clock);
        }

        @Override
        long remembered() throws Exception { return keys(standalone, 1); }

        @Test
        void twoNodesOnOneRedisRacingForTheSameUsesGetOneFirstUseEach() throws Exception {
            try (RedisNonceStore otherNode = RedisNonceStore.connect(RedisBroker.Config.standalone(standalone.url()), clock)) {
                racingNodes(store, otherNode);
            }
        }

        @Test
        void aUseIsOneKeyNamedByKeyAndNonceWithoutAHashTagThatRedisForgetsOnceExpired() throws Exception {
            assertThat(firstUse("app:key{1}", "nonce:{x}%-0123456789", T0 + 60_000)).isTrue();
            String key = new String(RedisNonceStore.key("app:key{1}", "nonce:{x}%-0123456789"), StandardCharsets.UTF_8);
            assertThat(key).isEqualTo("sb:nonce:app%3Akey%7B1%7D:nonce%3A%7Bx%7D%25-0123456789").doesNotContain("{", "}");
            assertThat(standalone.command(0, "GET", key)).isEqualTo(Long.toString(T0 + 60_000));
            assertThat(Long.parseLong(standalone.command(0, "PTTL", key))).isBetween(50_000L, 60_001L);
            assertThat(firstUse("app", "key{1}:nonce:{x}%-0123456789", T0 + 60_000)).as("another key name and nonce, same characters").isTrue();
        }

        @Test
        void aStoppedRedisFailsTheClaimRetriablyNeverTrueAndTheStoreRecoversWhenItIsBack() throws Exception {
            try (RedisNonceStore quick = RedisNonceStore.connect(
                    new RedisBroker.Config(standalone.url(), null, Duration.ofMillis(500)), clock)) {
                assertThat(quick.firstUse("app.key", "before-the-stop-0123", T0 + WINDOW).get(10, TimeUnit.SECONDS)).isTrue();
                standalone.kill(0);
                try {
                    for (String nonce : List.of("before-the-stop-0123", "while-stopped-0123")) {
                        assertThatThrownBy(() -> quick.firstUse("app.key", nonce, T0 + WINDOW).get(10, TimeUnit.SECONDS))
                                .extracting(Futures::cause)
                                .isInstanceOfSatisfying(SwitchboardException.class, e -> {
                                    assertThat(e.error().code()).isEqualTo(50003);
                                    assertThat(e.error().retriable()).isTrue();
                                });
                    }
                } finally {
                    standalone.restart(0);
                }
                // The restarted Redis is empty and has no scripts cached: the store reconnects and loads its script again.
                await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                        .until(() -> quick.firstUse("app.key", "probe-" + System.nanoTime(), T0 + WINDOW).get(10, TimeUnit.SECONDS));
                assertThat(quick.firstUse("app.key", "while-stopped-0123", T0 + WINDOW).get(10, TimeUnit.SECONDS))
                        .as("nothing was recorded while Redis was down").isTrue();
                assertThat(quick.firstUse("app.key", "while-stopped-0123", T0 + WINDOW).get(10, TimeUnit.SECONDS)).isFalse();
            }
        }
    }

    @Nested
    class Cluster extends NonceStoreContract {
        @Override
        NonceStore open(Clock clock) throws Exception {
            flush(cluster, 3);
            return RedisNonceStore.connect(RedisBroker.Config.cluster(cluster.hostPorts()), clock);
        }

        @Override
        long remembered() throws Exception { return keys(cluster, 3); }

        @Test
        void twoNodesOnOneClusterRacingForTheSameUsesGetOneFirstUseEach() throws Exception {
            try (RedisNonceStore otherNode = RedisNonceStore.connect(RedisBroker.Config.cluster(cluster.hostPorts()), clock)) {
                racingNodes(store, otherNode);
            }
        }

        @Test
        void usesSpreadOverTheMasters() throws Exception {
            Set<Integer> owners = new HashSet<>();
            for (int i = 0; i < 12; i++) {
                assertThat(firstUse("app.key", "spread-nonce-" + i, T0 + WINDOW)).isTrue();
                String key = new String(RedisNonceStore.key("app.key", "spread-nonce-" + i), StandardCharsets.UTF_8);
                owners.add(cluster.ownerOf(Integer.parseInt(cluster.command(0, "CLUSTER", "KEYSLOT", key))));
            }
            assertThat(owners).as("12 uses on 3 masters").hasSizeGreaterThan(1);
        }
    }

    /** Two stores (nodes) claim the same 500 uses in opposite orders: each use is first on exactly one of them. */
    static void racingNodes(NonceStore here, NonceStore there) throws Exception {
        int uses = 500;
        List<CompletableFuture<Boolean>> onHere = new ArrayList<>();
        List<CompletableFuture<Boolean>> onThere = new ArrayList<>();
        for (int i = 0; i < uses; i++) {
            onHere.add(here.firstUse("app.key", "shared-nonce-" + i, NonceStoreContract.T0 + NonceStoreContract.WINDOW));
            onThere.add(there.firstUse("app.key", "shared-nonce-" + (uses - 1 - i), NonceStoreContract.T0 + NonceStoreContract.WINDOW));
        }
        for (int i = 0; i < uses; i++) {
            boolean firstHere = onHere.get(i).get(10, TimeUnit.SECONDS);
            boolean firstThere = onThere.get(uses - 1 - i).get(10, TimeUnit.SECONDS);
            assertThat(firstHere ^ firstThere).as("nonce %d is first on exactly one node", i).isTrue();
        }
    }
}
