package dev.switchboard.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;

import java.util.function.Consumer;

/**
 * A minimal Engine.IO 4 / Socket.IO 5 client over WebSocket only: open packet {@code 0{...}}, namespace
 * connect {@code 40}, events {@code 42[...]}, and pong {@code 3} for every ping {@code 2}.
 */
public final class SioConn {
    private final WebSocket ws;
    private final Consumer<Buffer> onData;
    private final Context context;
    private final Promise<SioConn> connected = Promise.promise();

    private SioConn(WebSocket ws, Consumer<Buffer> onData, Context context) {
        this.ws = ws;
        this.onData = onData;
        this.context = context;
    }

    public static Future<SioConn> open(LoadClient client, Target target, Consumer<Buffer> onData, Runnable onClose) {
        return client.connect(target.host(), target.port(), "/socket.io/?EIO=4&transport=websocket").compose(ws -> {
            SioConn c = new SioConn(ws, onData, client.vertx().getOrCreateContext());
            ws.handler(c::onFrame);
            ws.closeHandler(v -> {
                c.connected.tryFail("closed before connect");
                if (onClose != null) onClose.run();
            });
            ws.exceptionHandler(e -> { });
            return c.connected.future();
        });
    }

    public Context context() { return context; }

    /** Emits an event with one string argument (which must need no JSON escaping). */
    public void emit(String event, String data) { ws.writeFinalTextFrame("42[\"" + event + "\",\"" + data + "\"]"); }

    public Future<Void> close() { return ws.close(); }

    private void onFrame(Buffer b) {
        if (b.length() == 0) return;
        byte type = b.getByte(0);
        if (type == '4' && b.length() > 1 && b.getByte(1) == '2') {
            if (onData != null) onData.accept(b);
        } else if (type == '2') {
            ws.writeFinalTextFrame("3");
        } else if (type == '0') {
            ws.writeFinalTextFrame("40");
        } else if (type == '4' && b.length() > 1 && b.getByte(1) == '0') {
            connected.tryComplete(this);
        } else if (type == '4' && b.length() > 1 && b.getByte(1) == '4') {
            connected.tryFail("namespace connect refused: " + b);
        }
    }
}
