package dev.switchboard.server.protocol;

import java.nio.charset.StandardCharsets;

/**
 * A protocol message encoded at most once per wire format, so a fan-out to thousands of subscribers costs
 * one serialisation per format. Encoding happens on the channel owner before the frame is handed to the
 * subscribers' event loops; afterwards the bytes are only read (and wrapped, never copied, per socket).
 */
public final class EncodedFrame {
    private final ProtocolMessage message;
    private volatile byte[] json;
    private volatile byte[] msgpack;

    /** The channel's message before this frame's first one, the base a delta of it is made against; null for none. */
    private Message deltaBase;
    /** This frame with its messages as vcdiff deltas of their predecessors; made once, on first demand. */
    private volatile EncodedFrame deltas;

    public EncodedFrame(ProtocolMessage message) { this.message = message; }

    /** Set by the channel (before fan-out) on a MESSAGE frame: the message delivered just before it. */
    public EncodedFrame withDeltaBase(Message previous) {
        this.deltaBase = previous;
        return this;
    }

    public Message deltaBase() { return deltaBase; }

    /**
     * This frame for a subscriber that asked for deltas and has {@link #deltaBase()}: each message's data replaced by a
     * vcdiff delta of the message before it, {@code extras.delta} naming that message; null when there is no base. Safe
     * from any thread (two racing callers make equal frames).
     */
    public EncodedFrame deltaFrame() {
        EncodedFrame d = deltas;
        if (d != null || deltaBase == null || message.messages == null) return d;
        java.util.List<Message> out = new java.util.ArrayList<>(message.messages.size());
        Message previous = deltaBase;
        for (Message m : message.messages) {
            if (previous.id() == null || previous.payload().data() == null || m.payload().data() == null) return null;
            if (previous.op() != null || m.op() != null) return null; // an operation's data is not a successor of the message before
            out.add(m.asDeltaOf(previous));
            previous = m;
        }
        ProtocolMessage pm = message.copyForChannel(message.channel);
        pm.messages = out;
        deltas = d = new EncodedFrame(pm);
        return d;
    }

    public ProtocolMessage message() { return message; }

    /** The frame's bytes in a format: UTF-8 JSON text, or MessagePack. */
    public byte[] bytes(WireFormat format) {
        if (format == WireFormat.JSON) {
            byte[] b = json;
            if (b == null) json = b = message.encode(WireFormat.JSON);
            return b;
        }
        byte[] b = msgpack;
        if (b == null) msgpack = b = message.encode(WireFormat.MSGPACK);
        return b;
    }

    /** The JSON text, for logs and tests. */
    public String json() { return new String(bytes(WireFormat.JSON), StandardCharsets.UTF_8); }

    /** Encodes now for the given format, so readers on other threads find it ready. */
    public void prepare(WireFormat format) { bytes(format); }

    /** The same frame addressed to a channel under another name (a qualified name such as {@code [?rewind=1]x}). */
    public EncodedFrame forChannelName(String channelName) {
        if (channelName.equals(message.channel)) return this;
        return new EncodedFrame(message.copyForChannel(channelName)).withDeltaBase(deltaBase);
    }
}
