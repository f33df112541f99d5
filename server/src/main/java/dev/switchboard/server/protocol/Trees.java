package dev.switchboard.server.protocol;

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

    @SuppressWarnings("unchecked")
    public static Map<String, Object> mapOrNull(Object v) {
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }
}
