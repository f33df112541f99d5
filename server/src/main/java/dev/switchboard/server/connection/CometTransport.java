package dev.switchboard.server.connection;

import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.ErrorInfo;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.WireFormat;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A connection carried by HTTP requests (comet), for clients that cannot open a WebSocket: the connect request and
 * then one {@code recv} request at a time take the frames queued for the client, and {@code send} requests bring the
 * client's. A receiver either polls (answered with every queued frame as one array, then done) or streams (chunked;
 * each batch written as an array on a line of its own) — ably-js's {@code stream} parameter. Frames wait here between
 * receivers, bounded like a WebSocket's: a client that stops receiving is cut off past {@link Outbound#BUFFER_BYTES}
 * of live frames or the backlog bound, and after {@code receiverGraceMs} without a receiver its transport counts as
 * gone (the connection stays resumable, as after a dropped WebSocket). Connection event loop only, except where noted.
 */
final class CometTransport implements Transport {
    /** Roughly the most one poll answer carries; the rest waits for the next receiver. */
    static final int MAX_POLL_BYTES = 256 * 1024;

    private final Vertx vertx;
    private final Context context;
    private final Clock clock;
    private final FlushBatcher flusher;
    private final ConnectionRegistry registry;
    private final long maxWaitingBytes;
    private final long receiverGraceMs;

    private WireFormat format = WireFormat.JSON;
    private Client client;
    private String key;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private long queuedBytes;
    private Receiver receiver;
    private long lastWriteAt;
    private long graceTimer = -1;
    private boolean flushPending;
    /**
     * Chosen by the connect request (recv requests do not repeat it): receivers stream, or poll. Streams are lines of
     * JSON, so a MessagePack client polls whatever it asked.
     */
    private boolean streaming;
    /** CLOSED, DISCONNECTED or an ERROR was queued: the transport ends once the client has it. */
    private boolean closing;
    private boolean finished;
    private volatile boolean connectGone;

    /** One outstanding request that takes frames for the client. */
    private record Receiver(HttpServerResponse response, boolean streaming) {}

    CometTransport(Vertx vertx, Context context, Clock clock, FlushBatcher flusher, ConnectionRegistry registry,
                   long maxWaitingBytes, long receiverGraceMs, HttpServerResponse connectResponse, boolean streaming) {
        this.vertx = vertx;
        this.context = context;
        this.clock = clock;
        this.flusher = flusher;
        this.registry = registry;
        this.maxWaitingBytes = maxWaitingBytes;
        this.receiverGraceMs = receiverGraceMs;
        this.streaming = streaming;
        this.receiver = new Receiver(connectResponse, streaming);
        connectResponse.closeHandler(v -> connectGone = true);
    }

    @Override
    public void start(Client client, WireFormat format) {
        this.client = client;
        this.format = format;
        this.key = client.connectionKey();
        if (format != WireFormat.JSON) {
            streaming = false;
            if (receiver != null) receiver = new Receiver(receiver.response(), false);
        }
        registry.addComet(key, this);
        watch(receiver);
    }

    @Override
    public void refuse(int action, ErrorInfo error, WireFormat format) {
        // An array of protocol messages is read as such whatever the status, so the client sees the frame's code.
        Receiver r = receiver;
        receiver = null;
        end(r, action == Action.ERROR ? error.statusCode() : 200, List.of(ProtocolMessage.error(action, null, error).encode(format)), format, error);
    }

    @Override public void pauseInbound() { /* a client sends only once it is CONNECTED */ }

    @Override public void resumeInbound() { }

    @Override public boolean isGone() { return connectGone; }

    /** A new request that takes frames; replaces (ends) an earlier one the client gave up on. */
    void receive(HttpServerResponse response) {
        if (finished && queue.isEmpty()) {
            end(new Receiver(response, false), 200, List.of(), format, null);
            return;
        }
        Receiver previous = receiver;
        receiver = new Receiver(response, streaming);
        if (previous != null) end(previous, 200, List.of(), format, null);
        cancelGrace();
        watch(receiver);
        writeQueued();
    }

    /** The event loop this transport's connection runs on: requests for it hop here. Any thread. */
    Context context() { return context; }

    /** The body of a send request: an array of protocol messages, or a request that fails the connection. */
    void received(byte[] body) {
        if (client == null || finished) return;
        List<ProtocolMessage> messages;
        try {
            Object tree = format.readTree(body);
            if (!(tree instanceof List<?> items)) throw ErrorCode.BAD_REQUEST.exception("A comet send carries an array of protocol messages");
            messages = new java.util.ArrayList<>(items.size());
            for (Object item : items) messages.add(ProtocolMessage.fromTree(item, format));
        } catch (SwitchboardException e) {
            client.onMalformed(e.error());
            return;
        }
        client.onMessages(messages);
    }

    /** A CLOSE or DISCONNECT asked for by URL ({@code /close}, {@code /disconnect}). */
    void received(int action) {
        if (client != null && !finished) client.onMessages(List.of(new ProtocolMessage(action)));
    }

    @Override
    public void sendNow(byte[] frame) {
        if (finished) return;
        enqueue(frame);
        writeQueued();
    }

    @Override
    public Verdict deliver(byte[] frame) {
        if (finished) return Verdict.WRITTEN;
        if (queuedBytes > Outbound.BUFFER_BYTES) return Verdict.TOO_SLOW;
        enqueue(frame);
        if (!flushPending) {
            flushPending = true;
            flusher.add(this);
        }
        return Verdict.WRITTEN;
    }

