package dev.switchboard.server.config;

import java.util.function.Function;

/**
 * One declared setting: its environment variable, its key in the config file, default, parser (which
 * validates) and description. The declaration is the single source for parsing, docs and startup errors.
 */
public record Setting<T>(String env, String fileKey, String defaultText, Function<String, T> parser, String description) {

    public T parse(String text) {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw new SettingsException(env + " (config key '" + fileKey + "'): " + e.getMessage() + ", got '" + text + "'");
        }
    }

    public static Function<String, Integer> intBetween(int min, int max) {
        return s -> {
            int v;
            try {
                v = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be a whole number from " + min + " to " + max);
            }
            if (v < min || v > max) throw new IllegalArgumentException("must be a whole number from " + min + " to " + max);
            return v;
        };
    }

    public static Function<String, Long> longBetween(long min, long max) {
        return s -> {
            long v;
            try {
                v = Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be a whole number from " + min + " to " + max);
            }
            if (v < min || v > max) throw new IllegalArgumentException("must be a whole number from " + min + " to " + max);
            return v;
        };
    }

    public static Function<String, Boolean> bool() {
        return s -> switch (s.trim().toLowerCase()) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off", "" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        };
    }

    public static Function<String, String> text() { return s -> s; }
}
