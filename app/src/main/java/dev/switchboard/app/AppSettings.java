package dev.switchboard.app;

import dev.switchboard.server.config.Setting;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The settings of the whole application beyond the realtime server's: database and change connector.
 * Declared once like the server's ({@link dev.switchboard.server.config.Settings}).
 */
public final class AppSettings {
    private AppSettings() {}

    public static final Setting<String> DATABASE_URL = new Setting<>("SWITCHBOARD_DATABASE_URL", "databaseUrl", "",
            s -> {
                if (!s.isEmpty() && !s.startsWith("postgres://") && !s.startsWith("postgresql://")) {
                    throw new IllegalArgumentException("must look like postgres://user:pass@host:port/db");
                }
                return s;
            }, "External PostgreSQL 14+ (wal_level=logical); when unset, an embedded PostgreSQL runs in the data directory");
    public static final Setting<Integer> EMBEDDED_DB_PORT = new Setting<>("SWITCHBOARD_EMBEDDED_DB_PORT", "embeddedDatabasePort", "0",
            Setting.intBetween(0, 65535), "Port of the embedded PostgreSQL on 127.0.0.1 (0 picks a free one)");
    public static final Setting<String> CONNECTOR_CONFIG = new Setting<>("SWITCHBOARD_CONNECTOR_CONFIG", "connectorConfig", "",
            s -> {
                if (!s.isEmpty() && !Files.isReadable(Path.of(s))) throw new IllegalArgumentException("must name a readable connector config file");
                return s;
            }, "The original connector's JSON config file (dbConfig, connector[], ably); default: chat_data INSERT/UPDATE to incoming-chat");
    public static final Setting<Boolean> CHAT = new Setting<>("SWITCHBOARD_CHAT", "chat", "true",
            Setting.bool(), "Serves the editable chat (web app, token endpoint, persistence rule)");

    public static final Setting<String> LOG_LEVEL = new Setting<>("SWITCHBOARD_LOG_LEVEL", "logLevel", "INFO",
            oneOf("TRACE", "DEBUG", "INFO", "WARN", "ERROR"), "Least severe log level written: TRACE, DEBUG, INFO, WARN or ERROR");
    public static final Setting<String> LOG_FORMAT = new Setting<>("SWITCHBOARD_LOG_FORMAT", "logFormat", "text",
            oneOf("text", "json"), "text (one readable line per event) or json (one JSON object per line: time, level, logger, thread, message, error)");

    public static final List<Setting<?>> ALL = List.of(DATABASE_URL, EMBEDDED_DB_PORT, CONNECTOR_CONFIG, CHAT, LOG_LEVEL, LOG_FORMAT);

    /** How the process logs; applied by {@link dev.switchboard.app.logging.LogSetup} before anything starts. */
    public record Logging(String level, String format) {
        public boolean json() { return format.equals("json"); }
    }

    public static Logging logging(Map<String, String> env, com.fasterxml.jackson.databind.JsonNode file) {
        return new Logging(get(LOG_LEVEL, env, file), get(LOG_FORMAT, env, file));
    }

    private static java.util.function.Function<String, String> oneOf(String... allowed) {
        return s -> {
            for (String a : allowed) if (a.equalsIgnoreCase(s.trim())) return a;
            throw new IllegalArgumentException("must be one of " + String.join(", ", allowed));
        };
    }

    /** The values, from the environment, then the server's config file node, then defaults. */
    public record Values(String databaseUrl, int embeddedDatabasePort, String connectorConfig, boolean chat) {}

    public static Values load(Map<String, String> env, com.fasterxml.jackson.databind.JsonNode file) {
        return new Values(get(DATABASE_URL, env, file), get(EMBEDDED_DB_PORT, env, file), get(CONNECTOR_CONFIG, env, file), get(CHAT, env, file));
    }

    private static <T> T get(Setting<T> s, Map<String, String> env, com.fasterxml.jackson.databind.JsonNode file) {
        String text = env.get(s.env());
        if (text == null && file != null && file.hasNonNull(s.fileKey())) text = file.get(s.fileKey()).asText();
        return s.parse(text == null ? s.defaultText() : text);
    }
}
