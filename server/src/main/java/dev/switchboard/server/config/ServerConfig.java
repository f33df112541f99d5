package dev.switchboard.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.history.RetentionPolicy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The validated server configuration. {@code file} is the raw config file (or a missing node) for the
 * parts of the platform that read their own sections (rules, connector).
 */
public record ServerConfig(int port, String host, String rootKey, Path dataDir, int maxMessageSize, int maxFrameSize,
                           int maxInboundRate, long connectionStateTtlMs, long maxIdleIntervalMs, long tokenTtlMs,
                           long tokenRequestWindowMs, long presenceGraceMs, RetentionPolicy history, boolean sandbox,
                           Limits limits, Cluster cluster, IoTransport transport, List<ApiKey> extraKeys, JsonNode file) {

    /** Defaults with a fixed root key and a free port on loopback: the starting point for tests and embedding. */
    public static ServerConfig defaults(String rootKey, Path dataDir) {
        return Settings.load(Map.of()).toBuilder().port(0).host("127.0.0.1").rootKey(rootKey).dataDir(dataDir)
                .file(MissingNode.getInstance()).build();
    }

    public Builder toBuilder() { return new Builder(this); }

    public ServerConfig withRootKey(String key) { return toBuilder().rootKey(key).build(); }

    public ServerConfig withFile(JsonNode newFile) { return toBuilder().file(newFile).build(); }

    public ServerConfig withPort(int newPort) { return toBuilder().port(newPort).build(); }

    public ServerConfig withExtraKeys(List<ApiKey> keys) { return toBuilder().extraKeys(keys).build(); }

    public ServerConfig withMaxInboundRate(int rate) { return toBuilder().maxInboundRate(rate).build(); }

    public ServerConfig withPresenceGraceMs(long grace) { return toBuilder().presenceGraceMs(grace).build(); }

    public ServerConfig withConnectionStateTtlMs(long ttl) { return toBuilder().connectionStateTtlMs(ttl).build(); }

    public ServerConfig withSandbox(boolean on) { return toBuilder().sandbox(on).build(); }

    public ServerConfig withLimits(Limits newLimits) { return toBuilder().limits(newLimits).build(); }

    public ServerConfig withCluster(Cluster newCluster) { return toBuilder().cluster(newCluster).build(); }

    /** A mutable copy for changing several settings at once. */
    public static final class Builder {
        private int port;
        private String host;
        private String rootKey;
        private Path dataDir;
        private int maxMessageSize;
        private int maxFrameSize;
        private int maxInboundRate;
        private long connectionStateTtlMs;
        private long maxIdleIntervalMs;
        private long tokenTtlMs;
        private long tokenRequestWindowMs;
        private long presenceGraceMs;
        private RetentionPolicy history;
        private boolean sandbox;
        private Limits limits;
        private Cluster cluster;
        private IoTransport transport;
        private List<ApiKey> extraKeys;
        private JsonNode file;

        private Builder(ServerConfig c) {
            port = c.port; host = c.host; rootKey = c.rootKey; dataDir = c.dataDir; maxMessageSize = c.maxMessageSize;
            maxFrameSize = c.maxFrameSize; maxInboundRate = c.maxInboundRate; connectionStateTtlMs = c.connectionStateTtlMs;
            maxIdleIntervalMs = c.maxIdleIntervalMs; tokenTtlMs = c.tokenTtlMs; tokenRequestWindowMs = c.tokenRequestWindowMs;
            presenceGraceMs = c.presenceGraceMs; history = c.history; sandbox = c.sandbox; limits = c.limits; cluster = c.cluster; transport = c.transport; extraKeys = c.extraKeys; file = c.file;
        }

        public Builder port(int v) { port = v; return this; }
        public Builder host(String v) { host = v; return this; }
        public Builder rootKey(String v) { rootKey = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder maxMessageSize(int v) { maxMessageSize = v; return this; }
        public Builder maxFrameSize(int v) { maxFrameSize = v; return this; }
        public Builder maxInboundRate(int v) { maxInboundRate = v; return this; }
        public Builder connectionStateTtlMs(long v) { connectionStateTtlMs = v; return this; }
        public Builder maxIdleIntervalMs(long v) { maxIdleIntervalMs = v; return this; }
        public Builder tokenTtlMs(long v) { tokenTtlMs = v; return this; }
        public Builder tokenRequestWindowMs(long v) { tokenRequestWindowMs = v; return this; }
        public Builder presenceGraceMs(long v) { presenceGraceMs = v; return this; }
        public Builder history(RetentionPolicy v) { history = v; return this; }
        public Builder sandbox(boolean v) { sandbox = v; return this; }
        public Builder limits(Limits v) { limits = v; return this; }
        public Builder cluster(Cluster v) { cluster = v; return this; }
        public Builder transport(IoTransport v) { transport = v; return this; }
        public Builder extraKeys(List<ApiKey> v) { extraKeys = List.copyOf(v); return this; }
        public Builder file(JsonNode v) { file = v; return this; }

        public ServerConfig build() {
            return new ServerConfig(port, host, rootKey, dataDir, maxMessageSize, maxFrameSize, maxInboundRate, connectionStateTtlMs,
                    maxIdleIntervalMs, tokenTtlMs, tokenRequestWindowMs, presenceGraceMs, history, sandbox, limits, cluster, transport, extraKeys, file);
        }
    }
}
