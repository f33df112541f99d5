package dev.switchboard.server.database;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How to run the embedded PostgreSQL server.
 *
 * @param dataDirectory  cluster directory; created and initialised on first start, reused after
 * @param port           TCP port on localhost, 0 picks a free one
 * @param serverSettings {@code postgresql.conf} settings passed as {@code -c key=value}; they
 *                       override the defaults ({@link #defaults(Path)})
 */
public record EmbeddedDatabaseSettings(Path dataDirectory, int port, Map<String, String> serverSettings) {

    public EmbeddedDatabaseSettings {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        dataDirectory = dataDirectory.toAbsolutePath().normalize();
        serverSettings = Map.copyOf(serverSettings);
    }

    /** Logical decoding on, durable commits (fsync, full-page writes, synchronous commit), room for a few slots and senders. */
    public static EmbeddedDatabaseSettings defaults(Path dataDirectory) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("wal_level", "logical");
        settings.put("fsync", "on");
        settings.put("full_page_writes", "on");
        settings.put("synchronous_commit", "on");
        settings.put("password_encryption", "scram-sha-256");
        settings.put("max_replication_slots", "32");
        settings.put("max_wal_senders", "32");
        settings.put("max_connections", "200");
        settings.put("timezone", "UTC");
        return new EmbeddedDatabaseSettings(dataDirectory, 0, settings);
    }

    public EmbeddedDatabaseSettings withPort(int newPort) {
        return new EmbeddedDatabaseSettings(dataDirectory, newPort, serverSettings);
    }

    public EmbeddedDatabaseSettings withSetting(String key, String value) {
        Map<String, String> settings = new LinkedHashMap<>(serverSettings);
        settings.put(key, value);
        return new EmbeddedDatabaseSettings(dataDirectory, port, settings);
    }
}
