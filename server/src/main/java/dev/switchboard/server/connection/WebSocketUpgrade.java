package dev.switchboard.server.connection;

import dev.switchboard.server.limits.ConnectionGuard;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.VertxHandler;

import java.nio.charset.StandardCharsets;

/**
 * Takes WebSocket upgrades away from the HTTP server: sits in every HTTP connection's pipeline just before the HTTP
 * server's handler, lets every other request through, and answers an upgrade itself. The HTTP server's handler and
 * its codecs then leave the pipeline, which ends as Netty's WebSocket codec and a {@link WebSocketTransport}: an idle
 * connection keeps no HTTP connection, request or write queue of the HTTP server alive. Shared by the connections
 * of one event loop; runs on it.
 */
@ChannelHandler.Sharable
public final class WebSocketUpgrade extends ChannelInboundHandlerAdapter {
    private static final String NAME = "switchboard-websocket";

    private final ConnectionAcceptor acceptor;
    private final ConnectionGuard guard;
    private final WebSocketServerHandshakerFactory handshakers;
    private final int maxMessageBytes;

    /**
     * @param maxMessageBytes the largest frame, and the largest message a client may send in fragments
     */
    public WebSocketUpgrade(ConnectionAcceptor acceptor, ConnectionGuard guard, int maxMessageBytes) {
        this.acceptor = acceptor;
        this.guard = guard;
        this.maxMessageBytes = maxMessageBytes;
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxMessageBytes)
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                // No compression: a compressed connection would deflate every shared fan-out frame once per subscriber.
                .allowExtensions(false)
                .closeOnProtocolViolation(true)
                .build();
        // The URL only matters to the pre-RFC 6455 handshakes, which are refused anyway.
        this.handshakers = new WebSocketServerHandshakerFactory("ws://switchboard/", null, decoder);
    }

    /** For {@code HttpServer.connectionHandler}: puts this interceptor in front of the HTTP server's handler. */
    public void install(HttpConnection connection) {
        if (!(connection instanceof ConnectionBase base) || !base.channel().isActive()) return;
        ChannelPipeline pipeline = base.channel().pipeline();
        ChannelHandlerContext server = pipeline.context(VertxHandler.class);
        if (server != null) pipeline.addBefore(server.name(), NAME, this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request) || !request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            ctx.fireChannelRead(msg);
            return;
        }
        guard.onRequest(ctx.channel());
        FullHttpRequest full = new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE);
        ReferenceCountUtil.release(msg);
        ChannelPipeline pipeline = ctx.pipeline();
        // From here the HTTP server no longer sees this connection: its handler and the HTTP-only codecs go.
        ChannelHandlerContext server = pipeline.context(VertxHandler.class);
        if (server != null) pipeline.remove(server.name());
        if (pipeline.get(ChunkedWriteHandler.class) != null) pipeline.remove(ChunkedWriteHandler.class);
        if (pipeline.get(HttpContentDecompressor.class) != null) pipeline.remove(HttpContentDecompressor.class);
        // It would offer permessage-deflate on the 101 (the HTTP server adds it when WebSocket compression is on).
        if (pipeline.get(WebSocketServerExtensionHandler.class) != null) pipeline.remove(WebSocketServerExtensionHandler.class);
        WebSocketServerHandshaker handshaker = handshakers.newHandshaker(full);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        WebSocketTransport transport = acceptor.newWebSocketTransport(maxMessageBytes);
        try {
            // Replaces the HTTP decoder with the WebSocket decoder (and the compressor goes), answers 101.
            handshaker.handshake(ctx.channel(), full);
        } catch (WebSocketServerHandshakeException e) {
            badRequest(ctx, e.getMessage());
            return;
        }
        // Netty puts its encoder after the decoder when the HTTP codec is two handlers: the close frame the decoder
        // writes on a protocol violation (1002, 1009) would then pass no encoder and never reach the client.
        pipeline.remove("wsencoder");
        pipeline.addBefore("wsdecoder", "wsencoder", new WebSocket13FrameEncoder(false));
        pipeline.replace(this, "switchboard-transport", transport);
        acceptor.accept(transport, full.uri());
    }

    private static void badRequest(ChannelHandlerContext ctx, String why) {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.BAD_REQUEST, Unpooled.copiedBuffer(why + "\n", StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.channel().writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
