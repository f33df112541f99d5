package dev.switchboard.server.cdc.pgoutput;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes pgoutput protocol-1 messages byte by byte, as PostgreSQL would send them. */
final class PgOutputMessageBuilder {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    static PgOutputMessageBuilder message(char tag) {
        return new PgOutputMessageBuilder().byte_(tag);
    }

    PgOutputMessageBuilder byte_(int b) {
        return io(() -> out.writeByte(b));
    }

    PgOutputMessageBuilder int16(int v) {
        return io(() -> out.writeShort(v));
    }

    PgOutputMessageBuilder int32(int v) {
        return io(() -> out.writeInt(v));
    }

    PgOutputMessageBuilder int64(long v) {
        return io(() -> out.writeLong(v));
    }

    PgOutputMessageBuilder string(String s) {
        return io(() -> {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.writeByte(0);
        });
    }

    /** Tuple data: each value is null (NULL), "\u0000u" (unchanged TOAST) or text. */
    PgOutputMessageBuilder tuple(String... values) {
        int16(values.length);
        for (String v : values) {
            if (v == null) {
                byte_('n');
            } else if (v.equals("\u0000u")) {
                byte_('u');
            } else {
                byte[] b = v.getBytes(StandardCharsets.UTF_8);
                byte_('t').int32(b.length);
                io(() -> out.write(b));
            }
        }
        return this;
    }

    ByteBuffer build() {
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private PgOutputMessageBuilder io(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }
}
