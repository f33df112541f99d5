package dev.switchboard.server.cdc.mapping;

import dev.switchboard.server.cdc.config.Operation;
import java.util.List;

/**
 * A mapping whose table has been resolved to its real schema and name: changes of
 * {@code operation} on {@code schema.table} go to {@code channels} as messages named {@code messageName}.
 */
public record Route(String schema, String table, Operation operation, List<String> channels, String messageName) {

    public Route {
        channels = List.copyOf(channels);
    }
}
