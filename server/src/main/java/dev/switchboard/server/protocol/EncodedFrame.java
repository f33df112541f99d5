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

    public EncodedFrame(ProtocolMessage message) { this.message = message; }

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
        return new EncodedFrame(message.copyForChannel(channelName));
    }
}
