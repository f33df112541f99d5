package dev.switchboard.server.connection;

import dev.switchboard.server.protocol.ErrorInfo;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection over a WebSocket at {@code /}, written directly on Netty: the last handler of the channel's pipeline
 * once {@link WebSocketUpgrade} has answered the handshake (nothing of the HTTP server stays behind). One protocol
 * message per WebSocket message in; out through {@link Outbound}. Holds only what an idle connection needs: the
 * inbound queue and a fragment buffer are made when first used. Event loop thread only, except {@link #isGone()}.
 */
final class WebSocketTransport extends ChannelInboundHandlerAdapter implements Transport {
    private static final Logger log = LoggerFactory.getLogger(WebSocketTransport.class);

    private final Clock clock;
    private final FlushBatcher flusher;
    private final long maxWaitingBytes;
    private final int maxMessageBytes;
    private final long closingTimeoutMs;
    private ChannelHandlerContext ctx;
    private Client client;
    private Outbound outbound;
    /** Whole messages that came while inbound was paused; made on first use. */
    private ArrayDeque<byte[]> pausedInbound;
    private boolean paused;
    /** The first frames of a fragmented message; made on first use. */
    private ByteBuf fragments;
    private boolean closeSent;
    /** Ends the TCP connection if the client never answers our close frame. */
    private ScheduledFuture<?> closingTimer;

    WebSocketTransport(Clock clock, FlushBatcher flusher, long maxWaitingBytes, int maxMessageBytes, long closingTimeoutMs) {
        this.clock = clock;
        this.flusher = flusher;
        this.maxWaitingBytes = maxWaitingBytes;
        this.maxMessageBytes = maxMessageBytes;
        this.closingTimeoutMs = closingTimeoutMs;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) { this.ctx = ctx; }

    @Override
    public void start(Client client, WireFormat format) {
        this.client = client;
        outbound = new Outbound(ctx, format, clock, flusher, maxWaitingBytes);
    }

    @Override
    public void refuse(int action, ErrorInfo error, WireFormat format) {
        byte[] bytes = ProtocolMessage.error(action, null, error).encode(format);
        ctx.write(format == WireFormat.JSON ? new TextWebSocketFrame(ctx.alloc().buffer(bytes.length).writeBytes(bytes))
                : new BinaryWebSocketFrame(ctx.alloc().buffer(bytes.length).writeBytes(bytes)), ctx.voidPromise());
        closeWith(WebSocketCloseStatus.NORMAL_CLOSURE, null);
    }

    /**
     * Sends a close frame and ends the TCP connection when the client answers it, or after the closing timeout: the
     * client reads everything before the close (an ERROR) instead of a reset.
     */
    void closeWith(WebSocketCloseStatus status, String reason) {
        if (closeSent || !ctx.channel().isActive()) return;
        closeSent = true;
        ctx.writeAndFlush(reason == null ? new CloseWebSocketFrame(status) : new CloseWebSocketFrame(status.code(), reason));
        closingTimer = ctx.executor().schedule(() -> ctx.close(), closingTimeoutMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            // The upgrade request's trailing empty content, decoded before the HTTP decoder was replaced.
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
                onDataFrame(frame);
            } else if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()), ctx.voidPromise());
            } else if (frame instanceof CloseWebSocketFrame close) {
                if (closeSent) {
                    ctx.close();
                } else {
                    // The client closes: answer with its status (RFC 6455 5.5.1), then end the TCP connection.
                    closeSent = true;
                    int code = close.statusCode();
                    ctx.writeAndFlush(code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, null))
                            .addListener(ChannelFutureListener.CLOSE);
                }
            }
        } finally {
            frame.release();
        }
    }

    private void onDataFrame(WebSocketFrame frame) {
        if (closeSent) return;
        boolean continuation = frame instanceof ContinuationWebSocketFrame;
        if (continuation != (fragments != null)) {
            closeWith(WebSocketCloseStatus.PROTOCOL_ERROR, continuation ? "Continuation frame without a message" : "New message inside a fragmented one");
            return;
        }
        if (frame.isFinalFragment() && !continuation) {
            onMessage(ByteBufUtil.getBytes(frame.content()));
            return;
        }
        if (fragments == null) fragments = ctx.alloc().heapBuffer();
        if (fragments.readableBytes() + frame.content().readableBytes() > maxMessageBytes) {
            releaseFragments();
            closeWith(WebSocketCloseStatus.MESSAGE_TOO_BIG, "Message larger than " + maxMessageBytes + " bytes");
            return;
        }
        fragments.writeBytes(frame.content());
        if (frame.isFinalFragment()) {
            byte[] whole = ByteBufUtil.getBytes(fragments);
            releaseFragments();
            onMessage(whole);
        }
    }

    private void onMessage(byte[] bytes) {
        if (client == null) return; // refused, or not started yet: nothing reads it
        if (paused) {
            if (pausedInbound == null) pausedInbound = new ArrayDeque<>(2);
            pausedInbound.add(bytes);
            return;
        }
        client.onFrame(bytes);
    }

    private void releaseFragments() {
        if (fragments != null) fragments.release();
        fragments = null;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (outbound != null && ctx.channel().isWritable()) outbound.drain();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // The HTTP idle timeout still guards a socket that upgraded but was never accepted; an accepted one removes it.
        if (evt instanceof IdleStateEvent) ctx.close();
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A protocol violation (the decoder has sent its close frame already) or a reset socket: the close handler follows.
        log.debug("WebSocket {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (closingTimer != null) closingTimer.cancel(false);
        releaseFragments();
        if (pausedInbound != null) pausedInbound.clear();
        if (client != null) client.onTransportGone();
    }

    @Override
    public void pauseInbound() {
        paused = true;
        ctx.channel().config().setAutoRead(false);
    }

    @Override
    public void resumeInbound() {
        paused = false;
        while (pausedInbound != null && !pausedInbound.isEmpty() && !paused) client.onFrame(pausedInbound.poll());
        if (!paused) ctx.channel().config().setAutoRead(true);
    }

    @Override public boolean isGone() { return !ctx.channel().isActive(); }

    @Override public void sendNow(byte[] frame) { outbound.sendNow(frame); }

    @Override public Verdict deliver(byte[] frame) { return outbound.deliver(frame); }

    @Override public Verdict backlog(List<byte[]> frames) { return outbound.backlog(frames); }

    @Override public void flushPending() { outbound.flushPending(); }

    @Override public long lastWriteAt() { return outbound.lastWriteAt(); }

    @Override public long bufferedBytes() { return outbound.socketBufferedBytes(); }

    @Override
    public void close() {
        outbound.close();
        closeWith(WebSocketCloseStatus.NORMAL_CLOSURE, null);
    }

    @Override public void abort() { outbound.abort(); }

    @Override public void release() { outbound.close(); }
}
