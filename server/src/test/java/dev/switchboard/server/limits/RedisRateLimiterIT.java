package dev.switchboard.server.limits;

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
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The {@link RateLimiter} contract on a standalone Redis and on a 3-master Redis Cluster (started once for this class),
 * plus what only a shared server gives: nodes share one budget, keys expire on their own, a Redis that is down fails
 * the request retriably.
 */
class RedisRateLimiterIT {
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

    static long keys(RedisServers redis, int servers) throws Exception {
        long n = 0;
        for (int i = 0; i < servers; i++) n += Long.parseLong(redis.command(i, "DBSIZE"));
        return n;
    }

    /** Each limiter of a test gets its own name, so tests (and limiters) never share budgets unless they mean to. */
    private static int names;

    @Nested
    class Standalone extends RateLimiterContract {
        private final String name = "test-" + (++names);

        @Override
        RateLimiter open(Clock clock, int permits, long periodMs) throws Exception {
            standalone.command(0, "FLUSHALL");
            return RedisRateLimiter.connect(RedisBroker.Config.standalone(standalone.url()), clock, name, permits, periodMs);
        }

        @Override
        long remembered(RateLimiter limiter) throws Exception { return keys(standalone, 1); }

        @Test
        void nodesOnOneRedisShareABudgetAndOtherNamesHaveTheirOwn() throws Exception {
            RateLimiter here = limiter(3, 60_000);
            try (RedisRateLimiter there = RedisRateLimiter.connect(RedisBroker.Config.standalone(standalone.url()), clock, name, 3, 60_000);
                 RedisRateLimiter otherBudget = RedisRateLimiter.connect(RedisBroker.Config.standalone(standalone.url()), clock, name + "-other", 3, 60_000)) {
                assertThat(take(here, "10.0.0.1")).isTrue();
                assertThat(take(there, "10.0.0.1")).isTrue();
                assertThat(take(here, "10.0.0.1")).isTrue();
                assertThat(take(there, "10.0.0.1")).as("the fourth request, on either node").isFalse();
                assertThat(take(here, "10.0.0.1")).isFalse();
                assertThat(take(otherBudget, "10.0.0.1")).as("another budget's name").isTrue();
            }
        }

        @Test
        void anAddressIsOneKeyWithoutAHashTagExpiringWhenItsBucketIsFull() throws Exception {
            RedisRateLimiter limiter = (RedisRateLimiter) limiter(4, 60_000);
            assertThat(take(limiter, "{fe80::1}")).isTrue();
            String key = new String(limiter.key("{fe80::1}"), StandardCharsets.UTF_8);
            assertThat(key).isEqualTo("sb:rate:" + name + ":%7Bfe80%3A%3A1%7D");
            assertThat(Long.parseLong(standalone.command(0, "PTTL", key))).as("one interval").isBetween(10_000L, 15_000L);
            assertThat(take(limiter, "{fe80::1}")).isTrue();
            assertThat(Long.parseLong(standalone.command(0, "PTTL", key))).as("two intervals").isBetween(25_000L, 30_000L);
        }

        @Test
        void aStoppedRedisFailsTheRequestRetriablyNeverGrantsItAndTheLimiterRecovers() throws Exception {
            try (RedisRateLimiter quick = RedisRateLimiter.connect(new RedisBroker.Config(standalone.url(), null, Duration.ofMillis(500)),
                    clock, name, 3, 60_000)) {
                assertThat(take(quick, "10.0.0.1")).isTrue();
                standalone.kill(0);
                try {
                    assertThatThrownBy(() -> take(quick, "10.0.0.1"))
                            .extracting(Futures::cause)
                            .isInstanceOfSatisfying(SwitchboardException.class, e -> {
                                assertThat(e.error().code()).isEqualTo(50003);
                                assertThat(e.error().retriable()).isTrue();
                            });
                } finally {
                    standalone.restart(0);
                }
                // The restarted Redis is empty and has no scripts cached: the limiter reconnects and loads its script again.
                await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                        .until(() -> quick.tryAcquire("10.9.9.9").toCompletableFuture().get(10, TimeUnit.SECONDS));
                for (int i = 0; i < 3; i++) assertThat(take(quick, "10.0.0.1")).as("Redis lost the budget used before").isTrue();
                assertThat(take(quick, "10.0.0.1")).isFalse();
            }
        }
    }

    @Nested
    class Cluster extends RateLimiterContract {
        private final String name = "test-" + (++names);

        @Override
        RateLimiter open(Clock clock, int permits, long periodMs) throws Exception {
            for (int i = 0; i < 3; i++) cluster.command(i, "FLUSHALL");
            return RedisRateLimiter.connect(RedisBroker.Config.cluster(cluster.hostPorts()), clock, name, permits, periodMs);
        }

        @Override
        long remembered(RateLimiter limiter) throws Exception { return keys(cluster, 3); }

        @Test
        void nodesOnOneClusterShareABudgetAndAddressesSpreadOverTheMasters() throws Exception {
            RedisRateLimiter here = (RedisRateLimiter) limiter(1, 60_000);
            try (RedisRateLimiter there = RedisRateLimiter.connect(RedisBroker.Config.cluster(cluster.hostPorts()), clock, name, 1, 60_000)) {
                Set<Integer> owners = new HashSet<>();
                for (int i = 0; i < 12; i++) {
                    String address = "10.3.0." + i;
                    assertThat(take(i % 2 == 0 ? here : there, address)).isTrue();
                    assertThat(take(i % 2 == 0 ? there : here, address)).as("%s on the other node", address).isFalse();
                    String key = new String(here.key(address), StandardCharsets.UTF_8);
                    owners.add(cluster.ownerOf(Integer.parseInt(cluster.command(0, "CLUSTER", "KEYSLOT", key))));
                }
                assertThat(owners).as("12 addresses on 3 masters").hasSizeGreaterThan(1);
            }
        }
    }
}
