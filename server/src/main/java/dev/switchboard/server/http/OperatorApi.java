package dev.switchboard.server.http;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.auth.Principal;
import dev.switchboard.server.channel.Channel;
import dev.switchboard.server.metrics.Metrics;
import dev.switchboard.server.protocol.ErrorCode;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What operators and their tools read: {@code GET /metrics} (Prometheus text, a key with every capability),
 * {@code /health/live} (the process answers), {@code /health/ready} and {@code /health} (every dependency works, else
 * 503 naming what does not), and {@code GET /channels} (the active channels the credentials may see, with occupancy).
 */
public final class OperatorApi {
    private final ServerContext server;

    public OperatorApi(ServerContext server) { this.server = server; }

    /**
     * Counts every REST error answered, whichever handler answers it: mount before the others. Comet requests carry a
     * realtime connection, whose errors the connection counts itself.
     */
    public void countRefusals(Router router) {
        router.route().handler(ctx -> {
            if (ctx.request().path().startsWith("/comet/")) {
                ctx.next();
                return;
            }
            ctx.addHeadersEndHandler(v -> {
                String code = ctx.response().headers().get("X-Ably-ErrorCode");
                if (code != null && ctx.response().getStatusCode() >= 400) {
                    try {
                        server.metrics().refused(Integer.parseInt(code));
                    } catch (NumberFormatException ignored) {
                        // not one of ours
                    }
                }
            });
            ctx.next();
        });
    }

    public void mount(Router router) {
        router.get("/health/live").handler(ctx -> Responder.ok(ctx, 200, Map.of("status", "live")));
        router.get("/health/ready").handler(this::ready);
        router.get("/health").handler(this::ready);
        router.get("/metrics").handler(this::metrics);
        router.get("/channels").handler(this::channels);
    }

    /** 200 when every dependency works; 503 naming the ones that do not (e.g. the database). */
    private void ready(RoutingContext ctx) {
        Map<String, String> problems = server.health().problems();
        if (problems.isEmpty()) Responder.ok(ctx, 200, Map.of("status", "ok"));
        else Responder.ok(ctx, 503, Map.of("status", "unavailable", "problems", problems));
    }

    private void metrics(RoutingContext ctx) {
        try {
            RestAuth.requireUnrestrictedKey(ctx, server.tokens());
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
            return;
        }
        // On a worker: the JVM's gauges and the components' (a dead-letter count is a query) may take a while.
        server.vertx().executeBlocking(() -> server.metrics().scrape(), false).onComplete(done -> {
            if (done.failed()) Responder.error(ctx, done.cause());
            else ctx.response().putHeader("Content-Type", Metrics.CONTENT_TYPE).end(done.result());
        });
    }

    /** The app's active channels this node holds (ChannelDetails, by name), those the credentials may see. */
    private void channels(RoutingContext ctx) {
        try {
            Principal principal = RestAuth.authenticate(ctx, server.tokens());
            String prefix = ctx.queryParams().get("prefix");
            Long limit = QueryParams.optionalLong(ctx, "limit");
            if (limit != null && (limit < 1 || limit > 1000)) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("limit must be from 1 to 1000");
            List<CompletableFuture<Map<String, Object>>> reads = new ArrayList<>();
            for (Channel c : server.channels().channelsOf(principal.appId())) {
                if (prefix != null && !c.name().startsWith(prefix)) continue;
                if (!principal.capability().allowsAny(c.name())) continue;
                reads.add(server.channels().inspect(c, ch -> RestApi.details(ch.name(), ch.occupancyMetrics())));
            }
            int max = limit == null ? 100 : limit.intValue();
            Responder.whenDone(ctx, CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> {
                List<Map<String, Object>> active = new ArrayList<>();
                for (CompletableFuture<Map<String, Object>> r : reads) {
                    Map<String, Object> d = r.join();
                    if (Boolean.TRUE.equals(((Map<?, ?>) d.get("status")).get("isActive"))) active.add(d);
                }
                active.sort(Comparator.comparing(d -> (String) d.get("channelId")));
                return active.size() > max ? active.subList(0, max) : active;
            }), body -> Responder.ok(ctx, 200, body));
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }
}
