package dev.switchboard.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A minimal realtime-protocol client over one WebSocket: CONNECTED, ATTACH/ATTACHED, publishing MESSAGE
 * with msgSerial, and raw delivery of every later frame to a handler (which scans for markers instead of
 * decoding). HEARTBEATs from the server need no answer. JSON or MessagePack.
 */
public final class AblyConn {
    private final WebSocket ws;
    private final boolean msgpack;
    private final Consumer<Buffer> onData;
    private final Context context;
    private final Promise<AblyConn> connected = Promise.promise();
    private volatile Promise<Void> attached;
    private volatile boolean controlPhase = true;
    private volatile boolean closed;
    private long msgSerial;
    /** Send times of publishes still waiting for their ACK or NACK, by msgSerial (only when ACKs are timed). */
    private final java.util.Map<Long, Long> sentAt = new java.util.HashMap<>();
    private Histogram ackLatency;
    private Runnable onAnswered;
    private final java.util.concurrent.atomic.AtomicLong nacks = new java.util.concurrent.atomic.AtomicLong();

    private AblyConn(WebSocket ws, boolean msgpack, Consumer<Buffer> onData, Context context) {
        this.ws = ws;
        this.msgpack = msgpack;
        this.onData = onData;
        this.context = context;
    }

    /**
     * Connects and waits for CONNECTED. {@code onData} (may be null) receives every frame after the first
     * ATTACHED; {@code extraQuery} is appended as is (e.g. {@code &echo=false&clientId=x}).
     */
    public static Future<AblyConn> open(LoadClient client, Target target, String format, String extraQuery, Consumer<Buffer> onData,
                                        Runnable onClose) {
        String uri = "/?key=" + URLEncoder.encode(target.key(), StandardCharsets.UTF_8) + "&format=" + format + "&v=6" + extraQuery;
        return client.connect(target.host(), target.port(), uri).compose(ws -> {
            AblyConn c = new AblyConn(ws, "msgpack".equals(format), onData, client.vertx().getOrCreateContext());
            ws.handler(c::onFrame);
            ws.closeHandler(v -> {
                c.closed = true;
                c.connected.tryFail("closed before CONNECTED");
                if (onClose != null) onClose.run();
            });
            ws.exceptionHandler(e -> { /* reported through close */ });
            return c.connected.future();
        });
    }

    public Context context() { return context; }

    public boolean isClosed() { return closed; }

    public Future<Void> attach(String channel) {
        Promise<Void> p = Promise.promise();
        attached = p;
        if (msgpack) ws.writeFinalBinaryFrame(packAttach(channel));
        else ws.writeFinalTextFrame("{\"action\":10,\"channel\":\"" + channel + "\",\"flags\":" + (1 << 18) + "}");
        return p.future();
    }

    /**
     * From now on, records publish → ACK time of every publish in {@code latency} (µs) and counts NACKs; call on this
     * connection's context before publishing.
     */
    public void timeAcks(Histogram latency) {
        this.ackLatency = latency;
    }

    /** NACKs received while ACKs were timed. */
    public long nacks() { return nacks.get(); }

    /** Publishes still waiting for their ACK or NACK (while ACKs are timed). */
    public int inFlight() { return sentAt.size(); }

    /** Runs on this connection's context after every ACK or NACK (while ACKs are timed): for closed-loop publishing. */
    public void onAnswered(Runnable action) { this.onAnswered = action; }

    /** Publishes one message; the ACK is not awaited (call on this connection's context). */
    public void publish(String channel, String name, String data) {
        long serial = msgSerial++;
        if (ackLatency != null) sentAt.put(serial, System.nanoTime());
        if (msgpack) {
            ws.writeFinalBinaryFrame(packMessage(channel, serial, name, data));
        } else {
            ws.writeFinalTextFrame("{\"action\":15,\"channel\":\"" + channel + "\",\"msgSerial\":" + serial
                    + ",\"messages\":[{\"name\":\"" + name + "\",\"data\":\"" + jsonEscape(data) + "\"}]}");
        }
    }

