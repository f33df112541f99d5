package dev.switchboard.server.http;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.auth.Principal;
import dev.switchboard.server.channel.Channel;
import dev.switchboard.server.persistence.MessageStore;
import dev.switchboard.server.channel.ChannelEvent;
import dev.switchboard.server.channel.ChannelName;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.PresenceMessage;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.WireFormat;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.function.Function;

/**
 * Channel history and presence over REST: {@code GET /channels/{id}/messages}, {@code /presence} and
 * {@code /presence/history}, with start/end/limit/direction, untilAttach ({@code from_serial}) and
 * Link-header pagination ({@code cursor} is the position to continue from).
 */
public final class HistoryApi {
    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;

    private final ServerContext server;

    public HistoryApi(ServerContext server) { this.server = server; }

    public void mount(Router router) {
        router.get("/channels/:channel/messages").handler(ctx -> history(ctx, "messages", false));
        // ably-java 1.5.0's realtime channel.history() asks for /channels/{id}/history (realtime/ChannelBase.java:1423).
        router.get("/channels/:channel/history").handler(ctx -> history(ctx, "history", false));
        router.get("/channels/:channel/presence/history").handler(ctx -> history(ctx, "history", true));
        router.get("/channels/:channel/presence").handler(this::members);
        router.get("/presence").handler(this::batchMembers);
    }

    /** One history item with its position. */
    private record Item(long seq, long timestamp, Function<WireFormat, Object> tree) {}

