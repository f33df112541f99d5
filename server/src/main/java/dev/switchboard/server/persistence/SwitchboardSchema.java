package dev.switchboard.server.persistence;

import dev.switchboard.server.database.DatabaseEndpoint;
import org.flywaydb.core.Flyway;

/** Switchboard's own tables in the app's database (persisted channels, the rules' outbox, used token nonces), migrated with Flyway. */
public final class SwitchboardSchema {
    private SwitchboardSchema() {}

    /** For connections to these tables: short timeouts (a dead database fails a commit in seconds) and batched INSERTs. */
    public static final java.util.Map<String, String> CONNECTION_OPTIONS =
            java.util.Map.of("connectTimeout", "2", "socketTimeout", "10", "reWriteBatchedInserts", "true");

    private static final java.util.Set<String> MIGRATED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Creates or upgrades the tables, once per database and process; its history lives in
     * {@code switchboard_schema_history}, apart from the app's.
     */
    public static synchronized void migrate(DatabaseEndpoint endpoint) {
        if (MIGRATED.contains(endpoint.jdbcUrl())) return;
        Flyway.configure().dataSource(endpoint.jdbcUrl(), endpoint.user(), endpoint.password())
                .locations("classpath:db/switchboard").table("switchboard_schema_history")
                .baselineOnMigrate(true).baselineVersion("0").load().migrate();
        MIGRATED.add(endpoint.jdbcUrl());
    }
}
