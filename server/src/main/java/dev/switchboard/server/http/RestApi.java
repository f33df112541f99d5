package dev.switchboard.server.http;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.limits.AddressRateLimiter;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.auth.ClientIdPolicy;
import dev.switchboard.server.auth.Principal;
import dev.switchboard.server.auth.TokenRequest;
import dev.switchboard.server.channel.Channel;
import dev.switchboard.server.channel.ChannelName;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.mutable.MessageOperations;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Mutation;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.Trees;
import dev.switchboard.server.protocol.WireFormat;
import dev.switchboard.server.util.Ids;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The REST API the SDKs call: time, token requests, channel publish and status. */
public final class RestApi {
    private final ServerContext server;
    private final AddressRateLimiter tokenRequests;

    public RestApi(ServerContext server, AddressRateLimiter tokenRequests) {
        this.server = server;
        this.tokenRequests = tokenRequests;
    }

    public void mount(Router router) {
        router.route().handler(this::cors);
        router.route().handler(BodyHandler.create().setBodyLimit(server.config().maxFrameSize()).setHandleFileUploads(false));
        router.get("/time").handler(ctx -> Responder.ok(ctx, 200, List.of(server.clock().millis())));
        router.post("/keys/:keyName/requestToken").handler(this::requestToken);
        router.post("/channels/:channel/messages").handler(this::publish);
        router.patch("/channels/:channel/messages/:serial").handler(this::operate);
        router.post("/channels/:channel/messages/:serial/annotations").handler(this::annotate);
        router.post("/messages").handler(this::batchPublish);
        router.post("/keys/:keyName/revokeTokens").handler(this::revokeTokens);
        router.get("/channels/:channel").handler(this::channelDetails);
    }

    /** Answers unknown REST paths after other modules had their turn. */
    public void mountFallback(Router router) {
        router.route().last().handler(ctx -> Responder.error(ctx, ErrorCode.NOT_FOUND.info("No route for " + ctx.request().method() + " " + ctx.request().path())));
        router.route().failureHandler(ctx -> {
            if (ctx.failure() != null) Responder.error(ctx, ctx.failure());
            else if (ctx.statusCode() == 413) Responder.error(ctx, ErrorCode.MAX_MESSAGE_LENGTH_EXCEEDED.info("Request body too large"));
            else Responder.error(ctx, ErrorCode.BAD_REQUEST.info("Request failed with status " + ctx.statusCode()));
        });
    }

