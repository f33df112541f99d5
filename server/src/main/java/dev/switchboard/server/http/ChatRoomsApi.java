package dev.switchboard.server.http;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.auth.Principal;
import dev.switchboard.server.channel.Channel;
import dev.switchboard.server.channel.ChannelName;
import dev.switchboard.server.channel.PublishOutcome;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Mutation;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.Trees;
import dev.switchboard.server.protocol.WireFormat;
import dev.switchboard.server.rooms.RoomMessages;
import dev.switchboard.server.util.Ids;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The Ably Chat REST API (v4, as @ably/chat 1.4 calls it through {@code realtime.request}) over a room's channel
 * {@code <room>::$chat}: messages (send, history, one message, its versions, update, delete), message reactions
 * (add, remove, one client's) and occupancy. Answers are the bare objects the SDK reads, in the request's format;
 * lists are paged with Link headers ({@code next}, {@code first}, {@code current}).
 */
public final class ChatRoomsApi {
    private static final String ROOM = "/chat/v4/rooms/:room";
    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;

    private final ServerContext server;

    public ChatRoomsApi(ServerContext server) { this.server = server; }

    public void mount(Router router) {
        router.post(ROOM + "/messages").handler(ctx -> handle(ctx, this::send));
        router.get(ROOM + "/messages").handler(ctx -> handle(ctx, this::history));
        router.get(ROOM + "/messages/:serial").handler(ctx -> handle(ctx, this::message));
        router.put(ROOM + "/messages/:serial").handler(ctx -> handle(ctx, this::update));
        router.post(ROOM + "/messages/:serial/delete").handler(ctx -> handle(ctx, this::delete));
        router.get(ROOM + "/messages/:serial/versions").handler(ctx -> handle(ctx, this::versions));
        router.post(ROOM + "/messages/:serial/reactions").handler(ctx -> handle(ctx, this::react));
        router.delete(ROOM + "/messages/:serial/reactions").handler(ctx -> handle(ctx, this::unreact));
        router.get(ROOM + "/messages/:serial/client-reactions").handler(ctx -> handle(ctx, this::clientReactions));
        router.get(ROOM + "/occupancy").handler(ctx -> handle(ctx, this::occupancy));
    }

    /** A request about one room: who asks and the room's channel. */
    private record Room(RoutingContext ctx, Principal principal, String channel, WireFormat format) {
        String appId() { return principal.appId(); }

        void require(String operation) {
            if (!principal.capability().allows(channel, operation)) {
                throw ErrorCode.OPERATION_NOT_PERMITTED.exception("No " + operation + " capability on room channel " + channel);
            }
        }

        String serial() { return ctx.pathParam("serial"); }
    }

    private void handle(RoutingContext ctx, java.util.function.Consumer<Room> action) {
        try {
            Principal principal = RestAuth.authenticate(ctx, server.tokens());
            String channel = ChannelName.parse(RoomMessages.channelOf(ctx.pathParam("room"))).name();
            action.accept(new Room(ctx, principal, channel, Responder.responseFormat(ctx)));
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    // ---- messages -------------------------------------------------------------------------------------------------

    private void send(Room r) {
        r.require(Capability.PUBLISH);
        String clientId = identified(r);
        Map<String, Object> body = object(RestApi.body(r.ctx()), "The body must be {text, metadata, headers}");
        Message m = RoomMessages.create(idempotent(r.ctx(), "chat-send"), text(body.get("text"), "text"), optionalObject(body, "metadata"),
                optionalObject(body, "headers"), clientId);
        requireSize(m);
        server.recordInbound(r.appId(), dev.switchboard.server.metrics.Metrics.Source.REST, 1, m.size());
        answerWithMessage(r, 201, server.channels().publish(r.appId(), r.channel(), List.of(m), Ids.random(12)));
    }

    private void update(Room r) {
        String clientId = identified(r);
        Map<String, Object> body = object(RestApi.body(r.ctx()), "The body must be {message: {text, metadata, headers}, description, metadata}");
        Map<String, Object> message = object(body.get("message"), "message must be an object with the new text");
        Message op = RoomMessages.update(r.serial(), text(message.get("text"), "message.text"), optionalObject(message, "metadata"),
                optionalObject(message, "headers"), operation(body));
        requireSize(op);
        answerWithMessage(r, 200, operate(r, op, clientId));
    }

    private void delete(Room r) {
        String clientId = identified(r);
        Buffered body = Buffered.of(r.ctx());
        Map<String, Object> details = body.empty() ? Map.of() : object(body.tree(), "The body must be {description, metadata}");
        answerWithMessage(r, 200, operate(r, RoomMessages.delete(r.serial(), operation(details)), clientId));
    }

    /** Publishes an update or delete (its capability checks are the operations'); ids from idempotencyKey when given. */
    private CompletableFuture<PublishOutcome> operate(Room r, Message op, String clientId) {
        String key = idempotent(r.ctx(), "chat-op");
        String idBase = key != null ? key : Ids.random(12);
        return server.operations().publish(r.appId(), r.channel(), List.of(op), r.principal().capability(), clientId,
                ms -> server.channels().publish(r.appId(), r.channel(), ms, idBase));
    }

    /** Answers with the message a publish or operation was about, as it stands now (with its reactions). */
    private void answerWithMessage(Room r, int status, CompletableFuture<PublishOutcome> published) {
        Responder.whenDone(r.ctx(), published.thenCompose(outcome -> server.operations().read(r.appId(), r.channel(),
                        outcome.serials().isEmpty() ? "" : messageSerialOf(r, outcome.serials().get(0)))),
                found -> Responder.ok(r.ctx(), status, RoomMessages.toRest(found.latest(), found.summary())));
    }

    /** The message a publish answered for: itself for a send, the path's serial for an operation. */
    private static String messageSerialOf(Room r, String published) {
        String path = r.ctx().pathParam("serial");
        return path != null ? path : published;
    }

    private void message(Room r) {
        r.require(Capability.HISTORY);
        Responder.whenDone(r.ctx(), server.operations().read(r.appId(), r.channel(), r.serial()),
                found -> Responder.ok(r.ctx(), 200, RoomMessages.toRest(found.latest(), found.summary())));
    }

    private void versions(Room r) {
        r.require(Capability.HISTORY);
        int limit = QueryParams.limit(r.ctx(), DEFAULT_LIMIT, MAX_LIMIT);
        int from = QueryParams.indexCursor(r.ctx());
        Responder.whenDone(r.ctx(), server.operations().versions(r.appId(), r.channel(), r.serial()), all -> {
            int to = Math.min(all.size(), from + limit);
            List<Object> body = new ArrayList<>();
            for (Message v : all.subList(Math.min(from, to), to)) body.add(RoomMessages.toRest(v, Map.of()));
            Map<String, String> params = new LinkedHashMap<>();
            params.put("limit", Integer.toString(limit));
            Responder.ok(r.ctx(), 200, body, links("versions", params, from == 0 ? null : Integer.toString(from),
                    to < all.size() ? Integer.toString(to) : null));
        });
    }

    /**
     * History, newest first unless {@code direction=forwards} (or {@code orderBy=oldestFirst}): each message at its
     * latest version with its reactions; {@code start} inclusive, {@code end} exclusive; {@code fromSerial} keeps the
     * messages created at or before it (history before a subscription).
     */
    private void history(Room r) {
        r.require(Capability.HISTORY);
        RoutingContext ctx = r.ctx();
        int limit = QueryParams.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
        String direction = ctx.request().getParam("direction");
        String orderBy = ctx.request().getParam("orderBy");
        if (direction != null && !direction.equals("forwards") && !direction.equals("backwards")) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("direction must be forwards or backwards");
        }
        if (direction == null && orderBy != null && !orderBy.equals("oldestFirst") && !orderBy.equals("newestFirst")) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("orderBy must be oldestFirst or newestFirst");
        }
        boolean forwards = direction != null ? direction.equals("forwards") : "oldestFirst".equals(orderBy);
        Long start = QueryParams.optionalLong(ctx, "start");
        Long end = QueryParams.optionalLong(ctx, "end");
        String fromSerial = ctx.request().getParam("fromSerial");
        String cursor = ctx.request().getParam("cursor");
        Responder.whenDone(ctx, server.channels().log().all(r.appId(), r.channel()), log -> {
            List<RoomMessages.Listed> listed = new ArrayList<>(RoomMessages.fold(log));
            if (!forwards) java.util.Collections.reverse(listed);
            List<Object> body = new ArrayList<>();
            String next = null;
            for (RoomMessages.Listed l : listed) {
                Message m = l.latest();
                String serial = m.messageSerial();
                if (start != null && m.timestamp() < start) continue;
                if (end != null && m.timestamp() >= end) continue;
                if (fromSerial != null && serial.compareTo(fromSerial) > 0) continue;
                if (cursor != null && (forwards ? serial.compareTo(cursor) <= 0 : serial.compareTo(cursor) >= 0)) continue;
                if (body.size() == limit) {
                    next = ((String) ((Map<?, ?>) body.get(limit - 1)).get("serial"));
                    break;
                }
                body.add(RoomMessages.toRest(m, l.summary()));
            }
            Map<String, String> params = new LinkedHashMap<>();
            params.put("limit", Integer.toString(limit));
            params.put("direction", forwards ? "forwards" : "backwards");
            if (start != null) params.put("start", start.toString());
            if (end != null) params.put("end", end.toString());
            if (fromSerial != null) params.put("fromSerial", fromSerial);
            Responder.ok(ctx, 200, body, links("messages", params, cursor, next));
        });
    }

    // ---- reactions ------------------------------------------------------------------------------------------------

    private void react(Room r) {
        String clientId = RestAuth.actingClientId(r.ctx(), r.principal());
        Map<String, Object> body = object(RestApi.body(r.ctx()), "The body must be {type, name, count}");
        String type = body.get("type") == null ? "distinct" : text(body.get("type"), "type");
        String name = text(body.get("name"), "name");
        Long count = null;
        if (type.equals("multiple")) {
            count = body.get("count") == null ? 1L : body.get("count") instanceof Number n ? n.longValue() : null;
            if (count == null || count < 1) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("count must be a whole number from 1");
        }
        annotate(r, 0, RoomMessages.annotationType(type), name, count, clientId);
    }

    private void unreact(Room r) {
        String clientId = RestAuth.actingClientId(r.ctx(), r.principal());
        String type = r.ctx().request().getParam("type");
        if (type == null) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("type names the kind of reaction to remove");
        String annotationType = RoomMessages.annotationType(type);
        String name = r.ctx().request().getParam("name");
        if (name != null || !type.equals("unique")) {
            if (name == null) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("name names the reaction to remove");
            annotate(r, 1, annotationType, name, null, clientId);
            return;
        }
        // A unique reaction is removed without its name: the client has one at most.
        Responder.whenDone(r.ctx(), server.operations().read(r.appId(), r.channel(), r.serial()), found -> {
            String current = RoomMessages.uniqueNameOf(found.summary(), clientId);
            if (current == null) Responder.ok(r.ctx(), 200, Map.of());
            else annotate(r, 1, annotationType, current, null, clientId);
        });
    }

    private void annotate(Room r, int action, String type, String name, Long count, String clientId) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("action", action);
        details.put("type", type);
        if (count != null) details.put("count", count);
        Message annotation = new Message(null, name, clientId, null, null, Payload.EMPTY, null, null,
                new Mutation(Mutation.ANNOTATION, r.serial(), null, null, details));
        String idBase = Ids.random(12);
        Responder.whenDone(r.ctx(), server.operations().annotate(r.appId(), r.channel(), List.of(annotation), r.principal().capability(),
                        ms -> server.channels().publish(r.appId(), r.channel(), ms, idBase)),
                outcome -> Responder.ok(r.ctx(), action == 0 ? 201 : 200, Map.of("serial", outcome.serials().isEmpty() ? "" : outcome.serials().get(0))));
    }

    private void clientReactions(Room r) {
        r.require(Capability.SUBSCRIBE);
        String forClient = r.ctx().request().getParam("forClientId");
        String clientId = forClient != null ? forClient : RestAuth.actingClientId(r.ctx(), r.principal());
        if (clientId == null) throw ErrorCode.INVALID_CLIENT_ID.exception("Name the client (forClientId) or use credentials with a clientId");
        Responder.whenDone(r.ctx(), server.operations().read(r.appId(), r.channel(), r.serial()),
                found -> Responder.ok(r.ctx(), 200, RoomMessages.clientReactions(found.summary(), clientId)));
    }

    // ---- occupancy ------------------------------------------------------------------------------------------------

    private void occupancy(Room r) {
        if (!r.principal().capability().allows(r.channel(), Capability.SUBSCRIBE) && !r.principal().capability().allows(r.channel(), "channel-metadata")) {
            throw ErrorCode.OPERATION_NOT_PERMITTED.exception("No subscribe or channel-metadata capability on room channel " + r.channel());
        }
        Channel channel = server.channels().existing(r.appId(), r.channel());
        CompletableFuture<Map<String, Object>> metrics = channel == null
                ? CompletableFuture.completedFuture(Map.of("connections", 0, "presenceMembers", 0))
                : server.channels().inspect(channel, Channel::occupancyMetrics);
        Responder.whenDone(r.ctx(), metrics, m -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("connections", m.get("connections"));
            body.put("presenceMembers", m.get("presenceMembers"));
            Responder.ok(r.ctx(), 200, body);
        });
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static String identified(Room r) {
        String clientId = RestAuth.actingClientId(r.ctx(), r.principal());
        if (clientId == null) {
            throw ErrorCode.INVALID_CLIENT_ID.exception("Chat messages name their author: use a token with a clientId, or a key with X-Ably-ClientId");
        }
        return clientId;
    }

    /** The id base an {@code idempotencyKey} gives (a repeated request is recognised); null without one. */
    private static String idempotent(RoutingContext ctx, String kind) {
        String key = ctx.request().getParam("idempotencyKey");
        if (key == null || key.isEmpty()) return null;
        if (key.length() > 64) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("idempotencyKey is longer than 64 characters");
        return kind + ":" + key;
    }

    private void requireSize(Message m) {
        if (m.size() > server.config().maxMessageSize()) {
            throw ErrorCode.MAX_MESSAGE_LENGTH_EXCEEDED.exception("The message is " + m.size() + " bytes; the limit is " + server.config().maxMessageSize());
        }
    }

    private static Map<String, Object> operation(Map<String, Object> body) {
        Map<String, Object> version = new LinkedHashMap<>();
        if (body.get("description") != null) version.put("description", text(body.get("description"), "description"));
        if (body.get("metadata") != null) version.put("metadata", object(body.get("metadata"), "metadata must be an object"));
        return version;
    }

    private static Map<String, Object> object(Object tree, String problem) {
        Map<String, Object> m = Trees.mapOrNull(tree);
        if (m == null) throw ErrorCode.INVALID_REQUEST_BODY.exception(problem);
        return m;
    }

    private static Map<String, Object> optionalObject(Map<String, Object> body, String key) {
        Object v = body.get(key);
        return v == null ? null : object(v, key + " must be an object");
    }

    private static String text(Object value, String key) {
        if (!(value instanceof String s)) throw ErrorCode.INVALID_REQUEST_BODY.exception(key + " must be a string");
        return s;
    }


    /** Link header for a list: {@code first}, {@code current} and, when there is more, {@code next} (cursors: null for the start). */
    private static String links(String path, Map<String, String> params, String currentCursor, String nextCursor) {
        StringBuilder sb = new StringBuilder();
        sb.append("<./").append(path).append('?').append(query(params, null)).append(">; rel=\"first\"");
        sb.append(", <./").append(path).append('?').append(query(params, currentCursor)).append(">; rel=\"current\"");
        if (nextCursor != null) sb.append(", <./").append(path).append('?').append(query(params, nextCursor)).append(">; rel=\"next\"");
        return sb.toString();
    }

    private static String query(Map<String, String> params, String cursor) {
        StringBuilder sb = new StringBuilder();
        params.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "&").append(k).append('=').append(enc(v)));
        if (cursor != null) sb.append("&cursor=").append(enc(cursor));
        return sb.toString();
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    /** A request body that may be empty (a delete without details). */
    private record Buffered(Object tree) {
        static Buffered of(RoutingContext ctx) {
            var buffer = ctx.body().buffer();
            return new Buffered(buffer == null || buffer.length() == 0 ? null : RestApi.body(ctx));
        }

        boolean empty() { return tree == null; }
    }
}
