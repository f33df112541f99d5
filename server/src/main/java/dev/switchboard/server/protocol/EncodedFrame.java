package dev.switchboard.server.protocol;

import io.vertx.core.buffer.Buffer;

/**
 * A protocol message encoded at most once per wire format, so a fan-out to thousands of subscribers costs
 * one serialisation per format. Encoding happens on the channel owner before the frame is handed to the
 * subscribers' event loops; afterwards the frame is only read. JSON is kept as text for text frames.
 */
public final class EncodedFrame {
    private final ProtocolMessage message;
    private volatile String json;
    /** The JSON text as UTF-8, so a fan-out does not re-encode it for every subscriber's text frame. */
    private volatile byte[] jsonBytes;
    private volatile Buffer msgpack;

    public EncodedFrame(ProtocolMessage message) { this.message = message; }

    public ProtocolMessage message() { return message; }

    public String json() {
        String s = json;
        if (s == null) json = s = new String(message.encode(WireFormat.JSON), java.nio.charset.StandardCharsets.UTF_8);
        return s;
    }

    public byte[] jsonBytes() {
        byte[] b = jsonBytes;
        if (b == null) jsonBytes = b = json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return b;
    }

    public Buffer msgpack() {
        Buffer b = msgpack;
        if (b == null) msgpack = b = Buffer.buffer(message.encode(WireFormat.MSGPACK));
        return b;
    }

    /** Encodes now for the given format, so readers on other threads find it ready. */
    public void prepare(WireFormat format) {
        if (format == WireFormat.JSON) jsonBytes(); else msgpack();
    }

    /** The same frame addressed to a channel under another name (a qualified name such as {@code [?rewind=1]x}). */
    public EncodedFrame forChannelName(String channelName) {
        if (channelName.equals(message.channel)) return this;
        return new EncodedFrame(message.copyForChannel(channelName));
    }
}