    /**
     * Pages of any origin may call the REST API with credentials they hold (ably-js sends Authorization with
     * {@code withCredentials}). A token endpoint mints credentials, so there only the server's own and the configured
     * origins are answered with credentials allowed; other pages can still exchange a signed TokenRequest.
     */
    private void cors(RoutingContext ctx) {
        String origin = ctx.request().getHeader("Origin");
        if (origin != null) {
            boolean credentialed = !isTokenEndpoint(ctx.request().path()) || Origins.trusted(ctx, server.config().limits());
            ctx.response().putHeader("Access-Control-Allow-Origin", origin);
            if (credentialed) ctx.response().putHeader("Access-Control-Allow-Credentials", "true");
            ctx.response().putHeader("Access-Control-Expose-Headers", "Link, X-Ably-ErrorCode, X-Ably-ErrorMessage, X-Ably-ServerId")
                    .putHeader("Vary", "Origin");
            if (ctx.request().method() == HttpMethod.OPTIONS) {
                String requested = ctx.request().getHeader("Access-Control-Request-Headers");
                ctx.response().putHeader("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
                        .putHeader("Access-Control-Allow-Headers", requested == null ? "Authorization, Content-Type, Accept, X-Ably-Version, Ably-Agent" : requested)
                        .putHeader("Access-Control-Max-Age", "86400")
                        .setStatusCode(204).end();
                return;
            }
        }
        ctx.next();
    }

    private static boolean isTokenEndpoint(String path) {
        return path != null && path.startsWith("/keys/") && path.endsWith("/requestToken");
    }

    private Principal authenticate(RoutingContext ctx) { return RestAuth.authenticate(ctx, server.tokens()); }

    /** The request body as a tree, decoded by its Content-Type (JSON unless MessagePack); never null. */
    static Object body(RoutingContext ctx) {
        Buffer buffer = ctx.body().buffer();
        if (buffer == null || buffer.length() == 0) throw ErrorCode.INVALID_REQUEST_BODY.exception("Request body is empty");
        WireFormat format = WireFormat.fromMediaType(ctx.request().getHeader("Content-Type"));
        Object tree;
        try {
            tree = (format == null ? WireFormat.JSON : format).readTree(buffer.getBytes());
        } catch (SwitchboardException e) {
            throw ErrorCode.INVALID_REQUEST_BODY.exception(e.error().message());
        }
        // A JSON null (MessagePack nil) body is no message, object or array: refused here, not a NullPointerException later.
        if (tree == null) throw ErrorCode.INVALID_REQUEST_BODY.exception("Request body is null");
        return tree;
    }

    static WireFormat bodyFormat(RoutingContext ctx) {
        WireFormat format = WireFormat.fromMediaType(ctx.request().getHeader("Content-Type"));
        return format == null ? WireFormat.JSON : format;
    }

    private void requestToken(RoutingContext ctx) {
        // The budget may be in Redis: the request goes on, on its event loop, once a permit is granted.
        Responder.whenDone(ctx, tokenRequests.acquireTokenRequest(Origins.remoteAddress(ctx)), granted -> requestTokenGranted(ctx));
    }

    private void requestTokenGranted(RoutingContext ctx) {
        try {
            String keyName = ctx.pathParam("keyName");
            Object tree = body(ctx);
            TokenRequest request = TokenRequest.fromTree(tree);
            ClientIdPolicy.requireLength(request.clientId(), server.config().limits().maxClientIdLength());
            if (request.mac() == null && ctx.request().getHeader("Authorization") != null) {
                // A key holder may ask for a token directly, authenticated by Basic auth instead of a mac.
                Principal p = authenticate(ctx);
                if (p.isTokenAuth() || !p.keyName().equals(keyName)) throw ErrorCode.INVALID_CREDENTIALS.exception("Basic auth with the named key is required");
                Responder.ok(ctx, 200, server.tokens().issue(server.tokens().key(keyName), request.ttl(), request.capability(), request.clientId()).toTree());
                return;
            }
            Responder.whenDone(ctx, server.tokens().requestToken(keyName, request), token -> Responder.ok(ctx, 200, token.toTree()));
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    private void publish(RoutingContext ctx) {
        try {
            Principal principal = authenticate(ctx);
            Object tree = body(ctx);
            List<Object> items = tree instanceof List<?> list ? new ArrayList<>(list) : List.of(tree);
            ChannelName name = ChannelName.parse(ctx.pathParam("channel"));
            Checked checked = checkedMessages(principal, name, items, bodyFormat(ctx), RestAuth.actingClientId(ctx, principal));
            List<Message> messages = checked.messages();
            String onBehalfOf = onBehalfOf(principal, items);
            server.recordInbound(principal.appId(), dev.switchboard.server.metrics.Metrics.Source.REST, messages.size(), checked.bytes());
            Responder.whenDone(ctx, publishChecked(principal, name, messages, onBehalfOf),
                    outcome -> Responder.ok(ctx, 201, publishResult(name.name(), outcome.serials())));
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /** Publishes checked messages; updates, deletes and appends among them are completed against their message first. */
    private java.util.concurrent.CompletableFuture<dev.switchboard.server.channel.PublishOutcome> publishChecked(
            Principal principal, ChannelName name, List<Message> messages, String onBehalfOf) {
        String idBase = Ids.random(12);
        java.util.function.Function<List<Message>, java.util.concurrent.CompletableFuture<dev.switchboard.server.channel.PublishOutcome>> publish =
                ms -> onBehalfOf == null ? server.channels().publish(principal.appId(), name.name(), ms, idBase)
                        : server.channels().publishFor(onBehalfOf, principal.appId(), name.name(), ms, idBase);
        if (!MessageOperations.anyOperation(messages)) return publish.apply(messages);
        String operator = principal.isWildcardClientId() ? null : principal.clientId();
        return server.operations().publish(principal.appId(), name.name(), messages, principal.capability(), operator, publish);
    }

    /**
     * {@code PATCH /channels/{ch}/messages/{serial}} (RSL12, RSL15): one update, delete or append of that message, its
     * {@code action} in the body; answered with the new version's serial.
     */
    private void operate(RoutingContext ctx) {
        try {
            Principal principal = authenticate(ctx);
            Object tree = body(ctx);
            if (!(tree instanceof Map<?, ?>)) throw ErrorCode.INVALID_REQUEST_BODY.exception("The body must be one message");
            Map<String, Object> item = new LinkedHashMap<>(Trees.mapOrNull(tree));
            String serial = ctx.pathParam("serial");
            if (item.get("serial") != null && !serial.equals(item.get("serial"))) {
                throw ErrorCode.INVALID_PARAMETER_VALUE.exception("The message's serial is not the one in the path");
            }
            item.put("serial", serial);
            if (!(item.get("action") instanceof Number action) || !Mutation.isOperation(action.intValue())) {
                throw ErrorCode.INVALID_PARAMETER_VALUE.exception("action must be " + Mutation.UPDATE + " (update), " + Mutation.DELETE
                        + " (delete) or " + Mutation.APPEND + " (append)");
            }
            ChannelName name = ChannelName.parse(ctx.pathParam("channel"));
            Checked checked = checkedMessages(principal, name, List.of(item), bodyFormat(ctx), RestAuth.actingClientId(ctx, principal));
            server.recordInbound(principal.appId(), dev.switchboard.server.metrics.Metrics.Source.REST, 1, checked.bytes());
            Responder.whenDone(ctx, publishChecked(principal, name, checked.messages(), null), outcome -> {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("versionSerial", outcome.serials().isEmpty() ? null : outcome.serials().get(0));
                Responder.ok(ctx, 200, result);
            });
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /** How long {@code allowReauthMargin} delays a revocation: time for clients to fetch new tokens first. */
    private static final long REAUTH_MARGIN_MS = 30_000;

    /**
     * {@code POST /keys/{keyName}/revokeTokens} (RSA17), with that key itself (Basic auth): each {@code clientId:<id>}
     * target revokes the key's tokens for that clientId issued before {@code issuedBefore} (default now). Connections
     * using them end with DISCONNECTED 40141 once it applies (now, or in 30 s with {@code allowReauthMargin}). Other
     * target types are refused per target (400).
     */
    private void revokeTokens(RoutingContext ctx) {
        try {
            Principal principal = authenticate(ctx);
            if (principal.isTokenAuth()) throw ErrorCode.BASIC_AUTH_REQUIRED.exception("Tokens are revoked with the key that issued them (Basic auth), not with a token");
            String keyName = ctx.pathParam("keyName");
            if (!keyName.equals(principal.keyName())) {
                throw ErrorCode.OPERATION_NOT_PERMITTED.exception("Only key " + keyName + " itself may revoke its tokens");
            }
            Map<String, Object> spec = Trees.mapOrNull(body(ctx));
            if (spec == null || !(spec.get("targets") instanceof List<?> targets) || targets.isEmpty()) {
                throw ErrorCode.INVALID_REQUEST_BODY.exception("targets must be a non-empty array of \"type:value\" strings");
            }
            long now = server.clock().millis();
            Long issuedBefore = Trees.longOrNull(spec.get("issuedBefore"));
            long before = issuedBefore == null ? now : issuedBefore;
            long appliesAt = Boolean.TRUE.equals(spec.get("allowReauthMargin")) ? now + REAUTH_MARGIN_MS : now;
            List<Map<String, Object>> results = new ArrayList<>();
            for (Object t : targets) {
                Map<String, Object> result = new LinkedHashMap<>();
                String target = t instanceof String s ? s : String.valueOf(t);
                result.put("target", target);
                int colon = target.indexOf(':');
                if (colon > 0 && target.substring(0, colon).equals("clientId") && colon < target.length() - 1) {
                    server.tokens().revoke(keyName, target.substring(colon + 1), before, appliesAt);
                    result.put("issuedBefore", before);
                    result.put("appliesAt", appliesAt);
                } else {
                    result.put("error", ErrorCode.INVALID_PARAMETER_VALUE.info("Unsupported revocation target " + target
                            + ": only clientId:<clientId> is offered").toTree());
                }
                results.add(result);
            }
            String appId = principal.appId();
            server.vertx().setTimer(Math.max(1, appliesAt - now), id -> server.connections().recheckCredentials(appId));
            Responder.batch(ctx, results);
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /** {@code POST /messages}: one or more {channels, messages} specs, each published to every channel named. */
    private void batchPublish(RoutingContext ctx) {
        try {
            Principal principal = authenticate(ctx);
            Object tree = body(ctx);
            boolean single = !(tree instanceof List<?>);
            List<?> specs = single ? List.of(tree) : (List<?>) tree;
            WireFormat format = bodyFormat(ctx);
            String identity = RestAuth.actingClientId(ctx, principal);
            List<CompletableFuture<Map<String, Object>>> specResults = new ArrayList<>();
            for (Object s : specs) {
                Map<String, Object> spec = Trees.mapOrNull(s);
                if (spec == null) throw ErrorCode.INVALID_REQUEST_BODY.exception("Each batch spec must be an object with channels and messages");
                List<String> channelNames = stringList(spec.get("channels"), "channels");
                Object msgs = spec.get("messages");
                List<Object> items = msgs instanceof List<?> l ? new ArrayList<>(l) : msgs == null ? List.of() : List.of(msgs);
                List<CompletableFuture<Map<String, Object>>> perChannel = new ArrayList<>();
                for (String channelName : channelNames) {
                    CompletableFuture<Map<String, Object>> result;
                    try {
                        ChannelName name = ChannelName.parse(channelName);
                        List<Message> messages = checkedMessages(principal, name, items, format, identity).messages();
                        result = publishChecked(principal, name, messages, null)
                                .thenApply(o -> publishResult(name.name(), o.serials()));
                    } catch (SwitchboardException e) {
                        Map<String, Object> failure = new LinkedHashMap<>();
                        failure.put("channel", channelName);
                        failure.put("error", e.error().toTree());
                        result = CompletableFuture.completedFuture(failure);
                    }
                    perChannel.add(result);
                }
                specResults.add(CompletableFuture.allOf(perChannel.toArray(new CompletableFuture[0])).thenApply(v -> {
                    List<Object> results = new ArrayList<>();
                    int ok = 0;
                    for (CompletableFuture<Map<String, Object>> f : perChannel) {
                        Map<String, Object> r = f.join();
                        if (!r.containsKey("error")) ok++;
                        results.add(r);
                    }
                    Map<String, Object> summary = new LinkedHashMap<>();
                    summary.put("successCount", ok);
                    summary.put("failureCount", results.size() - ok);
                    summary.put("results", results);
                    return summary;
                }));
            }
            boolean flat = single && requestedVersion(ctx) < 3;
            Responder.whenDone(ctx, CompletableFuture.allOf(specResults.toArray(new CompletableFuture[0])), x -> {
                List<Object> out = new ArrayList<>();
                for (CompletableFuture<Map<String, Object>> f : specResults) out.add(f.join());
                if (!flat) {
                    Responder.ok(ctx, 201, single ? out.get(0) : out);
                    return;
                }
                // Protocol 2 and older: one spec answers with its channels' results as a flat array; a partial failure
                // is a 400 (40020) that carries them as batchResponse.
                Map<String, Object> summary = specResults.get(0).join();
                if (((Number) summary.get("failureCount")).intValue() == 0) {
                    Responder.ok(ctx, 201, summary.get("results"));
                    return;
                }
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("error", ErrorCode.BATCH_PARTIAL_FAILURE.info("Batched response includes errors").toTree());
                body.put("batchResponse", summary.get("results"));
                Responder.ok(ctx, 400, body);
            });
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /** The protocol version the request says it speaks ({@code X-Ably-Version}); the current one when it says none. */
    private static int requestedVersion(RoutingContext ctx) {
        String header = ctx.request().getHeader("X-Ably-Version");
        if (header == null) return Integer.MAX_VALUE;
        try {
            return Integer.parseInt(header.trim());
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** Decodes and checks messages for publishing on a channel: capability, clientId and total size. */
    /** A publish's messages as checked, with their size (what the size limit and the stats count). */
    private record Checked(List<Message> messages, int bytes) {}

    /** Messages as published by {@code identity} (the request's acting clientId, {@link RestAuth#actingClientId}). */
    private Checked checkedMessages(Principal principal, ChannelName name, List<Object> items, WireFormat format,
                                    String identity) {
        if (!principal.capability().allows(name.name(), Capability.PUBLISH)) {
            throw ErrorCode.OPERATION_NOT_PERMITTED.exception("No publish capability on channel " + name.name());
        }
        if (items.isEmpty()) throw ErrorCode.INVALID_REQUEST_BODY.exception("No messages to publish");
        List<Message> messages = new ArrayList<>(items.size());
        int total = 0;
        for (Object item : items) {
            Message m = ClientIdPolicy.permit(Message.fromTree(item, format), identity, principal, server.config().limits().maxClientIdLength());
            m.requirePublishableId(null);
            total += m.size();
            messages.add(m);
        }
        requireAtOnceSize(total, "messages");
        return new Checked(messages, total);
    }

    /** Refuses (40009) a publish whose items add up to more than the maximum message size. */
    private void requireAtOnceSize(int total, String what) {
        if (total > server.config().maxMessageSize()) {
            throw ErrorCode.MAX_MESSAGE_LENGTH_EXCEEDED.exception("Maximum size of " + what + " that can be published at once exceeded (was "
                    + total + " bytes; limit is " + server.config().maxMessageSize() + " bytes)");
        }
    }

    /**
     * {@code POST /channels/{ch}/messages/{serial}/annotations} (RSAN1): annotations of that message, one or an array;
     * answered once they are accepted (their summary follows on the channel).
     */
    private void annotate(RoutingContext ctx) {
        try {
            Principal principal = authenticate(ctx);
            ChannelName name = ChannelName.parse(ctx.pathParam("channel"));
            Object tree = body(ctx);
            List<Object> items = tree instanceof List<?> list ? new ArrayList<>(list) : List.of(tree);
            if (items.isEmpty()) throw ErrorCode.INVALID_REQUEST_BODY.exception("No annotations to publish");
            String serial = ctx.pathParam("serial");
            String identity = RestAuth.actingClientId(ctx, principal);
            List<Message> annotations = new ArrayList<>(items.size());
            int bytes = 0;
            for (Object item : items) {
                Message a = Message.fromAnnotationTree(item, bodyFormat(ctx));
                if (a.op().messageSerial() != null && !serial.equals(a.op().messageSerial())) {
                    throw ErrorCode.INVALID_PARAMETER_VALUE.exception("An annotation's messageSerial is not the one in the path");
                }
                a = ClientIdPolicy.permit(a, identity, principal, server.config().limits().maxClientIdLength());
                a = a.withMutation(new Mutation(Mutation.ANNOTATION, serial, null, null, a.op().details()));
                a.requirePublishableId(null);
                bytes += a.size();
                annotations.add(a);
            }
            requireAtOnceSize(bytes, "annotations");
            String idBase = Ids.random(12);
            Responder.whenDone(ctx, server.operations().annotate(principal.appId(), name.name(), annotations, principal.capability(),
                    ms -> server.channels().publish(principal.appId(), name.name(), ms, idBase)), outcome -> Responder.ok(ctx, 201, Map.of()));
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /**
     * The realtime connection a publish is made for (TM2h: the messages carry its {@code connectionKey}), so subscribers
     * see its connectionId and its echo setting applies; null when none is named. Its key must name a live connection
     * of the same app on this node.
     */
    private String onBehalfOf(Principal principal, List<Object> items) {
        String key = null;
        for (Object item : items) {
            Map<String, Object> m = Trees.mapOrNull(item);
            String k = m == null ? null : Trees.stringOr(m.get("connectionKey"), null);
            if (k == null) continue;
            if (key != null && !key.equals(k)) throw ErrorCode.BAD_REQUEST.exception("The messages of one publish name different connections");
            key = k;
        }
        if (key == null) return null;
        String connectionId = server.connections().liveConnectionId(key, principal.appId());
        if (connectionId == null) {
            throw ErrorCode.INVALID_CONNECTION_KEY.exception("connectionKey does not name a connection of this app on this server");
        }
        return connectionId;
    }

    private static Map<String, Object> publishResult(String channel, List<String> serials) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("channel", channel);
        body.put("messageId", serials.isEmpty() ? null : serials.get(0));
        body.put("serials", serials);
        return body;
    }

    private static List<String> stringList(Object v, String key) {
        if (v instanceof String s) return List.of(s);
        if (!(v instanceof List<?> list) || list.isEmpty()) throw ErrorCode.INVALID_REQUEST_BODY.exception(key + " must be a non-empty array of names");
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) throw ErrorCode.INVALID_REQUEST_BODY.exception(key + " must contain only strings");
            out.add(s);
        }
        return out;
    }

    private void channelDetails(RoutingContext ctx) {
        try {
            Principal principal = authenticate(ctx);
            ChannelName name = ChannelName.parse(ctx.pathParam("channel"));
            if (!principal.capability().allowsAny(name.name())) {
                throw ErrorCode.OPERATION_NOT_PERMITTED.exception("No capability on channel " + name.name());
            }
            Channel channel = server.channels().existing(principal.appId(), name.name());
            if (channel == null) {
                Responder.ok(ctx, 200, details(name.name(), dev.switchboard.server.channel.OccupancyEvents.metrics(List.of(), 0)));
                return;
            }
            Responder.whenDone(ctx, server.channels().inspect(channel, c -> details(c.name(), c.occupancyMetrics())),
                    body -> Responder.ok(ctx, 200, body));
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /** ChannelDetails (CHD): the channel's occupancy metrics as this node counts them. */
    static Map<String, Object> details(String name, Map<String, Object> metrics) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("isActive", ((Number) metrics.get("connections")).intValue() > 0 || ((Number) metrics.get("presenceMembers")).intValue() > 0);
        status.put("occupancy", Map.of("metrics", metrics));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("channelId", name);
        body.put("name", name);
        body.put("status", status);
        return body;
    }

}