    private void history(RoutingContext ctx, String linkPath, boolean presence) {
        try {
            Principal principal = RestAuth.authenticate(ctx, server.tokens());
            ChannelName name = ChannelName.parse(ctx.pathParam("channel"));
            if (!principal.capability().allows(name.name(), Capability.HISTORY)) {
                throw ErrorCode.OPERATION_NOT_PERMITTED.exception("No history capability on channel " + name.name());
            }
            Query q = Query.parse(ctx);
            WireFormat format = Responder.responseFormat(ctx);
            // The database keeps a persisted namespace's messages longer than any shared log, on one node or several.
            if (!presence && server.channels().persisted(name.name())) {
                storedHistory(ctx, server.channels().channel(principal.appId(), name.name()), q, format, linkPath);
                return;
            }
            if (server.channels().shared() != null) {
                sharedHistory(ctx, new dev.switchboard.server.broker.ChannelKey(principal.appId(), name.name()), q, format, linkPath, presence);
                return;
            }
            Channel channel = server.channels().existing(principal.appId(), name.name());
            if (channel == null) {
                Responder.ok(ctx, 200, List.of());
                return;
            }
            long now = server.clock().millis();
            Responder.whenDone(ctx, server.channels().inspect(channel, c -> {
                long untilSeq = q.fromSerial == null ? Long.MAX_VALUE : c.seqOf(q.fromSerial);
                List<Item> items = new ArrayList<>();
                for (ChannelEvent e : c.retainedEvents(now)) {
                    if (e.isPresence() != presence) continue;
                    for (int i = 0; i < e.size(); i++) {
                        long seq = e.firstSeq() + i;
                        if (presence) {
                            PresenceMessage p = e.presence().get(i);
                            items.add(new Item(seq, p.timestamp(), p::toTree));
                        } else {
                            var m = e.messages().get(i);
                            if (m.isListed()) items.add(new Item(seq, m.timestamp(), m.stateView()::toTree));
                        }
                    }
                }
                return page(items, q, untilSeq < 0 ? Long.MAX_VALUE : untilSeq, format, linkPath);
            }), page -> Responder.ok(ctx, 200, page.body(), page.link()));
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /**
     * A persisted channel's messages come from the store, the query pushed down (one more than a page tells if there is a
     * next). Annotations and summaries share the store with the messages, so it is read on until the page is full.
     */
    private void storedHistory(RoutingContext ctx, Channel channel, Query q, WireFormat format, String linkPath) {
        Responder.whenDone(ctx, server.channels().inspect(channel, c -> {
            long untilSeq = q.fromSerial == null ? Long.MAX_VALUE : c.seqOf(q.fromSerial);
            return c.historyQuery(untilSeq < 0 ? Long.MAX_VALUE : untilSeq, q.cursor, q.start, q.end, q.backwards, q.limit + 1);
        }).thenCompose(query -> storedItems(channel, query, new ArrayList<>()).thenApply(items -> {
            if (q.backwards) java.util.Collections.reverse(items); // page() reads items oldest first
            return page(items, q, query.untilSeq(), format, linkPath);
        })), page -> Responder.ok(ctx, 200, page.body(), page.link()));
    }

    /** Reads the store page by page into {@code items} (in the query's direction) until it holds {@code query.limit()} messages. */
    private static CompletableFuture<List<Item>> storedItems(Channel channel, MessageStore.HistoryQuery query, List<Item> items) {
        return channel.store().history(query).thenCompose(stored -> {
            for (MessageStore.StoredMessage sm : stored) {
                if (items.size() == query.limit()) break;
                var m = channel.withSerial(sm);
                if (m.isListed()) items.add(new Item(sm.seq(), m.timestamp(), m.stateView()::toTree));
            }
            if (items.size() >= query.limit() || stored.size() < query.limit()) return CompletableFuture.completedFuture(items);
            long last = stored.get(stored.size() - 1).seq();
            return storedItems(channel, new MessageStore.HistoryQuery(query.appId(), query.channel(), query.epoch(), query.untilSeq(), last,
                    query.start(), query.end(), query.backwards(), query.limit()), items);
        });
    }

    /**
     * Several nodes share the channel: its messages come from the broker's log, the query pushed down (one more than a
     * page tells if there is a next); {@code fromSerial} (untilAttach) bounds it at the attach's position. Presence
     * changes share the log, so the log is read on until the page is full or the log has no more.
     */
    private void sharedHistory(RoutingContext ctx, dev.switchboard.server.broker.ChannelKey key, Query q, WireFormat format, String linkPath,
                               boolean presence) {
        dev.switchboard.server.channel.ChannelSerial until = dev.switchboard.server.channel.ChannelSerial.parse(q.fromSerial);
        Long afterUntil = until == null ? null : until.seq() + 1;
        Long before = q.backwards && q.cursor != null ? q.cursor : afterUntil;
        Long after = !q.backwards ? q.cursor : null;
        var query = new dev.switchboard.server.broker.Broker.HistoryQuery(q.start, q.end, q.backwards, q.limit + 1, before, after);
        Responder.whenDone(ctx, sharedEntries(key, query, presence, new ArrayList<>()).thenApply(items -> {
            if (q.backwards) java.util.Collections.reverse(items); // page() reads items oldest first
            return page(items, q, Long.MAX_VALUE, format, linkPath);
        }), page -> Responder.ok(ctx, 200, page.body(), page.link()));
    }

    /**
     * Reads the log page by page into {@code items} (in the query's direction) until it holds {@code query.limit()}
     * messages, or presence changes when {@code presence}: both kinds share the log.
     */
    private CompletableFuture<List<Item>> sharedEntries(dev.switchboard.server.broker.ChannelKey key,
                                                        dev.switchboard.server.broker.Broker.HistoryQuery query, boolean presence, List<Item> items) {
        return server.channels().shared().broker().history(key, query).thenCompose(found -> {
            for (var e : found.entries()) {
                if (items.size() == query.limit()) break;
                if (presence) {
                    PresenceMessage p = dev.switchboard.server.channel.BrokerLink.presenceOf(e);
                    if (p != null) items.add(new Item(e.offset(), p.timestamp(), p::toTree));
                } else {
                    var m = dev.switchboard.server.channel.BrokerLink.messageOf(e,
                            new dev.switchboard.server.channel.ChannelSerial(found.epoch(), e.offset()).formatSortable());
                    if (m != null && m.isListed()) items.add(new Item(e.offset(), m.timestamp(), m.stateView()::toTree));
                }
            }
            if (items.size() >= query.limit() || !found.more() || found.entries().isEmpty()) return CompletableFuture.completedFuture(items);
            long last = found.entries().get(found.entries().size() - 1).offset();
            var next = query.backwards()
                    ? new dev.switchboard.server.broker.Broker.HistoryQuery(query.start(), query.end(), true, query.limit(), last, query.afterOffset())
                    : new dev.switchboard.server.broker.Broker.HistoryQuery(query.start(), query.end(), false, query.limit(), query.beforeOffset(), last);
            return sharedEntries(key, next, presence, items);
        });
    }

    private record Page(List<Object> body, String link) {}

    private static Page page(List<Item> items, Query q, long untilSeq, WireFormat format, String linkPath) {
        List<Item> selected = new ArrayList<>();
        boolean backwards = q.backwards;
        for (int k = 0; k < items.size(); k++) {
            Item it = items.get(backwards ? items.size() - 1 - k : k);
            if (it.seq > untilSeq) continue;
            if (q.cursor != null && (backwards ? it.seq >= q.cursor : it.seq <= q.cursor)) continue;
            if (q.start != null && it.timestamp < q.start) continue;
            if (q.end != null && it.timestamp > q.end) continue;
            selected.add(it);
        }
        List<Object> body = new ArrayList<>();
        for (int i = 0; i < Math.min(q.limit, selected.size()); i++) body.add(selected.get(i).tree.apply(format));
        String link = null;
        if (selected.size() > q.limit) {
            long cursor = selected.get(q.limit - 1).seq;
            link = "<./" + linkPath + "?" + q.withCursor(cursor) + ">; rel=\"next\"";
        }
        return new Page(body, link);
    }

    private void members(RoutingContext ctx) {
        try {
            Principal principal = RestAuth.authenticate(ctx, server.tokens());
            ChannelName name = ChannelName.parse(ctx.pathParam("channel"));
            if (!principal.capability().allows(name.name(), Capability.SUBSCRIBE)
                    && !principal.capability().allows(name.name(), Capability.PRESENCE)) {
                throw ErrorCode.OPERATION_NOT_PERMITTED.exception("No subscribe or presence capability on channel " + name.name());
            }
            Query q = Query.parse(ctx);
            String clientId = ctx.request().getParam("clientId");
            String connectionId = ctx.request().getParam("connectionId");
            WireFormat format = Responder.responseFormat(ctx);
            Channel channel = server.channels().existing(principal.appId(), name.name());
            if (channel == null) {
                Responder.ok(ctx, 200, List.of());
                return;
            }
            Responder.whenDone(ctx, server.channels().inspect(channel, Channel::presenceMembers), all -> {
                List<PresenceMessage> matching = new ArrayList<>();
                for (PresenceMessage m : all) {
                    if (clientId != null && !clientId.equals(m.clientId())) continue;
                    if (connectionId != null && !connectionId.equals(m.connectionId())) continue;
                    matching.add(m);
                }
                int from = q.cursor == null ? 0 : (int) Math.min(matching.size(), Math.max(0, q.cursor));
                int to = Math.min(matching.size(), from + q.limit);
                List<Object> body = new ArrayList<>();
                for (PresenceMessage m : matching.subList(from, to)) body.add(m.toTree(format));
                String link = to < matching.size() ? "<./presence?" + q.withCursor(to) + extra(clientId, connectionId) + ">; rel=\"next\"" : null;
                Responder.ok(ctx, 200, body, link);
            });
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /**
     * {@code GET /presence?channels=a,b}: the members of several channels at once (RSC24), each channel a result of
     * its own ({@code presence}, or {@code error} where the credentials may not see it), with the counts of both.
     */
    private void batchMembers(RoutingContext ctx) {
        try {
            Principal principal = RestAuth.authenticate(ctx, server.tokens());
            String param = ctx.request().getParam("channels");
            if (param == null || param.isBlank()) throw ErrorCode.BAD_REQUEST.exception("channels= names the channels, comma-separated");
            WireFormat format = Responder.responseFormat(ctx);
            List<CompletableFuture<Map<String, Object>>> results = new ArrayList<>();
            for (String channelName : param.split(",")) results.add(membersResult(principal, channelName, format));
            Responder.whenDone(ctx, CompletableFuture.allOf(results.toArray(new CompletableFuture[0])),
                    v -> Responder.batch(ctx, results.stream().map(CompletableFuture::join).toList()));
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /** One channel's part of a batch presence answer; never fails (a refusal is the result's error). */
    private CompletableFuture<Map<String, Object>> membersResult(Principal principal, String channelName, WireFormat format) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("channel", channelName);
        try {
            ChannelName name = ChannelName.parse(channelName);
            if (!principal.capability().allows(name.name(), Capability.SUBSCRIBE)
                    && !principal.capability().allows(name.name(), Capability.PRESENCE)) {
                throw ErrorCode.OPERATION_NOT_PERMITTED.exception("No subscribe or presence capability on channel " + name.name());
            }
            Channel channel = server.channels().existing(principal.appId(), name.name());
            CompletableFuture<List<PresenceMessage>> members = channel == null
                    ? CompletableFuture.completedFuture(List.of()) : server.channels().inspect(channel, Channel::presenceMembers);
            return members.handle((all, error) -> {
                if (error != null) {
                    Throwable cause = dev.switchboard.server.util.Futures.cause(error);
                    result.put("error", (cause instanceof SwitchboardException se ? se.error()
                            : ErrorCode.INTERNAL_ERROR.info("Presence could not be read")).toTree());
                } else {
                    List<Object> presence = new ArrayList<>();
                    for (PresenceMessage m : all) presence.add(m.toTree(format));
                    result.put("presence", presence);
                }
                return result;
            });
        } catch (SwitchboardException e) {
            result.put("error", e.error().toTree());
            return CompletableFuture.completedFuture(result);
        }
    }

    private static String extra(String clientId, String connectionId) {
        StringBuilder sb = new StringBuilder();
        if (clientId != null) sb.append("&clientId=").append(enc(clientId));
        if (connectionId != null) sb.append("&connectionId=").append(enc(connectionId));
        return sb.toString();
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    /** Validated query parameters shared by the history endpoints. */
    private record Query(int limit, boolean backwards, Long start, Long end, String fromSerial, Long cursor) {
        static Query parse(RoutingContext ctx) {
            int limit = QueryParams.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
            String direction = ctx.request().getParam("direction");
            if (direction != null && !direction.equals("forwards") && !direction.equals("backwards")) {
                throw ErrorCode.INVALID_PARAMETER_VALUE.exception("direction must be forwards or backwards");
            }
            Long start = QueryParams.optionalLong(ctx, "start");
            Long end = QueryParams.optionalLong(ctx, "end");
            if (start != null && end != null && start > end) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("start must not be after end");
            String fromSerial = ctx.request().getParam("from_serial");
            if (fromSerial == null) fromSerial = ctx.request().getParam("fromSerial");
            return new Query(limit, !"forwards".equals(direction), start, end, fromSerial, QueryParams.optionalLong(ctx, "cursor"));
        }

        String withCursor(long cursor) {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("limit", Integer.toString(limit));
            p.put("direction", backwards ? "backwards" : "forwards");
            if (start != null) p.put("start", start.toString());
            if (end != null) p.put("end", end.toString());
            if (fromSerial != null) p.put("from_serial", fromSerial);
            p.put("cursor", Long.toString(cursor));
            StringBuilder sb = new StringBuilder();
            p.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "&").append(k).append('=').append(enc(v)));
            return sb.toString();
        }
    }
}
