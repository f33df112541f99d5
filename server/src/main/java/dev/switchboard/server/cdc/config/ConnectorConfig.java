package dev.switchboard.server.cdc.config;

import java.util.List;
import java.util.Optional;

/**
 * What the change connector publishes and where it reads from. Built by
 * {@link ConnectorConfigLoader} from the original connector's JSON file or environment.
 *
 * @param database        {@code dbConfig}; empty means "the application's own database"
 * @param mappings        the {@code connector} entries
 * @param slotName        logical replication slot (default {@value #DEFAULT_SLOT})
 * @param publicationName publication listing the mapped tables (default {@value #DEFAULT_PUBLICATION})
 * @param ablyApiKey      {@code ably.apiKey}; accepted for compatibility, unused in-process
 */
public record ConnectorConfig(Optional<DbConfig> database, List<TableMapping> mappings, String slotName,
                              String publicationName, Optional<String> ablyApiKey) {

    public static final String DEFAULT_SLOT = "switchboard_cdc";
    public static final String DEFAULT_PUBLICATION = "switchboard_cdc";

    public ConnectorConfig {
        mappings = List.copyOf(mappings);
    }

    /** Same mappings on another slot and publication (tests, several connectors on one database). */
    public ConnectorConfig withReplicationNames(String slot, String publication) {
        return new ConnectorConfig(database, mappings, slot, publication, ablyApiKey);
    }
}
