package dev.switchboard.server.cdc.config;

import java.util.Locale;
import java.util.Optional;

/** A kind of row change a mapping can subscribe to; the name is the payload's {@code type}. */
public enum Operation {
    INSERT, UPDATE, DELETE, TRUNCATE;

    /** Case-insensitive lookup, empty for unknown names. */
    public static Optional<Operation> fromName(String name) {
        try {
            return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
