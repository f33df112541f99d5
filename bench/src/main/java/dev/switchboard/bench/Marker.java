package dev.switchboard.bench;

import io.vertx.core.buffer.Buffer;

/**
 * The token a benchmark puts in every message: {@code #B<step>:<seq>:<nanoTime>#}. Receivers find it by a
 * byte scan of the raw frame (JSON text, MessagePack or Socket.IO alike) without parsing the frame, so the
 * load client spends as little CPU per delivery as possible. A frame may carry several (connector batches).
 */
public final class Marker {
    private Marker() {}

    public interface Sink {
        /** @param end the frame index just after the marker, to look for more fields of the same message */
        void on(int step, long seq, long sentNanos, Buffer frame, int end);
    }

    public static String make(int step, long seq, long nanos) { return "#B" + step + ":" + seq + ":" + nanos + "#"; }

    /** Calls the sink for every marker in the frame; returns how many it found. */
    public static int scan(Buffer b, Sink sink) {
        int n = b.length(), found = 0;
        for (int i = 0; i < n - 1; i++) {
            if (b.getByte(i) != '#' || b.getByte(i + 1) != 'B') continue;
            int j = i + 2;
            long[] v = new long[3];
            boolean ok = true;
            for (int k = 0; k < 3 && ok; k++) {
                long x = 0;
                int start = j;
                while (j < n && b.getByte(j) >= '0' && b.getByte(j) <= '9') x = x * 10 + (b.getByte(j++) - '0');
                v[k] = x;
                byte sep = j < n ? b.getByte(j) : 0;
                ok = j > start && sep == (k < 2 ? ':' : '#');
                j++;
            }
            if (!ok) continue;
            sink.on((int) v[0], v[1], v[2], b, j);
            found++;
            i = j - 1;
        }
        return found;
    }

    /** The index of {@code needle} (ASCII) in the frame at or after {@code from}, or -1. */
    public static int indexOf(Buffer b, String needle, int from) {
        int n = b.length(), m = needle.length();
        outer:
        for (int i = Math.max(0, from); i <= n - m; i++) {
            for (int k = 0; k < m; k++) if (b.getByte(i + k) != needle.charAt(k)) continue outer;
            return i;
        }
        return -1;
    }
}
