package dev.switchboard.server.rules;

/** When a rule runs relative to the publisher's ACK; {@link #wireName()} is the value of the config key {@code invocation}. */
public enum Invocation {
    /** Before the channel accepts the message: the publisher is ACKed only after the target took it, NACKed if it refused. */
    BEFORE_PUBLISH("beforePublish"),
    /** After the ACK, queued and retried: at least once, in order per channel. */
    AFTER_PUBLISH("afterPublish");

    private final String wireName;

    Invocation(String wireName) { this.wireName = wireName; }

    public String wireName() { return wireName; }

    /** The invocation with that config name, or null. */
    public static Invocation of(String wireName) {
        for (Invocation i : values()) if (i.wireName.equals(wireName)) return i;
        return null;
    }
}