    public Future<Void> close() { return ws.close(); }

    private void onFrame(Buffer b) {
        if (!controlPhase) {
            if (onData != null) onData.accept(b);
            return;
        }
        int action = msgpack ? msgpackAction(b) : jsonAction(b);
        switch (action) {
            case 4 -> connected.tryComplete(this);
            case 11 -> {
                if (onData != null) controlPhase = false;
                Promise<Void> p = attached;
                if (p != null) p.tryComplete();
            }
            case 9 -> {
                String text = msgpack ? "(msgpack error)" : b.toString();
                connected.tryFail(text);
                Promise<Void> p = attached;
                if (p != null) p.tryFail(text);
            }
            case 1, 2 -> {
                if (ackLatency != null) answered(b, action == 2);
                else if (onData != null) onData.accept(b);
            }
            default -> { if (onData != null) onData.accept(b); }
        }
    }

    /** An ACK or NACK for msgSerial .. msgSerial+count-1: records the time since each was sent. */
    private void answered(Buffer b, boolean nack) {
        long[] serialAndCount = msgpack ? msgpackSerialAndCount(b) : new long[] {jsonLong(b, "\"msgSerial\":"), jsonLong(b, "\"count\":")};
        long now = System.nanoTime();
        for (long k = 0; k < Math.max(1, serialAndCount[1]); k++) {
            Long sent = sentAt.remove(serialAndCount[0] + k);
            if (sent == null) continue;
            if (nack) nacks.incrementAndGet(); else ackLatency.record((now - sent) / 1000);
        }
        if (onAnswered != null) onAnswered.run();
    }

    private static long jsonLong(Buffer b, String key) {
        int i = Marker.indexOf(b, key, 0);
        if (i < 0) return -1;
        long x = 0;
        for (int j = i + key.length(); j < b.length() && b.getByte(j) >= '0' && b.getByte(j) <= '9'; j++) x = x * 10 + b.getByte(j) - '0';
        return x;
    }

    private static long[] msgpackSerialAndCount(Buffer b) {
        long serial = -1, count = 1;
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(b.getBytes())) {
            int n = u.unpackMapHeader();
            for (int i = 0; i < n; i++) {
                String key = u.unpackString();
                if ("msgSerial".equals(key)) serial = u.unpackLong();
                else if ("count".equals(key)) count = u.unpackLong();
                else u.skipValue();
            }
        } catch (java.io.IOException e) {
            return new long[] {-1, 0};
        }
        return new long[] {serial, count};
    }

    static int jsonAction(Buffer b) {
        int i = Marker.indexOf(b, "\"action\":", 0);
        if (i < 0) return -1;
        int x = 0;
        for (int j = i + 9; j < b.length() && b.getByte(j) >= '0' && b.getByte(j) <= '9'; j++) x = x * 10 + b.getByte(j) - '0';
        return x;
    }

    static int msgpackAction(Buffer b) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(b.getBytes())) {
            int n = u.unpackMapHeader();
            for (int i = 0; i < n; i++) {
                String key = u.unpackString();
                if ("action".equals(key)) return u.unpackInt();
                u.skipValue();
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static Buffer packAttach(String channel) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(3).packString("action").packInt(10).packString("channel").packString(channel)
                    .packString("flags").packInt(1 << 18);
            return Buffer.buffer(p.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Buffer packMessage(String channel, long serial, String name, String data) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(4).packString("action").packInt(15).packString("channel").packString(channel)
                    .packString("msgSerial").packLong(serial).packString("messages").packArrayHeader(1)
                    .packMapHeader(2).packString("name").packString(name).packString("data").packString(data);
            return Buffer.buffer(p.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String jsonEscape(String s) { return s.replace("\\", "\\\\").replace("\"", "\\\""); }
}
