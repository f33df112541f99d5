package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.EncodedFrame;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.PresenceMessage;

import java.util.List;

/**
 * One accepted publish or presence change on a channel: the serial of its last item, time, items and the
 * frame subscribers got. Exactly one of {@code messages} and {@code presence} is non-empty.
 */
public record ChannelEvent(long seq, long timestamp, String publisherConnectionId, List<Message> messages,
                           List<PresenceMessage> presence, EncodedFrame frame) {

    public int size() { return messages.isEmpty() ? presence.size() : messages.size(); }

    public long firstSeq() { return seq - size() + 1; }

    public boolean isPresence() { return !presence.isEmpty(); }

    /** True for annotations of messages (they are never mixed with messages in one event). */
    public boolean isAnnotation() { return !messages.isEmpty() && messages.get(0).isAnnotation(); }

    /** True for ephemeral messages ({@code extras.ephemeral}): delivered live only, never resumed. */
    public boolean isEphemeral() {
        if (messages.isEmpty()) return false;
        for (Message m : messages) if (!m.isEphemeral()) return false;
        return true;
    }

    /** True for what a rewind replays as messages: not presence, annotations, summaries or ephemeral messages. */
    public boolean isListed() {
        if (messages.isEmpty()) return false;
        for (Message m : messages) if (m.isListed()) return true;
        return false;
    }
}