    @Override
    public Verdict backlog(List<byte[]> frames) {
        if (finished || frames.isEmpty()) return Verdict.WRITTEN;
        long bytes = 0;
        for (byte[] f : frames) bytes += f.length;
        if (queuedBytes + bytes > maxWaitingBytes) return Verdict.TOO_SLOW;
        for (byte[] f : frames) enqueue(f);
        writeQueued();
        return Verdict.WRITTEN;
    }

    @Override
    public void flushPending() {
        flushPending = false;
        writeQueued();
    }

    @Override public long lastWriteAt() { return lastWriteAt; }

    @Override public long bufferedBytes() { return queuedBytes; }

    @Override
    public void close() {
        closing = true;
        writeQueued();
        if (receiver == null) startGrace();
    }

    @Override
    public void abort() {
        queue.clear();
        queuedBytes = 0;
        Receiver r = receiver;
        receiver = null;
        if (r != null) r.response().reset();
        finish();
    }

    @Override
    public void release() {
        queue.clear();
        queuedBytes = 0;
        finish();
    }

    private void enqueue(byte[] frame) {
        queue.add(frame);
        queuedBytes += frame.length;
        lastWriteAt = clock.millis();
    }

    /** Hands what is queued to the receiver: a poll ends with it, a stream writes it as one line. */
    private void writeQueued() {
        Receiver r = receiver;
        if (r != null && (r.response().closed() || r.response().ended())) {
            // Its request went away and the close handler has not run yet: nothing is taken from the queue for it.
            receiver = null;
            startGrace();
            return;
        }
        if (r == null || queue.isEmpty()) {
            if (r != null && closing && queue.isEmpty()) endReceiverAndFinish(r);
            return;
        }
        if (r.streaming()) {
            if (r.response().writeQueueFull()) return; // its drain handler writes the rest
            if (!r.response().headWritten()) r.response().setChunked(true).putHeader("Content-Type", format.contentType())
                    .putHeader("Cache-Control", "no-cache, no-store");
            r.response().write(array(takeBatch(Integer.MAX_VALUE)).appendString("\n"));
            if (closing && queue.isEmpty()) endReceiverAndFinish(r);
            return;
        }
        receiver = null;
        end(r, 200, takeBatch(MAX_POLL_BYTES), format, null);
        if (closing && queue.isEmpty()) finish();
        else startGrace();
    }

    private void endReceiverAndFinish(Receiver r) {
        receiver = null;
        end(r, 200, List.of(), format, null);
        finish();
    }

    private List<byte[]> takeBatch(int maxBytes) {
        List<byte[]> batch = new java.util.ArrayList<>();
        int bytes = 0;
        while (!queue.isEmpty() && (batch.isEmpty() || bytes + queue.peek().length <= maxBytes)) {
            byte[] f = queue.poll();
            queuedBytes -= f.length;
            bytes += f.length;
            batch.add(f);
        }
        return batch;
    }

    /** A JSON array or MessagePack array of already encoded protocol messages. */
    private Buffer array(List<byte[]> frames) { return array(frames, format); }

    private static Buffer array(List<byte[]> frames, WireFormat format) {
        Buffer out = Buffer.buffer();
        if (format == WireFormat.JSON) {
            out.appendByte((byte) '[');
            for (int i = 0; i < frames.size(); i++) {
                if (i > 0) out.appendByte((byte) ',');
                out.appendBytes(frames.get(i));
            }
            out.appendByte((byte) ']');
        } else {
            int n = frames.size();
            if (n < 16) out.appendByte((byte) (0x90 | n));
            else if (n < 65536) out.appendByte((byte) 0xdc).appendShort((short) n);
            else out.appendByte((byte) 0xdd).appendInt(n);
            for (byte[] f : frames) out.appendBytes(f);
        }
        return out;
    }

    private static void end(Receiver r, int status, List<byte[]> frames, WireFormat format, ErrorInfo error) {
        if (r == null || r.response().ended() || r.response().closed()) return;
        HttpServerResponse res = r.response();
        if (res.headWritten()) { // a stream: the frames are one more line
            if (!frames.isEmpty()) res.write(array(frames, format).appendString("\n"));
            res.end();
            return;
        }
        if (error != null) res.putHeader("X-Ably-ErrorCode", String.valueOf(error.code()));
        // Ended by a newline as a streamed line is: a client that reads the answer as a stream parses it too.
        Buffer body = array(frames, format);
        if (format == WireFormat.JSON) body.appendString("\n");
        res.setStatusCode(status).putHeader("Content-Type", format.contentType()).putHeader("Cache-Control", "no-cache, no-store")
                .end(body);
    }

    /** A receiver whose request goes away (the client aborted it) leaves the transport without one. */
    private void watch(Receiver r) {
        if (r == null) return;
        r.response().closeHandler(v -> context.runOnContext(x -> {
            if (r == receiver) {
                receiver = null;
                startGrace();
            }
        }));
        r.response().drainHandler(v -> context.runOnContext(x -> { if (r == receiver) writeQueued(); }));
    }

    /** Without a receiver for this long the client is taken to be gone. */
    private void startGrace() {
        if (finished || graceTimer >= 0) return;
        graceTimer = vertx.setTimer(receiverGraceMs, id -> context.runOnContext(v -> {
            graceTimer = -1;
            if (receiver != null || finished) return;
            if (closing) finish();
            else if (client != null) client.onTransportGone();
        }));
    }

    private void cancelGrace() {
        if (graceTimer >= 0) vertx.cancelTimer(graceTimer);
        graceTimer = -1;
    }

    private void finish() {
        if (finished) return;
        finished = true;
        cancelGrace();
        if (key != null) registry.removeComet(key, this);
    }
}
