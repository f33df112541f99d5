package dev.switchboard.server.http;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.connection.ConnectionAcceptor;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

import java.util.List;
import java.util.function.Consumer;

/**
 * One instance of the HTTP edge: REST routes and the WebSocket endpoint on the shared port. Several
 * instances run, one per event loop, so connections spread over the cores.
 */
public final class HttpVerticle extends VerticleBase {
    private final ServerContext server;
    private final List<Consumer<Router>> extraRoutes;
    private HttpServer http;

    public HttpVerticle(ServerContext server, List<Consumer<Router>> extraRoutes) {
        this.server = server;
        this.extraRoutes = extraRoutes;
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        RestApi rest = new RestApi(server);
        rest.mount(router);
        new HistoryApi(server).mount(router);
        new DeadLetterApi(server).mount(router);
        if (server.config().sandbox()) new SandboxApi(server).mount(router);
        for (Consumer<Router> routes : extraRoutes) routes.accept(router);
        rest.mountFallback(router);
        ConnectionAcceptor acceptor = new ConnectionAcceptor(server, context, vertx);
        HttpServerOptions options = new HttpServerOptions()
                .setHost(server.config().host())
                .setPort(server.config().port())
                .setMaxWebSocketFrameSize(server.config().maxFrameSize())
                .setMaxWebSocketMessageSize(server.config().maxFrameSize())
                .setCompressionSupported(true)
                // A compressed WebSocket would deflate every fan-out frame once per subscriber and hold a zlib
                // context per connection; frames are encoded once and shared instead.
                .setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false)
                .setTcpNoDelay(true)
                .setIdleTimeout(0);
        http = vertx.createHttpServer(options).webSocketHandler(acceptor::accept).requestHandler(router);
        return http.listen();
    }

    @Override
    public Future<?> stop() { return http == null ? Future.succeededFuture() : http.close(); }
}
