package dev.switchboard.server.connection;

import dev.switchboard.server.channel.Channel;
import dev.switchboard.server.channel.SubscriptionFilter;
import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.EncodedFrame;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.ProtocolMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A channel as one connection holds it: what its ATTACH asked for and was granted, and what shapes what it is sent
 * (a subscription filter, deltas). The connection's event loop only.
 */
final class ChannelAttachment {
    final Channel channel;
    final String wireName;
    /** What the ATTACH asked for (or the default set), and what the capability granted of it. */
    final int requestedModes;
    int modes;
    final Map<String, String> params;
    boolean attached;
    /** Whether the channel was asked to rewind (not for an ATTACH that resumes). */
    boolean rewinds;
    /** Only the messages it lets through are delivered; null for all. */
    SubscriptionFilter filter;
    /** params.delta=vcdiff: messages come as deltas of the one this attachment received before them. */
    boolean deltas;
    /** The id of the last message this attachment was sent, the base its next delta may use. */
    private String lastMessageId;

    ChannelAttachment(Channel channel, String wireName, int requestedModes, int modes, Map<String, String> params) {
        this.channel = channel;
        this.wireName = wireName;
        this.requestedModes = requestedModes;
        this.modes = modes;
        this.params = params;
    }

    Channel channel() { return channel; }

    String wireName() { return wireName; }

    Map<String, String> params() { return params; }

    /** {@code frame} as this attachment is sent it: through its filter (null: nothing passes), as a delta if asked. */
    EncodedFrame shape(EncodedFrame frame) {
        if (filter != null && (frame = filter.apply(frame)) == null) return null;
        return deltas ? asDeltaIfBased(frame) : frame;
    }

    /** A backlog (rewind, resume) shaped frame by frame, in order. */
    List<EncodedFrame> shape(List<EncodedFrame> frames) {
        if (filter == null && !deltas) return frames;
        List<EncodedFrame> out = new ArrayList<>(frames.size());
        for (EncodedFrame f : frames) {
            EncodedFrame shaped = shape(f);
            if (shaped != null) out.add(shaped);
        }
        return out;
    }

    /**
     * {@code frame} as a delta when this attachment holds the message it is based on, else in full (the first message
     * after an attach or a gap); notes its last message either way.
     */
    private EncodedFrame asDeltaIfBased(EncodedFrame frame) {
        ProtocolMessage pm = frame.message();
        if (pm.action != Action.MESSAGE || pm.messages == null || pm.messages.isEmpty()) return frame;
        Message base = frame.deltaBase();
        EncodedFrame delta = base != null && base.id() != null && base.id().equals(lastMessageId) ? frame.deltaFrame() : null;
        lastMessageId = pm.messages.get(pm.messages.size() - 1).id();
        return delta != null ? delta : frame;
    }
}
