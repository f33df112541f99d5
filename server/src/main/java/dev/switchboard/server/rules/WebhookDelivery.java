package dev.switchboard.server.rules;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * POSTs events to webhook targets with one shared Vert.x HTTP client. Each attempt sends the JSON body with
 * {@code Content-Type: application/json}, the rule's headers, {@code X-Switchboard-Rule}, {@code X-Switchboard-App},
 * {@code X-Switchboard-Channel}, {@code X-Switchboard-Event-Id} (stable across retries), {@code X-Switchboard-Attempt},
 * and when the rule has a signing key the {@link WebhookSignature} headers. The whole attempt (connect, send,
 * response) must finish within the target's {@code timeoutMs}; a 2xx status is delivered, anything else fails it.
 */
final class WebhookDelivery {
    private final Vertx vertx;
    private final Context context;
    private final Clock clock;
    private final HttpClientAgent client;

    WebhookDelivery(Vertx vertx, Context context, Clock clock) {
        this.vertx = vertx;
        this.context = context;
        this.clock = clock;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(32));
    }

    CompletableFuture<Void> post(RuleTarget.Webhook target, Rule rule, RulesEngine.Pending pending, int attempt) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        context.runOnContext(v -> {
            byte[] body;
            try {
                body = pending.body(rule.enveloped());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            long timestamp = clock.millis();
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setAbsoluteURI(target.url().toString())
                    .setConnectTimeout(target.timeoutMs())
                    .setIdleTimeout(target.timeoutMs());
            for (Map.Entry<String, String> h : target.headers().entrySet()) options.putHeader(h.getKey(), h.getValue());
            options.putHeader("Content-Type", "application/json")
                    .putHeader("User-Agent", "Switchboard-Rules")
                    .putHeader("X-Switchboard-Rule", rule.id())
                    .putHeader("X-Switchboard-App", pending.appId)
                    .putHeader("X-Switchboard-Channel", pending.channel)
                    .putHeader("X-Switchboard-Event-Id", pending.eventId())
                    .putHeader("X-Switchboard-Attempt", Integer.toString(attempt));
            if (target.signingKey() != null) {
                options.putHeader(WebhookSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
                        .putHeader(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(target.signingKey(), timestamp, body));
            }
            HttpClientRequest[] request = new HttpClientRequest[1];
            long timer = vertx.setTimer(target.timeoutMs(), id -> {
                if (result.completeExceptionally(new TimeoutException("no response from " + target.url() + " within " + target.timeoutMs() + " ms"))
                        && request[0] != null) {
                    request[0].reset();
                }
            });
            client.request(options)
                    .compose(req -> {
                        request[0] = req;
                        return req.send(Buffer.buffer(body));
                    })
                    .compose(resp -> resp.body().map(b -> {
                        int status = resp.statusCode();
                        if (status < 200 || status > 299) {
                            String text = b.length() > 200 ? b.getString(0, 200) + "..." : b.toString();
                            throw new WebhookStatusException(status, target.url() + " answered " + status + " " + resp.statusMessage()
                                    + (text.isBlank() ? "" : ": " + text.strip()));
                        }
                        return (Void) null;
                    }))
                    .onComplete(ar -> {
                        vertx.cancelTimer(timer);
                        if (ar.succeeded()) result.complete(null); else result.completeExceptionally(ar.cause());
                    });
        });
        return result;
    }

    void close() {
        client.close();
    }

    /** A webhook answered with a status other than 2xx. */
    static final class WebhookStatusException extends RuntimeException {
        final int status;

        WebhookStatusException(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }
}
