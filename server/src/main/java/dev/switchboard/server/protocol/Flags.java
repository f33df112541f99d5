package dev.switchboard.server.protocol;

/** Protocol message flag bits, including the channel mode bits granted on ATTACHED. */
public final class Flags {
    private Flags() {}

    public static final int HAS_PRESENCE = 1;
    public static final int HAS_BACKLOG = 1 << 1;
    public static final int RESUMED = 1 << 2;
    public static final int TRANSIENT = 1 << 4;
    public static final int ATTACH_RESUME = 1 << 5;

    public static final int MODE_PRESENCE = 1 << 16;
    public static final int MODE_PUBLISH = 1 << 17;
    public static final int MODE_SUBSCRIBE = 1 << 18;
    public static final int MODE_PRESENCE_SUBSCRIBE = 1 << 19;
    public static final int MODES = MODE_PRESENCE | MODE_PUBLISH | MODE_SUBSCRIBE | MODE_PRESENCE_SUBSCRIBE;

    public static boolean has(long flags, int bit) { return (flags & bit) != 0; }
}
