package dev.switchboard.server.cdc.config;

/** The connector configuration is malformed; the message names the offending key. */
public class ConfigException extends RuntimeException {

    private final String key;
    private final String problem;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
        this.problem = problem;
    }

    /** What is wrong with {@link #key()}. */
    public String problem() {
        return problem;
    }

    /** JSON path or environment variable at fault, e.g. {@code connector[1].operation}. */
    public String key() {
        return key;
    }
}
