package dev.switchboard.server.http;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.WireFormat;
import dev.switchboard.server.rules.RuleOutbox;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The after-publish rules' dead letters, for operators (a key with every capability): {@code GET /rules/dead-letters}
 * lists them ({@code limit}, default 100), {@code POST /rules/dead-letters/{id}/replay} sends one to its rule again,
 * {@code DELETE /rules/dead-letters/{id}} forgets it. A server without the rules' outbox keeps none: an empty list,
 * so that a console polling it is not refused again and again.
 */
public final class DeadLetterApi {
    private final ServerContext server;

    public DeadLetterApi(ServerContext server) { this.server = server; }

    public void mount(Router router) {
        router.get("/rules/dead-letters").handler(ctx -> blocking(ctx, () -> {
            Long limit = QueryParams.optionalLong(ctx, "limit");
            if (limit != null && (limit < 1 || limit > 1000)) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("limit must be from 1 to 1000");
            List<Object> body = new ArrayList<>();
            for (RuleOutbox.DeadLetter d : server.rules().deadLetters(limit == null ? 100 : limit.intValue())) body.add(tree(d));
            return body;
        }));
        router.post("/rules/dead-letters/:id/replay").handler(ctx -> blocking(ctx, () -> {
            long id = id(ctx);
            if (!server.rules().replayDeadLetter(id)) throw ErrorCode.NOT_FOUND.exception("No dead letter " + id);
            return Map.of("replayed", id);
        }));
        router.delete("/rules/dead-letters/:id").handler(ctx -> blocking(ctx, () -> {
            long id = id(ctx);
            if (!server.rules().discardDeadLetter(id)) throw ErrorCode.NOT_FOUND.exception("No dead letter " + id);
            return Map.of("discarded", id);
        }));
    }

    private void blocking(RoutingContext ctx, Callable<Object> action) {
        try {
            RestAuth.requireUnrestrictedKey(ctx, server.tokens());
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
            return;
        }
        Vertx vertx = server.vertx();
        Responder.whenDone(ctx, vertx.executeBlocking(action, false).toCompletionStage(), body -> Responder.ok(ctx, 200, body));
    }

    private static long id(RoutingContext ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("A dead letter id is a number, was '" + ctx.pathParam("id") + "'");
        }
    }

    private static Map<String, Object> tree(RuleOutbox.DeadLetter d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.event().id());
        m.put("rule", d.event().ruleId());
        m.put("channel", d.event().channel());
        m.put("createdAt", d.event().createdAt());
        m.put("failedAt", d.failedAt());
        m.put("attempts", d.attempts());
        m.put("lastError", d.lastError());
        List<Object> messages = new ArrayList<>();
        for (var msg : d.event().messages()) messages.add(msg.toTree(WireFormat.JSON));
        m.put("messages", messages);
        return m;
    }
}
