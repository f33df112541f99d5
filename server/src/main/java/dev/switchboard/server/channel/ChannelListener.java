package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.PresenceMessage;

import java.util.List;

/**
 * Observes what channels accept, for parts of the server that act on events (integration rules).
 * Called on the channel's owner context after the event is retained and sent: must not block.
 */
public interface ChannelListener {
    ChannelListener NONE = new ChannelListener() {};

    default void onMessages(Channel channel, List<Message> messages) {}

    default void onPresence(Channel channel, List<PresenceMessage> events) {}

    /** Where the channel's fan-outs are measured; null: nowhere. */
    default dev.switchboard.server.metrics.Metrics metrics() { return null; }
}
