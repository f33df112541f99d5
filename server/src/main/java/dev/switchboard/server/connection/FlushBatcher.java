package dev.switchboard.server.connection;

import io.vertx.core.Context;

import java.util.ArrayList;
import java.util.List;

/**
 * Coalesces socket flushes on one event loop: fan-out frames are written without flushing, and one task,
 * queued behind the deliveries already waiting on the loop, flushes every connection written to since.
 * One flush (one syscall) per connection per batch instead of one per frame. Event loop thread only.
 */
final class FlushBatcher {
    private final Context context;
    private final List<Flushable> dirty = new ArrayList<>();
    /** The loop's shared fan-out frames: the transports it flushes write them. */
    private final WebSocketFrames frames = new WebSocketFrames();
    private boolean scheduled;

    /** A transport holding frames written without a flush. */
    interface Flushable {
        /** Flushes what was written since the last flush. */
        void flushPending();
    }

    FlushBatcher(Context context) { this.context = context; }

    WebSocketFrames frames() { return frames; }

    /** Notes that a connection has unflushed frames; the caller marks it so it is added once per batch. */
    void add(Flushable connection) {
        dirty.add(connection);
        if (!scheduled) {
            scheduled = true;
            context.runOnContext(v -> flushAll());
        }
    }

    private void flushAll() {
        scheduled = false;
        for (int i = 0; i < dirty.size(); i++) dirty.get(i).flushPending();
        dirty.clear();
    }
}
