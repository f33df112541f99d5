package dev.switchboard.server.cdc.config;

import java.util.Optional;

/**
 * A table as written in the config: {@code chat_data} or {@code public.chat_data}. Unqualified
 * names are resolved through the database's {@code search_path} when the connector starts.
 */
public record TableName(Optional<String> schema, String name) {

    public static TableName parse(String text) {
        String trimmed = text.trim();
        int dot = trimmed.indexOf('.');
        if (dot < 0) {
            return new TableName(Optional.empty(), trimmed);
        }
        return new TableName(Optional.of(trimmed.substring(0, dot)), trimmed.substring(dot + 1));
    }

    /** The text as the user wrote it, for {@code to_regclass} and for messages. */
    @Override
    public String toString() {
        return schema.map(s -> s + "." + name).orElse(name);
    }
}
