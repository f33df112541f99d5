package dev.switchboard.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.history.RetentionPolicy;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.WireFormat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every server setting, declared once. Values come from environment variables, then from the JSON file
 * named by {@code SWITCHBOARD_CONFIG} (keys as in {@link Setting#fileKey()}), then from the defaults.
 */
public final class Settings {
    private Settings() {}

    public static final Setting<Integer> PORT = new Setting<>("SWITCHBOARD_PORT", "port", "8080",
            Setting.intBetween(0, 65535), "TCP port for REST and WebSocket (0 picks a free port)");
    public static final Setting<String> HOST = new Setting<>("SWITCHBOARD_HOST", "host", "0.0.0.0",
            Setting.text(), "Interface to listen on");
    public static final Setting<String> ROOT_KEY = new Setting<>("SWITCHBOARD_ROOT_KEY", "rootKey", "",
            s -> {
                try {
                    if (!s.isEmpty()) ApiKey.parse(s, Capability.ALL);
                } catch (SwitchboardException e) {
                    throw new IllegalArgumentException(e.error().message(), e);
                }
                return s;
            },
            "The default app's root key appId.keyId:secret with full capability; generated and kept in the data directory when unset");
    public static final Setting<Path> DATA_DIR = new Setting<>("SWITCHBOARD_DATA_DIR", "dataDir", "./switchboard-data",
            s -> { if (s.isBlank()) throw new IllegalArgumentException("must be a directory path"); return Path.of(s); },
            "Directory for the generated root key, the embedded database and other state");
    public static final Setting<Integer> MAX_MESSAGE_SIZE = new Setting<>("SWITCHBOARD_MAX_MESSAGE_SIZE", "maxMessageSize", "65536",
            Setting.intBetween(256, 16 * 1024 * 1024), "Largest message (data+name+clientId+extras) in bytes; larger ones are refused with 40009");
    public static final Setting<Integer> MAX_FRAME_SIZE = new Setting<>("SWITCHBOARD_MAX_FRAME_SIZE", "maxFrameSize", "524288",
            Setting.intBetween(1024, 64 * 1024 * 1024), "Largest WebSocket frame accepted, in bytes");
    public static final Setting<Integer> MAX_INBOUND_RATE = new Setting<>("SWITCHBOARD_MAX_INBOUND_RATE", "maxInboundRate", "1000",
            Setting.intBetween(1, 1_000_000), "Messages per second one connection may publish before it is refused with 42911");
    public static final Setting<Long> CONNECTION_STATE_TTL = new Setting<>("SWITCHBOARD_CONNECTION_STATE_TTL_MS", "connectionStateTtl", "120000",
            Setting.longBetween(1000, 24 * 3600_000L), "How long a dropped connection can be resumed, in ms");
    public static final Setting<Long> MAX_IDLE_INTERVAL = new Setting<>("SWITCHBOARD_MAX_IDLE_INTERVAL_MS", "maxIdleInterval", "15000",
            Setting.longBetween(1000, 3600_000L), "Longest silence the server allows itself on a connection before a heartbeat, in ms");
    public static final Setting<Long> TOKEN_TTL = new Setting<>("SWITCHBOARD_TOKEN_TTL_MS", "tokenTtl", "3600000",
            Setting.longBetween(1000, 24 * 3600_000L), "Default token lifetime, in ms");
    public static final Setting<Long> TOKEN_REQUEST_WINDOW = new Setting<>("SWITCHBOARD_TOKEN_REQUEST_WINDOW_MS", "tokenRequestWindow", "600000",
            Setting.longBetween(1000, 24 * 3600_000L), "How far a token request's timestamp may be from server time, in ms (40104 outside)");
    public static final Setting<Long> PRESENCE_GRACE = new Setting<>("SWITCHBOARD_PRESENCE_GRACE_MS", "presenceGrace", "15000",
            Setting.longBetween(0, 3600_000L), "How long a dropped connection's presence members stay before they leave, in ms");
    public static final Setting<Long> HISTORY_TTL = new Setting<>("SWITCHBOARD_HISTORY_TTL_MS", "historyTtl", "120000",
            Setting.longBetween(1000, 7 * 24 * 3600_000L), "How long each channel keeps messages for history, rewind, resume and deduplication, in ms");
    public static final Setting<Integer> HISTORY_MIN_MESSAGES = new Setting<>("SWITCHBOARD_HISTORY_MIN_MESSAGES", "historyMinMessages", "100",
            Setting.intBetween(0, 1_000_000), "Messages a channel in use (attached or with presence members) keeps regardless of age");
    public static final Setting<Integer> HISTORY_MAX_MESSAGES = new Setting<>("SWITCHBOARD_HISTORY_MAX_MESSAGES", "historyMaxMessages", "20000",
            Setting.intBetween(1, 10_000_000), "Most messages one channel keeps in memory");
    public static final Setting<Boolean> SANDBOX = new Setting<>("SWITCHBOARD_SANDBOX", "sandbox", "false",
            Setting.bool(), "Enables POST /apps and DELETE /apps/{id} for SDK test suites");

    public static final Setting<IoTransport> TRANSPORT = new Setting<>("SWITCHBOARD_TRANSPORT", "transport", "auto",
            IoTransport::parse, "Socket layer of the event loops: auto (epoll, else NIO), epoll, nio, or io_uring (experimental)");

    public static final Setting<Integer> MAX_CHANNELS_PER_CONNECTION = new Setting<>("SWITCHBOARD_MAX_CHANNELS_PER_CONNECTION", "maxChannelsPerConnection", "200",
            Setting.intBetween(1, 100_000), "Channels one connection may attach, each qualified alias counted; one more is refused with 90010");
    public static final Setting<Integer> MAX_CONNECTIONS_PER_ADDRESS = new Setting<>("SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS", "maxConnectionsPerAddress", "10000",
            Setting.intBetween(1, 1_000_000), "TCP connections one remote IP address may hold; further ones are closed on accept (behind a proxy, the proxy's address counts)");
    public static final Setting<Long> HANDSHAKE_TIMEOUT = new Setting<>("SWITCHBOARD_HANDSHAKE_TIMEOUT_MS", "handshakeTimeout", "10000",
            Setting.longBetween(100, 600_000L), "Time a new TCP connection has to send a complete first HTTP request or WebSocket upgrade, in ms; then it is closed");
    public static final Setting<Long> IDLE_TIMEOUT = new Setting<>("SWITCHBOARD_IDLE_TIMEOUT_MS", "idleTimeout", "30000",
            Setting.longBetween(100, 3600_000L), "An HTTP connection (or WebSocket not yet accepted) with no completed read or write for this long is closed, in ms; accepted realtime connections get heartbeats instead");
    public static final Setting<Integer> TOKEN_REQUESTS_PER_MINUTE = new Setting<>("SWITCHBOARD_TOKEN_REQUESTS_PER_MINUTE", "tokenRequestsPerMinute", "300",
            Setting.intBetween(1, 1_000_000), "Token endpoint requests (requestToken, the chat's /auth/token) one IP address may make per minute; more get 429 with 42910");
    public static final Setting<Integer> MAX_CLIENT_ID_LENGTH = new Setting<>("SWITCHBOARD_MAX_CLIENT_ID_LENGTH", "maxClientIdLength", "256",
            Setting.intBetween(1, 65_536), "Longest clientId in characters (connection, token, message or presence member); longer ones are refused with 40012");
    public static final Setting<Long> MAX_BACKLOG_BYTES = new Setting<>("SWITCHBOARD_MAX_BACKLOG_BYTES", "maxBacklogBytes", "16777216",
            Setting.longBetween(1 << 16, 1L << 32), "Bytes of rewind, resume and presence backlog one connection may have waiting for a socket that does not read; over it the connection is cut off and may resume");
    public static final Setting<List<String>> ALLOWED_ORIGINS = new Setting<>("SWITCHBOARD_ALLOWED_ORIGINS", "allowedOrigins", "",
            Settings::origins, "Other origins (comma-separated) whose pages may make credentialed requests to the token endpoints; by default only the server's own origin");

    public static final Setting<String> REDIS_URL = new Setting<>("SWITCHBOARD_REDIS_URL", "redisUrl", "",
            s -> {
                if (!s.isEmpty() && !s.startsWith("redis://") && !s.startsWith("rediss://")) throw new IllegalArgumentException("must look like redis://host:port");
                return s;
            }, "A standalone Redis shared by several Switchboard nodes (channels, history, resume); unset: one node, in memory");
    public static final Setting<List<String>> REDIS_CLUSTER = new Setting<>("SWITCHBOARD_REDIS_CLUSTER", "redisCluster", "",
            Settings::hostPorts, "Seed nodes host:port,host:port of a Redis Cluster shared by several Switchboard nodes (instead of SWITCHBOARD_REDIS_URL)");

    public static final List<Setting<?>> ALL = List.of(PORT, HOST, ROOT_KEY, DATA_DIR, MAX_MESSAGE_SIZE, MAX_FRAME_SIZE,
            MAX_INBOUND_RATE, CONNECTION_STATE_TTL, MAX_IDLE_INTERVAL, TOKEN_TTL, TOKEN_REQUEST_WINDOW, PRESENCE_GRACE, HISTORY_TTL,
            HISTORY_MIN_MESSAGES, HISTORY_MAX_MESSAGES, SANDBOX, MAX_CHANNELS_PER_CONNECTION, MAX_CONNECTIONS_PER_ADDRESS,
            HANDSHAKE_TIMEOUT, IDLE_TIMEOUT, TOKEN_REQUESTS_PER_MINUTE, MAX_CLIENT_ID_LENGTH, MAX_BACKLOG_BYTES, ALLOWED_ORIGINS,
            REDIS_URL, REDIS_CLUSTER, TRANSPORT);

    public static final String CONFIG_FILE_ENV = "SWITCHBOARD_CONFIG";

    /** Loads the configuration from the process environment. */
    public static ServerConfig fromEnvironment() { return load(System.getenv()); }

    public static ServerConfig load(Map<String, String> env) {
        String file = env.get(CONFIG_FILE_ENV);
        JsonNode fileConfig = MissingNode.getInstance();
        if (file != null && !file.isBlank()) {
            try {
                fileConfig = WireFormat.jsonMapper().readTree(Files.readAllBytes(Path.of(file)));
            } catch (IOException e) {
                throw new SettingsException(CONFIG_FILE_ENV + ": cannot read config file '" + file + "': " + e.getMessage());
            }
            if (fileConfig == null || !fileConfig.isObject()) throw new SettingsException(CONFIG_FILE_ENV + ": config file '" + file + "' must hold a JSON object");
        }
        Values v = new Values(env, fileConfig);
        long maxIdle = v.get(MAX_IDLE_INTERVAL);
        long idleTimeout = v.get(IDLE_TIMEOUT);
        if (idleTimeout < 2 * maxIdle) {
            throw new SettingsException(IDLE_TIMEOUT.env() + " (" + idleTimeout + " ms) must be at least twice " + MAX_IDLE_INTERVAL.env()
                    + " (" + maxIdle + " ms), or live realtime connections between heartbeats would be closed");
        }
        Limits limits = new Limits(v.get(MAX_CHANNELS_PER_CONNECTION), v.get(MAX_CONNECTIONS_PER_ADDRESS), v.get(HANDSHAKE_TIMEOUT),
                idleTimeout, v.get(TOKEN_REQUESTS_PER_MINUTE), v.get(MAX_CLIENT_ID_LENGTH), v.get(MAX_BACKLOG_BYTES), v.get(ALLOWED_ORIGINS));
        return new ServerConfig(v.get(PORT), v.get(HOST), emptyToNull(v.get(ROOT_KEY)), v.get(DATA_DIR), v.get(MAX_MESSAGE_SIZE),
                v.get(MAX_FRAME_SIZE), v.get(MAX_INBOUND_RATE), v.get(CONNECTION_STATE_TTL), v.get(MAX_IDLE_INTERVAL),
                v.get(TOKEN_TTL), v.get(TOKEN_REQUEST_WINDOW), v.get(PRESENCE_GRACE),
                new RetentionPolicy(v.get(HISTORY_TTL), v.get(HISTORY_MIN_MESSAGES), v.get(HISTORY_MAX_MESSAGES)), v.get(SANDBOX), limits,
                new Cluster(emptyToNull(v.get(REDIS_URL)), v.get(REDIS_CLUSTER)), v.get(TRANSPORT), extraKeys(fileConfig), fileConfig);
    }

    private static List<String> hostPorts(String text) {
        List<String> out = new java.util.ArrayList<>();
        for (String part : text.split(",")) {
            String t = part.trim();
            if (t.isEmpty()) continue;
            if (!t.matches("[^:\\s]+:\\d{1,5}")) throw new IllegalArgumentException("'" + t + "' is not host:port");
            out.add(t);
        }
        return List.copyOf(out);
    }

    /** A help text listing every setting, its default and what it does. */
    public static String describe() { return describe(ALL); }

    /** The same help text for any list of declared settings. */
    public static String describe(List<Setting<?>> settings) {
        StringBuilder sb = new StringBuilder();
        for (Setting<?> s : settings) {
            sb.append(String.format("  %-36s %-20s %s (default: %s)%n", s.env(), s.fileKey(), s.description(),
                    s.defaultText().isEmpty() ? "none" : s.defaultText()));
        }
        return sb.toString();
    }

    private static List<ApiKey> extraKeys(JsonNode fileConfig) {
        List<ApiKey> keys = new ArrayList<>();
        JsonNode list = fileConfig.path("keys");
        if (list.isMissingNode()) return keys;
        if (!list.isArray()) throw new SettingsException("config key 'keys': must be an array of {key, capability}");
        int i = 0;
        for (JsonNode k : list) {
            String where = "config key 'keys[" + i++ + "]'";
            try {
                Capability cap = k.has("capability") ? Capability.fromNode(k.get("capability")) : Capability.ALL;
                keys.add(ApiKey.parse(k.path("key").asText(null), cap));
            } catch (SwitchboardException e) {
                throw new SettingsException(where + ": " + e.error().message());
            }
        }
        return keys;
    }

    private static List<String> origins(String text) {
        List<String> origins = new ArrayList<>();
        for (String part : text.split(",")) {
            String origin = part.strip();
            if (origin.isEmpty()) continue;
            if (!origin.matches("https?://[A-Za-z0-9.-]+(:\\d{1,5})?")) {
                throw new IllegalArgumentException("'" + origin + "' is not an origin like https://app.example.com or http://localhost:3000");
            }
            origins.add(origin.toLowerCase(java.util.Locale.ROOT));
        }
        return List.copyOf(origins);
    }

    private static String emptyToNull(String s) { return s == null || s.isEmpty() ? null : s; }

    private record Values(Map<String, String> env, JsonNode file) {
        <T> T get(Setting<T> s) {
            String text = env.get(s.env());
            if (text == null) {
                JsonNode node = file.path(s.fileKey());
                if (!node.isMissingNode() && !node.isNull()) text = node.isValueNode() ? node.asText() : node.toString();
            }
            return s.parse(text == null ? s.defaultText() : text);
        }
    }
}
