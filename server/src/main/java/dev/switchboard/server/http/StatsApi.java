package dev.switchboard.server.http;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.auth.Principal;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Trees;
import dev.switchboard.server.stats.StatsStore;
import dev.switchboard.server.stats.StatsUnit;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * {@code GET /stats} (RSC6): an app's stats by minute, hour, day or month between {@code start} and {@code end}
 * (epoch ms or interval ids), paged with Link headers. With the sandbox on, {@code POST /stats} adds fixtures in the
 * hosted service's shape ({@code {intervalId, inbound: {realtime: {messages: {count, data}}}, …}}), as its SDK
 * test suites do.
 */
public final class StatsApi {
    private static final String SCHEMA = "https://schemas.ably.com/json/app-stats-0.0.5.json";
    private final ServerContext server;

    public StatsApi(ServerContext server) { this.server = server; }

    public void mount(Router router) {
        router.get("/stats").handler(this::read);
        if (server.config().sandbox()) router.post("/stats").handler(this::addFixtures);
    }

    private void read(RoutingContext ctx) {
        try {
            Principal principal = RestAuth.authenticate(ctx, server.tokens());
            String unitParam = ctx.request().getParam("unit") != null ? ctx.request().getParam("unit") : ctx.request().getParam("by");
            StatsUnit unit = StatsUnit.parse(unitParam);
            long now = server.clock().millis();
            String startParam = ctx.request().getParam("start");
            String endParam = ctx.request().getParam("end");
            long start = startParam == null ? 0 : StatsUnit.bound(startParam, false);
            long end = endParam == null ? now : StatsUnit.bound(endParam, true);
            boolean backwards = !"forwards".equals(ctx.request().getParam("direction"));
            int limit = Math.max(1, Math.min(1000, Trees.intOr(parseLong(ctx.request().getParam("limit")), 100)));
            Long cursor = parseLong(ctx.request().getParam("cursor"));
            StatsStore store = server.apps().getOrCreate(principal.appId()).stats();
            NavigableMap<Long, Map<String, Double>> found = store.intervals(unit, start, end);
            if (cursor != null) found = backwards ? found.headMap(cursor, false) : found.tailMap(cursor, false);
            List<Map.Entry<Long, Map<String, Double>>> ordered = new ArrayList<>(backwards ? found.descendingMap().entrySet() : found.entrySet());
            long current = unit.floor(now);
            List<Object> items = new ArrayList<>();
            for (var interval : ordered.subList(0, Math.min(limit, ordered.size()))) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("intervalId", unit.intervalId(interval.getKey()));
                item.put("unit", unit.name().toLowerCase(java.util.Locale.ROOT));
                item.put("schema", SCHEMA);
                item.put("appId", principal.appId());
                if (interval.getKey() == current) item.put("inProgress", StatsUnit.MINUTE.intervalId(StatsUnit.MINUTE.floor(now)));
                Map<String, Object> entries = new LinkedHashMap<>();
                interval.getValue().forEach((k, v) -> entries.put(k, v == Math.rint(v) ? (Object) (long) v.doubleValue() : v));
                item.put("entries", entries);
                items.add(item);
            }
            String query = query(ctx);
            StringBuilder link = new StringBuilder("<./stats?" + query + ">; rel=\"first\"");
            if (ordered.size() > limit) {
                long next = ordered.get(limit - 1).getKey();
                link.append(", <./stats?").append(query).append(query.isEmpty() ? "" : "&").append("cursor=").append(next).append(">; rel=\"next\"");
            }
            Responder.ok(ctx, 200, items, link.toString());
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /** The request's query without its cursor: the first page's. */
    private static String query(RoutingContext ctx) {
        StringBuilder q = new StringBuilder();
        ctx.queryParams().forEach((k, v) -> {
            if (k.equals("cursor")) return;
            if (q.length() > 0) q.append('&');
            q.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        return q.toString();
    }

    private void addFixtures(RoutingContext ctx) {
        try {
            Principal principal = RestAuth.authenticate(ctx, server.tokens());
            Object body = RestApi.body(ctx);
            List<?> fixtures = body instanceof List<?> l ? l : List.of(body);
            StatsStore store = server.apps().getOrCreate(principal.appId()).stats();
            for (Object f : fixtures) {
                Map<String, Object> fixture = Trees.mapOrNull(f);
                if (fixture == null || !(fixture.get("intervalId") instanceof String id)) {
                    throw ErrorCode.INVALID_REQUEST_BODY.exception("Each stats fixture needs an intervalId");
                }
                long at = StatsUnit.bound(id, false);
                for (var e : fixture.entrySet()) {
                    if (e.getKey().equals("intervalId")) continue;
                    if (e.getKey().equals("inbound") || e.getKey().equals("outbound")) addMessages(store, at, e.getKey(), e.getValue());
                    else addFlat(store, at, e.getKey(), e.getValue());
                }
            }
            Responder.ok(ctx, 201, List.of());
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /** {@code inbound.realtime.messages.count} as {@code messages.inbound.realtime.messages.count} and its {@code all} sums. */
    private static void addMessages(StatsStore store, long at, String direction, Object byTransport) {
        Map<String, Object> transports = Trees.mapOrNull(byTransport);
        if (transports == null) return;
        for (var t : transports.entrySet()) {
            Map<String, Object> categories = Trees.mapOrNull(t.getValue());
            if (categories == null) continue;
            for (var c : categories.entrySet()) {
                Map<String, Object> fields = Trees.mapOrNull(c.getValue());
                if (fields == null) continue;
                for (var f : fields.entrySet()) {
                    if (!(f.getValue() instanceof Number n)) continue;
                    for (String transport : new String[] {t.getKey(), "all"}) {
                        store.add(at, "messages." + direction + "." + transport + "." + c.getKey() + "." + f.getKey(), n.doubleValue());
                        store.add(at, "messages." + direction + "." + transport + ".all." + f.getKey(), n.doubleValue());
                    }
                    store.add(at, "messages.all." + c.getKey() + "." + f.getKey(), n.doubleValue());
                    store.add(at, "messages.all.all." + f.getKey(), n.doubleValue());
                }
            }
        }
    }

    private static void addFlat(StatsStore store, long at, String path, Object value) {
        if (value instanceof Number n) {
            store.add(at, path, n.doubleValue());
            return;
        }
        Map<String, Object> m = Trees.mapOrNull(value);
        if (m != null) for (var e : m.entrySet()) addFlat(store, at, path + "." + e.getKey(), e.getValue());
    }

    private static Long parseLong(String s) {
        try {
            return s == null ? null : Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Not a number: " + s);
        }
    }
}
