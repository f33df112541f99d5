package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.ErrorCode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A channel name as a client writes it, split into the channel's identity and the qualifier params:
 * {@code [?rewind=2m]incoming-chat} is channel {@code incoming-chat} with param rewind=2m.
 */
public record ChannelName(String name, Map<String, String> qualifierParams) {

    public static ChannelName parse(String raw) {
        if (raw == null || raw.isEmpty()) throw ErrorCode.INVALID_CHANNEL_NAME.exception("Channel name is empty");
        if (raw.length() > 2048) throw ErrorCode.INVALID_CHANNEL_NAME.exception("Channel name is longer than 2048 characters");
        boolean filtered = raw.startsWith("[" + FILTER + "=");
        if (!raw.startsWith("[?") && !filtered) {
            validate(raw);
            return new ChannelName(raw, Map.of());
        }
        int close = raw.indexOf(']');
        if (close < 0) throw ErrorCode.INVALID_CHANNEL_NAME.exception("Channel qualifier is not closed: " + raw);
        Map<String, String> params = new LinkedHashMap<>();
        String qualifier = raw.substring(1, close);
        int question = qualifier.indexOf('?');
        if (filtered) {
            // [filter=<base64 expression>] or [filter=<base64>?rewind=1]: the filter, then the usual params.
            String encoded = qualifier.substring(FILTER.length() + 1, question < 0 ? qualifier.length() : question);
            params.put(FILTER, decodeFilter(encoded));
        }
        String query = question < 0 ? "" : qualifier.substring(question + 1);
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            if (eq <= 0) throw ErrorCode.INVALID_CHANNEL_NAME.exception("Channel qualifier param without a value: " + pair);
            params.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
        }
        String name = raw.substring(close + 1);
        validate(name);
        return new ChannelName(name, params);
    }

    private static void validate(String name) {
        if (name.isEmpty()) throw ErrorCode.INVALID_CHANNEL_NAME.exception("Channel name is empty");
        // A leading colon names no namespace: the hosted service refuses such names (e.g. ':hell', '::'), and SDKs test it.
        if (name.charAt(0) == ':') throw ErrorCode.INVALID_CHANNEL_NAME.exception("Channel name must not start with ':': " + name);
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) throw ErrorCode.INVALID_CHANNEL_NAME.exception("Channel name contains a control character");
        }
    }

    /** The qualifier param that carries a subscription filter (see {@link SubscriptionFilter}), decoded. */
    public static final String FILTER = "filter";

    private static String decodeFilter(String base64) {
        try {
            return new String(java.util.Base64.getDecoder().decode(decode(base64)), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ErrorCode.INVALID_CHANNEL_NAME.exception("Channel filter is not valid base64: " + base64);
        }
    }

    private static String decode(String s) {
        try {
            return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ErrorCode.INVALID_CHANNEL_NAME.exception("Channel qualifier param is not valid percent-encoding: " + s);
        }
    }
}
