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
}
