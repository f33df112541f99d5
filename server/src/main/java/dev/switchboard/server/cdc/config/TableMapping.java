package dev.switchboard.server.cdc.config;

import java.util.List;
import java.util.Objects;

/**
 * One {@code connector} entry: changes of {@code operation} on {@code table} are published on
 * each of {@code channels} with message name {@code messageName}.
 */
public record TableMapping(TableName table, Operation operation, List<String> channels, String messageName) {

    /** Message name when a mapping names none. */
    public static final String DEFAULT_MESSAGE_NAME = "db-change";

    public TableMapping {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(operation, "operation");
        channels = List.copyOf(channels);
        Objects.requireNonNull(messageName, "messageName");
    }
}
