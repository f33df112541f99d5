package dev.switchboard.server.http;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.apps.App;
import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.PresenceMessage;
import dev.switchboard.server.protocol.WireFormat;
import dev.switchboard.server.protocol.Trees;
import dev.switchboard.server.util.Ids;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Throwaway apps for SDK test suites ({@code SWITCHBOARD_SANDBOX=true} only): {@code POST /apps} takes the
 * app spec those suites send and answers with the generated keys; {@code DELETE /apps/{id}} removes it.
 */
public final class SandboxApi {
    private final ServerContext server;

    public SandboxApi(ServerContext server) { this.server = server; }

    public void mount(Router router) {
        router.post("/apps").handler(this::create);
        router.delete("/apps/:appId").handler(this::delete);
    }

    private void create(RoutingContext ctx) {
        try {
            Object spec = ctx.body().buffer() == null || ctx.body().buffer().length() == 0 ? Map.of() : RestApi.body(ctx);
            Map<String, Object> m = Trees.mapOrNull(spec);
            if (m == null) throw ErrorCode.INVALID_REQUEST_BODY.exception("App spec must be an object");
            String appId = "sbx" + Ids.random(8);
            App app = server.apps().getOrCreate(appId);
            List<Object> keysOut = new ArrayList<>();
            Object keys = m.getOrDefault("keys", List.of(Map.of()));
            if (!(keys instanceof List<?> keyList)) throw ErrorCode.INVALID_REQUEST_BODY.exception("keys must be an array");
            for (Object k : keyList) {
                Map<String, Object> keySpec = Trees.mapOrNull(k);
                Object cap = keySpec == null ? null : keySpec.get("capability");
                Capability capability = cap instanceof String s ? Capability.parse(s) : Capability.ALL;
                ApiKey key = new ApiKey(appId, Ids.random(6), Ids.random(24), capability);
                app.addKey(key);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("id", key.keyId());
                out.put("keyName", key.keyName());
                out.put("keySecret", key.secret());
                out.put("keyStr", key.keyString());
                out.put("capability", capability.json());
                out.put("expires", 0);
                keysOut.add(out);
            }
            allowMutableNamespaces(m.get("namespaces"));
            java.util.concurrent.CompletableFuture<Void> fixtures = enterPresenceFixtures(appId, m.get("channels"));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("appId", appId);
            body.put("id", appId);
            body.put("keys", keysOut);
            body.put("namespaces", m.getOrDefault("namespaces", List.of()));
            body.put("channels", m.getOrDefault("channels", List.of()));
            Responder.whenDone(ctx, fixtures, v -> Responder.ok(ctx, 201, body));
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /** The spec's namespaces with {@code mutableMessages: true} (ably-common's {@code mutable}) become mutable-message rules. */
    private void allowMutableNamespaces(Object namespaces) {
        if (!(namespaces instanceof List<?> list)) return;
        for (Object n : list) {
            Map<String, Object> spec = Trees.mapOrNull(n);
            if (spec != null && spec.get("id") instanceof String id && Boolean.TRUE.equals(spec.get("mutableMessages"))) {
                server.channels().allowMutableMessages(id);
            }
        }
    }

    /**
     * The spec's {@code channels[].presence} fixtures (ably-common's test app has members on
     * {@code persisted:presence_fixtures}), entered as members no connection holds; done once every one is in.
     */
    private java.util.concurrent.CompletableFuture<Void> enterPresenceFixtures(String appId, Object channels) {
        List<java.util.concurrent.CompletableFuture<Void>> entered = new ArrayList<>();
        if (!(channels instanceof List<?> list)) return java.util.concurrent.CompletableFuture.completedFuture(null);
        for (Object c : list) {
            Map<String, Object> spec = Trees.mapOrNull(c);
            if (spec == null || !(spec.get("name") instanceof String name) || !(spec.get("presence") instanceof List<?> members)) continue;
            List<PresenceMessage> enters = new ArrayList<>();
            for (Object member : members) {
                Map<String, Object> fields = Trees.mapOrNull(member);
                if (fields == null) throw ErrorCode.INVALID_REQUEST_BODY.exception("A presence fixture must be an object");
                Map<String, Object> enter = new LinkedHashMap<>(fields);
                enter.put("action", (long) PresenceMessage.ENTER);
                PresenceMessage p = PresenceMessage.fromTree(enter, WireFormat.JSON);
                if (p.clientId() == null) throw ErrorCode.INVALID_REQUEST_BODY.exception("A presence fixture needs a clientId");
                enters.add(p.with(null, PresenceMessage.ENTER, p.clientId(), FIXTURE_CONNECTION, server.clock().millis()));
            }
            java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
            server.channels().presence(server.channels().channel(appId, name), enters, FIXTURE_CONNECTION, FIXTURE_CONNECTION + ":" + Ids.random(6),
                    (outcome, error) -> { if (error != null) done.completeExceptionally(error); else done.complete(null); });
            entered.add(done);
        }
        return java.util.concurrent.CompletableFuture.allOf(entered.toArray(new java.util.concurrent.CompletableFuture[0]));
    }

    /** The connection id the fixtures' members carry: no connection has it, so none leaves. */
    private static final String FIXTURE_CONNECTION = "sandboxFixtures";

    private void delete(RoutingContext ctx) {
        String appId = ctx.pathParam("appId");
        if (!appId.startsWith("sbx") || server.apps().remove(appId) == null) {
            Responder.error(ctx, ErrorCode.NOT_FOUND.info("No sandbox app " + appId));
            return;
        }
        ctx.response().setStatusCode(204).end();
    }
}
