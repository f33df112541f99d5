package dev.switchboard.server.config;

import java.util.List;

/**
 * Where several nodes share their channels: a standalone Redis ({@code redisUrl}) or a Redis Cluster (its seed nodes),
 * at most one of them. Neither: one node, everything in memory.
 */
public record Cluster(String redisUrl, List<String> redisClusterNodes) {
    public static final Cluster NONE = new Cluster(null, List.of());

    public Cluster {
        redisClusterNodes = redisClusterNodes == null ? List.of() : List.copyOf(redisClusterNodes);
        if (redisUrl != null && redisUrl.isBlank()) redisUrl = null;
        if (redisUrl != null && !redisClusterNodes.isEmpty()) {
            throw new SettingsException(Settings.REDIS_URL.env() + " and " + Settings.REDIS_CLUSTER.env() + " are both set: choose one");
        }
    }

    public boolean enabled() { return redisUrl != null || !redisClusterNodes.isEmpty(); }

    public boolean isRedisCluster() { return !redisClusterNodes.isEmpty(); }
}
