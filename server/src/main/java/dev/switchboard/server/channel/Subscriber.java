package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.EncodedFrame;
import dev.switchboard.server.protocol.WireFormat;
import io.vertx.core.Context;

/**
 * A party that receives a channel's frames: a client connection. The channel owner hands frames to the
 * subscriber's own context; {@link #deliver} then runs there, never on the owner.
 */
public interface Subscriber {
    /** The event loop context the subscriber's socket lives on. */
    Context context();

    String connectionId();

    WireFormat format();

    /** Whether the subscriber wants the messages it published itself. */
    boolean echo();

    /** Writes a frame to the subscriber. Runs on {@link #context()}. */
    void deliver(EncodedFrame frame);
}
