package dev.switchboard.server.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/** An error as it travels on the wire: in protocol messages and in REST error bodies. */
public record ErrorInfo(int code, int statusCode, String message) {

    private static final String HELP = "https://help.ably.io/error/";

    public String href() { return HELP + code; }

    /** True when the same request may succeed later unchanged: server-side trouble (5xx) or a rate limit (429). */
    public boolean retriable() { return retriableStatus(statusCode); }

    static boolean retriableStatus(int httpStatus) { return httpStatus >= 500 || httpStatus == 429; }

    public Map<String, Object> toTree() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("message", message);
        m.put("code", code);
        m.put("statusCode", statusCode);
        m.put("href", href());
        return m;
    }

    @SuppressWarnings("unchecked")
    public static ErrorInfo fromTree(Object tree) {
        if (!(tree instanceof Map<?, ?> raw)) return null;
        Map<String, Object> m = (Map<String, Object>) raw;
        return new ErrorInfo(Trees.intOr(m.get("code"), 50000), Trees.intOr(m.get("statusCode"), 500),
                Trees.stringOr(m.get("message"), ""));
    }
}
