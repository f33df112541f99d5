package dev.switchboard.server.cluster;

import dev.switchboard.server.util.Redacted;
import dev.switchboard.server.auth.NonceStore;
import dev.switchboard.server.auth.RedisNonceStore;
import dev.switchboard.server.broker.Broker;
import dev.switchboard.server.broker.RedisSupport;
import dev.switchboard.server.config.Limits;
import dev.switchboard.server.limits.AddressRateLimiter;
import dev.switchboard.server.broker.RedisBroker;
import dev.switchboard.server.broker.RedisPresenceManager;
import dev.switchboard.server.channel.ChannelRegistry;
import dev.switchboard.server.config.Cluster;
import dev.switchboard.server.config.ServerConfig;
import dev.switchboard.server.health.Health;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * This node's tie to the Redis that several nodes share: the broker and presence manager every channel goes through,
 * the used TokenRequests and token-request budgets,
 * and a round trip every second (this node says it is alive and reads who else is) whose answer, or silence, is the node's view of Redis for {@code /health} and {@code /status}.
 * A node that cannot reach Redis reports itself unhealthy, so a load balancer sends its clients to other nodes.
 */
public final class RedisLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisLink.class);
    /** Redis silent this long: unhealthy. */
    private static final long STALE_AFTER_MS = 3_000;

    private final RedisBroker broker;
    private final RedisPresenceManager presence;
    /** For what nodes share besides channels: used TokenRequests and token-request budgets. */
    private final RedisSupport.Clients shared;
    private final java.util.List<AutoCloseable> sharedUsers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Clock clock;
    private final String nodeId;
    private volatile long lastAnswerAt;
    private volatile long lastRoundTripMicros = -1;
    private volatile String lastError;
    private volatile List<String> liveNodes = List.of();
    private static final RedisSupport.Script NODE_ALIVE = RedisSupport.Script.load(RedisLink.class, "node-alive");
    private static final byte[] NODES_KEY = "sb:nodes".getBytes(StandardCharsets.UTF_8);
    /** A node that has not said so for this long is not counted as alive (it says so every second). */
    private static final long ALIVE_FOR_MS = 5_000;

    private final boolean cluster;

    private RedisLink(RedisBroker broker, RedisPresenceManager presence, RedisSupport.Clients shared, boolean cluster, Clock clock, String nodeId) {
        this.cluster = cluster;
        this.broker = broker;
        this.shared = shared;
        this.presence = presence;
        this.clock = clock;
        this.nodeId = nodeId;
        this.lastAnswerAt = clock.millis();
    }

    /**
     * Connects to the configured Redis and makes {@code channels} share their logs through it; the channels of a
     * namespace that {@code channelRules} persist keep their place in Redis for as long as their messages are kept.
     */
    public static RedisLink connect(ServerConfig config, Clock clock, Vertx vertx, ChannelRegistry channels,
                                    dev.switchboard.server.channel.ChannelRules channelRules, String nodeId) {
        Cluster cluster = config.cluster();
        RedisBroker.Config redis = redisConfig(cluster);
        Broker.Retention retention = Broker.Retention.of(config.history());
        RedisBroker broker = RedisBroker.create(redis, clock, retention, key -> channelRules.retentionMs(key.name()).orElse(0L));
        RedisPresenceManager presence;
        RedisSupport.Clients shared;
        try {
            presence = RedisPresenceManager.create(redis);
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        try {
            shared = RedisSupport.Clients.connect(redis);
        } catch (RuntimeException e) {
            presence.close();
            broker.close();
            throw e;
        }
        RedisLink link = new RedisLink(broker, presence, shared, cluster.isRedisCluster(), clock, nodeId);
        // A node's members outlive a short Redis hiccup, and leave (announced by another node) once it is gone this long.
        long leaseMs = Math.max(3_000, config.presenceGraceMs());
        channels.shareThrough(new ChannelRegistry.SharedLog(broker, presence, nodeId), vertx, leaseMs);
        vertx.setPeriodic(1_000, id -> link.ping());
        log.info("Node {} shares its channels through Redis {}", nodeId, cluster.isRedisCluster()
                ? "Cluster " + cluster.redisClusterNodes().stream().map(Redacted::url).toList() : Redacted.url(cluster.redisUrl()));
        return link;
    }

    private void ping() {
        long start = System.nanoTime();
        long now = clock.millis();
        shared.run(NODE_ALIVE, "tell the other nodes this one is alive", List.of(NODES_KEY),
                List.of(bytes(nodeId), bytes(Long.toString(now + ALIVE_FOR_MS)), bytes(Long.toString(now)))).thenApply(reply -> {
            List<String> nodes = new ArrayList<>(reply.size());
            for (Object o : reply) nodes.add(new String((byte[]) o, StandardCharsets.UTF_8));
            liveNodes = List.copyOf(nodes);
            return (System.nanoTime() - start) / 1_000;
        }).whenComplete((micros, error) -> {
            if (error == null) {
                lastRoundTripMicros = micros;
                lastAnswerAt = clock.millis();
                if (lastError != null) log.info("Redis answers again ({} µs)", micros);
                lastError = null;
            } else {
                if (lastError == null) log.warn("Redis does not answer: {}", error.getMessage());
                lastError = String.valueOf(error.getMessage());
            }
        });
    }

    /** Registers the Redis check with {@code /health}. */
    public void reportTo(Health health) {
        health.register("redis", () -> {
            long silentFor = clock.millis() - lastAnswerAt;
            if (silentFor <= STALE_AFTER_MS) return Optional.empty();
            return Optional.of("Redis has not answered for " + silentFor + " ms" + (lastError == null ? "" : ": " + lastError));
        });
    }

    /** The Redis client settings for {@code cluster} (a standalone URL or a Cluster's seed nodes). */
    public static RedisBroker.Config redisConfig(Cluster cluster) {
        return cluster.isRedisCluster() ? RedisBroker.Config.cluster(cluster.redisClusterNodes()) : RedisBroker.Config.standalone(cluster.redisUrl());
    }

    /** Used TokenRequests remembered in Redis, so a TokenRequest exchanged on one node is refused (40105) on every other. */
    public NonceStore nonces() {
        RedisNonceStore store = new RedisNonceStore(shared, clock);
        sharedUsers.add(store);
        return store;
    }

    /** A token endpoint's per-address budget counted in Redis, so a client cannot multiply it by the number of nodes. */
    public AddressRateLimiter tokenRequests(Limits limits, String endpoint) {
        AddressRateLimiter limiter = AddressRateLimiter.forTokenRequests(shared, clock, limits, endpoint);
        sharedUsers.add(limiter.limiter());
        return limiter;
    }

    /** Connections' resume state where every node finds it. */
    public dev.switchboard.server.connection.ResumeDirectory resumeDirectory() { return new RedisResumeDirectory(shared, cluster); }

    public String nodeId() { return nodeId; }

    /** The nodes that said they are alive within the last few seconds, this one included, as of the last round trip. */
    public List<String> liveNodes() { return liveNodes; }

    /** The last round trip to Redis in microseconds (-1 before the first answer). */
    public long roundTripMicros() { return lastRoundTripMicros; }

    @Override
    public void close() {
        for (AutoCloseable user : sharedUsers) {
            try {
                user.close();
            } catch (Exception e) {
                log.debug("Closing {}: {}", user, e.toString());
            }
        }
        shared.close();
        presence.close();
        broker.close();
    }

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }
}
