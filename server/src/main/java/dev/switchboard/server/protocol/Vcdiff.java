package dev.switchboard.server.protocol;

import java.io.ByteArrayOutputStream;

/**
 * A VCDIFF (RFC 3284) encoder for message deltas ({@code params.delta=vcdiff}): the target as a COPY of the prefix it
 * shares with the source, an ADD of what differs, and a COPY of the shared suffix, in one window with the default
 * code table. Small edits of a payload (a counter, a status field) cost a few bytes; any target is encoded correctly.
 */
public final class Vcdiff {
    private static final int ADD_EXPLICIT_SIZE = 1;   // default code table: ADD, size follows
    private static final int COPY_SELF_EXPLICIT_SIZE = 19; // default code table: COPY mode 0 (VCD_SELF), size follows

    private Vcdiff() {}

    public static byte[] encode(byte[] source, byte[] target) {
        int prefix = 0;
        int max = Math.min(source.length, target.length);
        while (prefix < max && source[prefix] == target[prefix]) prefix++;
        int suffix = 0;
        while (suffix < max - prefix && source[source.length - 1 - suffix] == target[target.length - 1 - suffix]) suffix++;

        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteArrayOutputStream instructions = new ByteArrayOutputStream();
        ByteArrayOutputStream addresses = new ByteArrayOutputStream();
        if (prefix > 0) {
            instructions.write(COPY_SELF_EXPLICIT_SIZE);
            writeInt(instructions, prefix);
            writeInt(addresses, 0);
        }
        int addLength = target.length - prefix - suffix;
        if (addLength > 0) {
            instructions.write(ADD_EXPLICIT_SIZE);
            writeInt(instructions, addLength);
            data.write(target, prefix, addLength);
        }
        if (suffix > 0) {
            instructions.write(COPY_SELF_EXPLICIT_SIZE);
            writeInt(instructions, suffix);
            writeInt(addresses, source.length - suffix);
        }

        ByteArrayOutputStream delta = new ByteArrayOutputStream();
        writeInt(delta, target.length);
        delta.write(0); // Delta_Indicator: no secondary compression
        writeInt(delta, data.size());
        writeInt(delta, instructions.size());
        writeInt(delta, addresses.size());
        delta.writeBytes(data.toByteArray());
        delta.writeBytes(instructions.toByteArray());
        delta.writeBytes(addresses.toByteArray());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0xD6, (byte) 0xC3, (byte) 0xC4, 0x00, 0x00}); // magic, version 0, no header flags
        boolean hasSource = source.length > 0;
        out.write(hasSource ? 0x01 : 0x00); // Win_Indicator: VCD_SOURCE
        if (hasSource) {
            writeInt(out, source.length);
            writeInt(out, 0);
        }
        writeInt(out, delta.size());
        out.writeBytes(delta.toByteArray());
        return out.toByteArray();
    }

    /** RFC 3284's integer: base 128, most significant digit first, the high bit set on all but the last byte. */
    private static void writeInt(ByteArrayOutputStream out, int value) {
        int digits = 1;
        for (int v = value >>> 7; v != 0; v >>>= 7) digits++;
        for (int i = digits - 1; i >= 0; i--) {
            int digit = (value >>> (7 * i)) & 0x7F;
            out.write(i == 0 ? digit : digit | 0x80);
        }
    }
}
