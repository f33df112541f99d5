package dev.switchboard.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.history.RetentionPolicy;

import java.nio.file.Path;
import java.util.List;

/**
 * The validated server configuration. {@code file} is the raw config file (or a missing node) for the
 * parts of the platform that read their own sections (rules, connector).
 */
public record ServerConfig(int port, String host, String rootKey, Path dataDir, int maxMessageSize, int maxFrameSize,
                           int maxInboundRate, long connectionStateTtlMs, long maxIdleIntervalMs, long tokenTtlMs,
                           long tokenRequestWindowMs, long presenceGraceMs, RetentionPolicy history, boolean sandbox, List<ApiKey> extraKeys, JsonNode file) {

    /** Defaults with a fixed root key and a free port: the starting point for tests and embedding. */
    public static ServerConfig defaults(String rootKey, Path dataDir) {
        ServerConfig d = Settings.load(java.util.Map.of());
        return new ServerConfig(0, "127.0.0.1", rootKey, dataDir, d.maxMessageSize, d.maxFrameSize, d.maxInboundRate,
                d.connectionStateTtlMs, d.maxIdleIntervalMs, d.tokenTtlMs, d.tokenRequestWindowMs, d.presenceGraceMs, d.history, false, List.of(),
                MissingNode.getInstance());
    }

    public ServerConfig withRootKey(String key) {
        return new ServerConfig(port, host, key, dataDir, maxMessageSize, maxFrameSize, maxInboundRate,
                connectionStateTtlMs, maxIdleIntervalMs, tokenTtlMs, tokenRequestWindowMs, presenceGraceMs, history, sandbox, extraKeys, file);
    }

    public ServerConfig withFile(JsonNode newFile) {
        return new ServerConfig(port, host, rootKey, dataDir, maxMessageSize, maxFrameSize, maxInboundRate,
                connectionStateTtlMs, maxIdleIntervalMs, tokenTtlMs, tokenRequestWindowMs, presenceGraceMs, history, sandbox, extraKeys, newFile);
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(newPort, host, rootKey, dataDir, maxMessageSize, maxFrameSize, maxInboundRate,
                connectionStateTtlMs, maxIdleIntervalMs, tokenTtlMs, tokenRequestWindowMs, presenceGraceMs, history, sandbox, extraKeys, file);
    }

    public ServerConfig withExtraKeys(List<ApiKey> keys) {
        return new ServerConfig(port, host, rootKey, dataDir, maxMessageSize, maxFrameSize, maxInboundRate,
                connectionStateTtlMs, maxIdleIntervalMs, tokenTtlMs, tokenRequestWindowMs, presenceGraceMs, history, sandbox, keys, file);
    }

    public ServerConfig withMaxInboundRate(int rate) {
        return new ServerConfig(port, host, rootKey, dataDir, maxMessageSize, maxFrameSize, rate,
                connectionStateTtlMs, maxIdleIntervalMs, tokenTtlMs, tokenRequestWindowMs, presenceGraceMs, history, sandbox, extraKeys, file);
    }

    public ServerConfig withPresenceGraceMs(long grace) {
        return new ServerConfig(port, host, rootKey, dataDir, maxMessageSize, maxFrameSize, maxInboundRate,
                connectionStateTtlMs, maxIdleIntervalMs, tokenTtlMs, tokenRequestWindowMs, grace, history, sandbox, extraKeys, file);
    }

    public ServerConfig withConnectionStateTtlMs(long ttl) {
        return new ServerConfig(port, host, rootKey, dataDir, maxMessageSize, maxFrameSize, maxInboundRate,
                ttl, maxIdleIntervalMs, tokenTtlMs, tokenRequestWindowMs, presenceGraceMs, history, sandbox, extraKeys, file);
    }

    public ServerConfig withSandbox(boolean on) {
        return new ServerConfig(port, host, rootKey, dataDir, maxMessageSize, maxFrameSize, maxInboundRate,
                connectionStateTtlMs, maxIdleIntervalMs, tokenTtlMs, tokenRequestWindowMs, presenceGraceMs, history, on, extraKeys, file);
    }
}
