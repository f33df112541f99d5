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
    public static final int MODE_ANNOTATION_PUBLISH = 1 << 21;
    public static final int MODE_ANNOTATION_SUBSCRIBE = 1 << 22;
    public static final int MODES = MODE_PRESENCE | MODE_PUBLISH | MODE_SUBSCRIBE | MODE_PRESENCE_SUBSCRIBE | MODE_ANNOTATION_PUBLISH
            | MODE_ANNOTATION_SUBSCRIBE;
    /** What an attach that asks for no modes gets (as the hosted service grants): all but annotation subscribe. */
    public static final int DEFAULT_MODES = MODE_PRESENCE | MODE_PUBLISH | MODE_SUBSCRIBE | MODE_PRESENCE_SUBSCRIBE | MODE_ANNOTATION_PUBLISH;

    /**
     * The modes a channel's {@code modes} param names (comma-separated, e.g. {@code publish,presence_subscribe}); modes
     * this server does not offer (the objects ones) grant nothing. An unknown name is the client's mistake (40003).
     */
    public static int parseModes(String names) {
        int modes = 0;
        for (String raw : names.split(",")) {
            String name = raw.trim().toLowerCase(java.util.Locale.ROOT);
            modes |= switch (name) {
                case "presence" -> MODE_PRESENCE;
                case "publish" -> MODE_PUBLISH;
                case "subscribe" -> MODE_SUBSCRIBE;
                case "presence_subscribe" -> MODE_PRESENCE_SUBSCRIBE;
                case "annotation_publish" -> MODE_ANNOTATION_PUBLISH;
                case "annotation_subscribe" -> MODE_ANNOTATION_SUBSCRIBE;
                case "object_publish", "object_subscribe", "" -> 0;
                default -> throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Unknown channel mode '" + raw.trim() + "' in params.modes");
            };
        }
        return modes;
    }

    public static boolean has(long flags, int bit) { return (flags & bit) != 0; }
}
