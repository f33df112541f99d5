package dev.switchboard.server.http;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.connection.CometEndpoint;
import dev.switchboard.server.connection.ConnectionAcceptor;
import dev.switchboard.server.connection.WebSocketUpgrade;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import dev.switchboard.server.config.Limits;
import dev.switchboard.server.limits.AddressRateLimiter;
import dev.switchboard.server.limits.ConnectionGuard;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One instance of the HTTP edge: REST routes and the WebSocket endpoint on the shared port (upgrades are taken off
 * the HTTP server by {@link WebSocketUpgrade}). Several instances run, one per event loop, so connections spread
 * over the cores.
 */
public final class HttpVerticle extends VerticleBase {
    private final ServerContext server;
    private final List<Consumer<Router>> extraRoutes;
    private final ConnectionGuard guard;
    private final AddressRateLimiter tokenRequests;
    private HttpServer http;

    /** {@code guard} and {@code tokenRequests} are shared by every instance, so limits hold across event loops. */
    public HttpVerticle(ServerContext server, List<Consumer<Router>> extraRoutes, ConnectionGuard guard, AddressRateLimiter tokenRequests) {
        this.server = server;
        this.extraRoutes = extraRoutes;
        this.guard = guard;
        this.tokenRequests = tokenRequests;
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        router.route().handler(ctx -> {
            if (ctx.request().connection() instanceof ConnectionBase connection) guard.onRequest(connection.channel());
            ctx.next();
        });
        OperatorApi operator = new OperatorApi(server);
        operator.countRefusals(router);
        RestApi rest = new RestApi(server, tokenRequests);
        rest.mount(router);
        operator.mount(router);
        new HistoryApi(server).mount(router);
        new MessageVersionsApi(server).mount(router);
        new ChatRoomsApi(server).mount(router);
        new DeadLetterApi(server).mount(router);
        new StatsApi(server).mount(router);
        if (server.config().sandbox()) new SandboxApi(server).mount(router);
        ConnectionAcceptor acceptor = new ConnectionAcceptor(server, context, vertx, guard);
        WebSocketUpgrade webSockets = new WebSocketUpgrade(acceptor, guard, server.config().maxFrameSize());
        new CometEndpoint(server, acceptor, guard).mount(router);
        for (Consumer<Router> routes : extraRoutes) routes.accept(router);
        rest.mountFallback(router);
        Limits limits = server.config().limits();
        HttpServerOptions options = new HttpServerOptions()
                .setHost(server.config().host())
                .setPort(server.config().port())
                .setCompressionSupported(true)
                // Without these Vert.x puts a handler in every connection that would offer permessage-deflate on the
                // upgrade; WebSocketUpgrade answers without extensions (a compressed connection would deflate every
                // shared fan-out frame once per subscriber).
                .setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false)
                .setTcpNoDelay(true)
                // HTTP/1.1 only: with cleartext HTTP/2 detection a connection is set up (and guarded) only after its first bytes.
                .setHttp2ClearTextEnabled(false)
                // Closes HTTP connections that neither read nor write for this long (silent keep-alive and half-open
                // sockets); an accepted realtime connection leaves this handler behind (see Outbound).
                .setIdleTimeout((int) limits.idleTimeoutMs())
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
        http = vertx.createHttpServer(options)
                .connectionHandler(connection -> {
                    guard.onConnection(connection);
                    webSockets.install(connection);
                })
                .requestHandler(router);
        return http.listen();
    }

    @Override
    public Future<?> stop() { return http == null ? Future.succeededFuture() : http.close(); }
}
