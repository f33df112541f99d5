package dev.switchboard.server.connection;

import dev.switchboard.server.protocol.ErrorInfo;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.WireFormat;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

/** A connection over a WebSocket at {@code /}: one protocol message per WebSocket message, written by {@link Outbound}. */
final class WebSocketTransport implements Transport {
    private final ServerWebSocket socket;
    private final Clock clock;
    private final FlushBatcher flusher;
    private final long maxWaitingBytes;
    private Outbound outbound;

    WebSocketTransport(ServerWebSocket socket, Clock clock, FlushBatcher flusher, long maxWaitingBytes) {
        this.socket = socket;
        this.clock = clock;
        this.flusher = flusher;
        this.maxWaitingBytes = maxWaitingBytes;
    }

    @Override
    public void start(Client client, WireFormat format) {
        outbound = new Outbound(((WebSocketInternal) socket).channelHandlerContext(), format, clock, flusher, maxWaitingBytes);
        socket.textMessageHandler(text -> client.onFrame(text.getBytes(StandardCharsets.UTF_8)));
        socket.binaryMessageHandler(buffer -> client.onFrame(buffer.getBytes()));
        socket.closeHandler(v -> client.onTransportGone());
        socket.exceptionHandler(e -> { /* the close handler follows; the connection logs what matters */ });
    }

    @Override
    public void refuse(int action, ErrorInfo error, WireFormat format) {
        byte[] bytes = ProtocolMessage.error(action, null, error).encode(format);
        if (format == WireFormat.JSON) socket.writeFinalTextFrame(new String(bytes, StandardCharsets.UTF_8));
        else socket.writeFinalBinaryFrame(Buffer.buffer(bytes));
        socket.close((short) 1000);
    }

    @Override public void pauseInbound() { socket.pause(); }

    @Override public void resumeInbound() { socket.resume(); }

    @Override public boolean isGone() { return socket.isClosed(); }

    @Override public void sendNow(byte[] frame) { outbound.sendNow(frame); }

    @Override public Verdict deliver(byte[] frame) { return outbound.deliver(frame); }

    @Override public Verdict backlog(List<byte[]> frames) { return outbound.backlog(frames); }

    @Override public void flushPending() { outbound.flushPending(); }

    @Override public long lastWriteAt() { return outbound.lastWriteAt(); }

    @Override public long bufferedBytes() { return outbound.socketBufferedBytes(); }

    @Override
    public void close() {
        outbound.close();
        socket.close((short) 1000);
    }

    @Override public void abort() { outbound.abort(); }

    @Override public void release() { outbound.close(); }
}
