package dev.switchboard.server.cdc.config;

/** The connector configuration is malformed; the message names the offending key. */
public class ConfigException extends RuntimeException {

    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    /** JSON path or environment variable at fault, e.g. {@code connector[1].operation}. */
    public String key() {
        return key;
    }
}
