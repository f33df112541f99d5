package dev.switchboard.server.connection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Whole server-to-client WebSocket frames (header and payload in one direct buffer), built once per fan-out frame on
 * an event loop and shared by every subscriber on it: each write is a retained duplicate of the same bytes, so a
 * delivery neither copies the payload nor allocates a header (server frames are unmasked, so they are the same
 * bytes for everyone). Remembers the last frame of each kind; the fan-out task of a loop hands one frame to all its
 * subscribers in a row. Event loop thread only.
 */
final class WebSocketFrames {
    private byte[] lastText;
    private ByteBuf text;
    private byte[] lastBinary;
    private ByteBuf binary;

    /** A retained duplicate of {@code payload} framed as a final text (JSON) or binary (MessagePack) frame; the write releases it. */
    ByteBuf shared(byte[] payload, boolean isText, ByteBufAllocator alloc) {
        if (isText) {
            if (payload != lastText) {
                if (text != null) text.release();
                text = frame(payload, true, alloc);
                lastText = payload;
            }
            return text.retainedDuplicate();
        }
        if (payload != lastBinary) {
            if (binary != null) binary.release();
            binary = frame(payload, false, alloc);
            lastBinary = payload;
        }
        return binary.retainedDuplicate();
    }

    /** One frame of its own (control frames, backlogs); the write releases it. */
    static ByteBuf frame(byte[] payload, boolean isText, ByteBufAllocator alloc) {
        int n = payload.length;
        int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
        ByteBuf buf = alloc.directBuffer(header + n);
        buf.writeByte(0x80 | (isText ? 0x1 : 0x2)); // FIN, opcode
        if (n < 126) {
            buf.writeByte(n);
        } else if (n <= 0xFFFF) {
            buf.writeByte(126);
            buf.writeShort(n);
        } else {
            buf.writeByte(127);
            buf.writeLong(n);
        }
        buf.writeBytes(payload);
        return buf;
    }

    /** Lets go of the remembered frames (the loop's acceptor is closing). */
    void release() {
        if (text != null) text.release();
        if (binary != null) binary.release();
        text = binary = null;
        lastText = lastBinary = null;
    }
}
