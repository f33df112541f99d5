package dev.switchboard.server.http;

import dev.switchboard.server.config.Limits;
import dev.switchboard.server.limits.AddressRateLimiter;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;

/** Which page origins may make credentialed requests: the server's own origin and the configured ones. */
public final class Origins {
    private Origins() {}

    /** True when the request has no Origin (not from a browser page), or one that is the server's own or allowed. */
    public static boolean trusted(RoutingContext ctx, Limits limits) {
        String origin = ctx.request().getHeader("Origin");
        return origin == null || sameOrigin(origin, ctx.request().authority()) || limits.allowsOrigin(origin);
    }

    /** Whether the page's origin is the host and port this request was sent to (HTTP/1.1 Host or HTTP/2 :authority). */
    static boolean sameOrigin(String origin, HostAndPort requested) {
        if (requested == null) return false;
        try {
            URI uri = URI.create(origin);
            int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
            int requestedPort = requested.port() >= 0 ? requested.port() : port;
            return uri.getHost() != null && uri.getHost().equalsIgnoreCase(requested.host()) && port == requestedPort;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The remote IP address a request came from, for per-address limits. */
    public static String remoteAddress(RoutingContext ctx) { return AddressRateLimiter.addressOf(ctx.request().remoteAddress()); }
}
