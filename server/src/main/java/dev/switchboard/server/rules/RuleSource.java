package dev.switchboard.server.rules;

/** What kind of channel event a rule reacts to; {@link #wireName()} is the value of the config key and of the envelope's {@code source}. */
public enum RuleSource {
    CHANNEL_MESSAGE("channel.message"),
    CHANNEL_PRESENCE("channel.presence");

    private final String wireName;

    RuleSource(String wireName) { this.wireName = wireName; }

    public String wireName() { return wireName; }

    /** The source with that config name, or null. */
    public static RuleSource of(String wireName) {
        for (RuleSource s : values()) if (s.wireName.equals(wireName)) return s;
        return null;
    }
}
