package dev.switchboard.server.http;

import dev.switchboard.server.protocol.ErrorCode;
import io.vertx.ext.web.RoutingContext;

/** Typed reads of query parameters; a malformed value is a 40003 naming the parameter. */
public final class QueryParams {
    private QueryParams() {}

    /** The parameter as a whole number, or null when absent or empty. */
    public static Long optionalLong(RoutingContext ctx, String name) {
        String s = ctx.request().getParam(name);
        if (s == null || s.isEmpty()) return null;
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception(name + " must be a whole number");
        }
    }

    /** The {@code limit} parameter: {@code fallback} when absent, else from 1 to {@code max} (40003 otherwise). */
    public static int limit(RoutingContext ctx, int fallback, int max) {
        Long v = optionalLong(ctx, "limit");
        long limit = v == null ? fallback : v;
        if (limit < 1 || limit > max) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("limit must be from 1 to " + max);
        return (int) limit;
    }

    /** The {@code cursor} of a list paged by position: 0 when absent, never negative. */
    public static int indexCursor(RoutingContext ctx) {
        Long v = optionalLong(ctx, "cursor");
        return v == null ? 0 : (int) Math.max(0, Math.min(Integer.MAX_VALUE, v));
    }
}
