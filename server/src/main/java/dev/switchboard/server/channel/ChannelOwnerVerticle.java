package dev.switchboard.server.channel;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.List;

/** Gives the channel registry an event loop context to own channels on; one instance per event loop. */
public final class ChannelOwnerVerticle extends VerticleBase {
    private final List<Context> sink;

    public ChannelOwnerVerticle(List<Context> sink) { this.sink = sink; }

    @Override
    public Future<?> start() {
        synchronized (sink) { sink.add(context); }
        return Future.succeededFuture();
    }
}
