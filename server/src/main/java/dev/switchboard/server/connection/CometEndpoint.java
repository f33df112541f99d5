package dev.switchboard.server.connection;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.limits.ConnectionGuard;
import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.ErrorInfo;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.WireFormat;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.function.Consumer;

/**
 * The comet (HTTP long-poll and streaming) transport's routes, as ably-js's comet and xhr_polling transports call
 * them: {@code GET /comet/connect} with the WebSocket's query parameters opens a connection; then
 * {@code /comet/<connectionKey>/recv}, {@code /send}, {@code /close} and {@code /disconnect}. The connection key in the
 * path names the connection (as a resume key does); each request is handed to the event loop its connection runs on.
 */
public final class CometEndpoint {
    private final ServerContext server;
    private final ConnectionAcceptor acceptor;
    private final ConnectionGuard guard;

    public CometEndpoint(ServerContext server, ConnectionAcceptor acceptor, ConnectionGuard guard) {
        this.server = server;
        this.acceptor = acceptor;
        this.guard = guard;
    }

    public void mount(Router router) {
        router.get("/comet/connect").handler(this::connect);
        router.get("/comet/:key/recv").handler(ctx -> withTransport(ctx, t -> t.receive(ctx.response())));
        router.post("/comet/:key/send").handler(ctx -> {
            Buffer body = ctx.body().buffer();
            byte[] bytes = body == null ? new byte[0] : body.getBytes();
            withTransport(ctx, t -> t.received(bytes));
            answered(ctx);
        });
        router.get("/comet/:key/close").handler(ctx -> {
            withTransport(ctx, t -> t.received(Action.CLOSE));
            answered(ctx);
        });
        router.get("/comet/:key/disconnect").handler(ctx -> {
            withTransport(ctx, t -> t.received(Action.DISCONNECT));
            answered(ctx);
        });
    }

    private void connect(RoutingContext ctx) {
        if (!guard.accepting()) {
            disconnected(ctx, ErrorCode.DISCONNECTED.info("The server is shutting down"));
            return;
        }
        acceptor.acceptComet(new QueryStringDecoder(ctx.request().uri()).parameters(), ctx.response(), streaming(ctx));
    }

    /** Runs {@code action} on the connection's own event loop; a key this server does not know gets a DISCONNECTED. */
    private void withTransport(RoutingContext ctx, Consumer<CometTransport> action) {
        CometTransport transport = server.connections().comet(ctx.pathParam("key"));
        if (transport == null) {
            // The client reconnects and tries to resume: on a node that has never seen the key, that fails cleanly.
            disconnected(ctx, ErrorCode.RESUME_FAILED.info("No comet connection with this key on this server"));
            return;
        }
        transport.context().runOnContext(v -> action.accept(transport));
    }

    /** A send, close or disconnect: answered at once with no frames (what follows comes through the receiver). */
    private static void answered(RoutingContext ctx) {
        if (!ctx.response().ended()) ctx.response().putHeader("Content-Type", WireFormat.JSON.contentType()).end("[]\n");
    }

    private static void disconnected(RoutingContext ctx, ErrorInfo error) {
        if (ctx.response().ended()) return;
        byte[] frame = ProtocolMessage.error(Action.DISCONNECTED, null, error).encode(WireFormat.JSON);
        ctx.response().putHeader("Content-Type", WireFormat.JSON.contentType())
                .end(Buffer.buffer(frame.length + 2).appendByte((byte) '[').appendBytes(frame).appendString("]\n"));
    }

    /** ably-js streams unless its connect request asks {@code stream=false} (its browser xhr_polling always does). */
    private static boolean streaming(RoutingContext ctx) { return !"false".equals(ctx.request().getParam("stream")); }
}
