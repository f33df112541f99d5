package dev.switchboard.server.protocol;

import java.util.List;
import java.util.Map;

/** Small readers for the generic value trees (maps, lists, strings, numbers, bytes) both codecs produce. */
public final class Trees {
    private Trees() {}

    public static String stringOr(Object v, String fallback) {
        return v instanceof String s ? s : fallback;
    }

    public static Long longOrNull(Object v) {
        if (v instanceof Number n) return n.longValue();
        if (v instanceof String s) {
            try { return Long.parseLong(s); } catch (NumberFormatException e) { return null; }
        }
        return null;
    }

    public static int intOr(Object v, int fallback) {
        Long l = longOrNull(v);
        return l == null ? fallback : l.intValue();
    }

    /** Whether objects and arrays in {@code v} nest more than {@code levels} deep; looks no deeper than that. */
    public static boolean nestedDeeperThan(Object v, int levels) {
        if (!(v instanceof Map<?, ?>) && !(v instanceof List<?>)) return false;
        if (levels == 0) return true;
        for (Object child : v instanceof Map<?, ?> m ? m.values() : (List<?>) v) {
            if (nestedDeeperThan(child, levels - 1)) return true;
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> mapOrNull(Object v) {
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }
}
