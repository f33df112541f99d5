package dev.switchboard.server.connection;

import dev.switchboard.server.protocol.WireFormat;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.netty.handler.timeout.IdleStateHandler;

import dev.switchboard.server.connection.Transport.Verdict;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One connection's way to its socket, with one bound for every kind of frame: the socket's outbound buffer
 * ({@link #BUFFER_BYTES}, Netty's write-buffer water mark). Live fan-out frames are written straight through
 * while the socket keeps up; a subscriber that falls a whole buffer behind is cut off (it resumes from history).
 * Backlogs (rewind, resume replay, presence SYNC) are larger than one buffer by nature, so they wait here and
 * are written as the socket drains, and anything sent after a backlog queues behind it so order is kept. What
 * waits is bounded too ({@code maxWaitingBytes}): a client that never reads is cut off once its backlogs pass it,
 * so it holds at most that plus one socket buffer. Event loop thread only.
 */
final class Outbound implements FlushBatcher.Flushable {
    /** Bytes a subscriber may fall behind by before it is cut off. */
    static final int BUFFER_BYTES = 1 << 20;

    private final ChannelHandlerContext ctx;
    /**
     * Where our frames enter the pipeline: just below the WebSocket encoder, as finished frames (no per-write encoding
     * or copy); control frames such as close still pass the encoder. The transport's own context when the encoder is
     * not found or an extension (compression) would have to see them.
     */
    private final ChannelHandlerContext wire;
    private final boolean rawFrames;
    private final WireFormat format;
    private final Clock clock;
    private final FlushBatcher flusher;
    /** Frames waiting for the socket to drain, oldest first; while non-empty every new frame queues behind them. */
    private ArrayDeque<byte[]> waiting;
    private final long maxWaitingBytes;
    private long waitingBytes;
    private boolean flushPending;
    private long lastWriteAt;
    private boolean closed;

    Outbound(ChannelHandlerContext ctx, WireFormat format, Clock clock, FlushBatcher flusher, long maxWaitingBytes) {
        this.ctx = ctx;
        this.maxWaitingBytes = maxWaitingBytes;
        this.format = format;
        this.clock = clock;
        this.flusher = flusher;
        ctx.channel().config().setWriteBufferHighWaterMark(BUFFER_BYTES);
        // The HTTP idle timeout ends here: a live realtime connection always carries heartbeats, and the handler would
        // allocate a promise and a listener for every frame written (a per-delivery cost on the fan-out path).
        if (ctx.pipeline().get(IdleStateHandler.class) != null) ctx.pipeline().remove(IdleStateHandler.class);
        ChannelHandlerContext encoder = ctx.pipeline().context(WebSocketFrameEncoder.class);
        rawFrames = encoder != null && ctx.pipeline().get(WebSocketExtensionEncoder.class) == null;
        wire = rawFrames ? encoder : ctx;
    }

    private boolean hasWaiting() { return waiting != null && !waiting.isEmpty(); }

    long lastWriteAt() { return lastWriteAt; }

    /** Bytes written to the socket that it has not taken yet; safe to read from any thread (diagnostics, tests). */
    long socketBufferedBytes() {
        io.netty.channel.ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    /** A control frame (CONNECTED, ACK, ATTACHED, HEARTBEAT, errors): written and flushed now unless a backlog waits. */
    void sendNow(byte[] bytes) {
        if (closed) return;
        if (hasWaiting()) {
            // Small, and bounded by what the client asks for: counted, never refused.
            waiting.add(bytes);
            waitingBytes += bytes.length;
            return;
        }
        write(bytes);
        flushPending = false;
        wire.flush();
    }

    /**
     * A live fan-out frame: written without a flush (the loop's {@link FlushBatcher} flushes once per batch).
     * TOO_SLOW when the reader is a whole buffer behind; the caller then cuts it off.
     */
    Verdict deliver(byte[] bytes) {
        if (closed) return Verdict.WRITTEN;
        if (hasWaiting()) return enqueue(List.of(bytes));
        if (!ctx.channel().isActive()) return Verdict.WRITTEN; // gone: its close handler suspends the connection
        if (!ctx.channel().isWritable()) return Verdict.TOO_SLOW;
        lastWriteAt = clock.millis();
        if (rawFrames) wire.write(flusher.frames().shared(bytes, format == WireFormat.JSON, ctx.alloc()), ctx.voidPromise());
        else write(bytes);
        markForFlush();
        return Verdict.WRITTEN;
    }

    /** A backlog: queued in order and written as fast as the socket drains; TOO_SLOW when too much already waits. */
    Verdict backlog(List<byte[]> frames) {
        if (closed || frames.isEmpty()) return Verdict.WRITTEN;
        Verdict verdict = enqueue(frames);
        drain();
        return verdict;
    }

    private Verdict enqueue(List<byte[]> frames) {
        long bytes = 0;
        for (byte[] f : frames) bytes += f.length;
        if (waitingBytes + bytes > maxWaitingBytes) return Verdict.TOO_SLOW;
        // Made on the first backlog, so a connection that never has one does not pay for it.
        if (waiting == null) waiting = new ArrayDeque<>();
        waitingBytes += bytes;
        waiting.addAll(frames);
        return Verdict.WRITTEN;
    }

    /** Flushes frames written by a batch. */
    @Override
    public void flushPending() {
        if (!flushPending) return;
        flushPending = false;
        if (!closed) wire.flush();
    }

    /** Drops whatever still waits: the transport is gone. */
    void close() {
        closed = true;
        if (waiting != null) waiting.clear();
        waitingBytes = 0;
    }

    /**
     * Drops what waits and closes the TCP connection without a WebSocket close handshake: a close frame would only
     * queue behind what the client does not read.
     */
    void abort() {
        close();
        ctx.close();
    }

    /** Writes what waits while the socket has room; the transport calls it when the socket becomes writable again. */
    void drain() {
        if (closed || !hasWaiting()) return;
        boolean wrote = false;
        while (!waiting.isEmpty() && ctx.channel().isWritable()) {
            byte[] next = waiting.poll();
            waitingBytes -= next.length;
            write(next);
            wrote = true;
        }
        if (waiting.isEmpty()) waitingBytes = 0;
        if (wrote) {
            flushPending = false;
            wire.flush();
        }
    }

    private void write(byte[] bytes) {
        lastWriteAt = clock.millis();
        boolean text = format == WireFormat.JSON;
        if (rawFrames) {
            wire.write(WebSocketFrames.frame(bytes, text, ctx.alloc()), ctx.voidPromise());
        } else {
            ctx.write(text ? new TextWebSocketFrame(Unpooled.wrappedBuffer(bytes)) : new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)),
                    ctx.voidPromise());
        }
    }

    private void markForFlush() {
        if (!flushPending) {
            flushPending = true;
            flusher.add(this);
        }
    }
}
