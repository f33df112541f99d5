package dev.switchboard.server.http;

import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.ErrorInfo;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.WireFormat;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Writes REST answers the way the SDKs read them: the format the client accepts, exact content types,
 * the error body plus X-Ably-Error* headers, and the {@code envelope=json} wrapping browsers ask for.
 */
public final class Responder {
    private static final Logger log = LoggerFactory.getLogger(Responder.class);

    private Responder() {}

    public static WireFormat responseFormat(RoutingContext ctx) {
        WireFormat f = WireFormat.fromMediaType(ctx.request().getHeader("Accept"));
        return f == null ? WireFormat.JSON : f;
    }

    public static void ok(RoutingContext ctx, int status, Object body) { ok(ctx, status, body, null); }

    /** Answers with a body tree; {@code link} is a Link header value or null. */
    public static void ok(RoutingContext ctx, int status, Object body, String link) {
        HttpServerResponse res = ctx.response();
        if (res.ended()) return;
        if ("json".equals(ctx.request().getParam("envelope"))) {
            Map<String, Object> headers = new LinkedHashMap<>();
            if (link != null) headers.put("link", link);
            Map<String, Object> envelope = new LinkedHashMap<>();
            envelope.put("statusCode", status);
            envelope.put("headers", headers);
            envelope.put("response", body);
            write(res, 200, WireFormat.JSON, envelope);
            return;
        }
        if (link != null) res.putHeader("Link", link);
        write(res, status, responseFormat(ctx), body);
    }

    /**
     * Answers on the request's own event loop once {@code result} completes: the failure as an error body,
     * or whatever {@code answer} writes for the value. Call it on the request's context.
     */
    public static <T> void whenDone(RoutingContext ctx, CompletionStage<T> result, Consumer<T> answer) {
        Context requestContext = Vertx.currentContext();
        result.whenComplete((value, failure) -> requestContext.runOnContext(v -> {
            if (failure == null) answer.accept(value);
            else error(ctx, dev.switchboard.server.util.Futures.cause(failure));
        }));
    }

    /**
     * A batch request's answer (batch presence, token revocation): every item's result, each either a success or one
     * with an {@code error}, and how many of each.
     */
    public static void batch(RoutingContext ctx, List<Map<String, Object>> results) {
        int failures = 0;
        for (Map<String, Object> r : results) if (r.containsKey("error")) failures++;
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("successCount", results.size() - failures);
        answer.put("failureCount", failures);
        answer.put("results", results);
        ok(ctx, 200, answer);
    }

    public static void error(RoutingContext ctx, Throwable failure) {
        ErrorInfo error;
        if (failure instanceof SwitchboardException se) error = se.error();
        else {
            log.error("Unhandled REST failure on {} {}", ctx.request().method(), ctx.request().path(), failure);
            error = ErrorCode.INTERNAL_ERROR.info("Internal error");
        }
        error(ctx, error);
    }

    public static void error(RoutingContext ctx, ErrorInfo error) {
        HttpServerResponse res = ctx.response();
        if (res.ended()) return;
        res.putHeader("X-Ably-ErrorCode", String.valueOf(error.code()));
        res.putHeader("X-Ably-ErrorMessage", headerSafe(error.message()));
        if (error.statusCode() == 401) {
            // ably-java parses only Basic, Digest or x-ably-token here, and renews a token when told it is stale.
            boolean tokenError = error.code() >= 40140 && error.code() < 40150;
            res.putHeader("WWW-Authenticate", tokenError ? "x-ably-token realm=\"switchboard\", stale" : "Basic realm=\"switchboard\"");
        }
        Map<String, Object> body = Map.of("error", error.toTree());
        if ("json".equals(ctx.request().getParam("envelope"))) {
            Map<String, Object> envelope = new LinkedHashMap<>();
            envelope.put("statusCode", error.statusCode());
            envelope.put("headers", Map.of());
            envelope.put("response", body);
            write(res, 200, WireFormat.JSON, envelope);
            return;
        }
        write(res, error.statusCode(), responseFormat(ctx), body);
    }

    private static void write(HttpServerResponse res, int status, WireFormat format, Object body) {
        res.setStatusCode(status).putHeader("Content-Type", format.contentType()).end(Buffer.buffer(format.writeTree(body)));
    }

    private static String headerSafe(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) sb.append(c >= 0x20 && c < 0x7f ? c : ' ');
        return sb.toString();
    }
}
