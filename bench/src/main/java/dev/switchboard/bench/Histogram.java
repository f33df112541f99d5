package dev.switchboard.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free log-linear latency histogram in microseconds: exact below 64 µs, then 32 buckets per power
 * of two (about 3 % resolution). Many event-loop threads record into one instance without locks.
 */
public final class Histogram {
    private static final int SUB = 32;
    private static final int SIZE = 64 + 40 * SUB;
    private final AtomicLongArray counts = new AtomicLongArray(SIZE);
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong max = new AtomicLong();

    public void record(long micros) {
        long v = Math.max(0, micros);
        counts.incrementAndGet(index(v));
        total.incrementAndGet();
        max.accumulateAndGet(v, Math::max);
    }

    public long count() { return total.get(); }

    public long maxMicros() { return max.get(); }

    /** The value at quantile q (0..1) in microseconds: the middle of its bucket, never above the max. */
    public long percentile(double q) {
        long n = total.get();
        if (n == 0) return 0;
        long rank = (long) Math.ceil(q * n);
        if (rank < 1) rank = 1;
        long seen = 0;
        for (int i = 0; i < SIZE; i++) {
            seen += counts.get(i);
            if (seen >= rank) return Math.min(middle(i), max.get());
        }
        return max.get();
    }

    /** (value µs, cumulative fraction) points for a CDF plot, one per non-empty bucket. */
    public double[][] cdf() {
        long n = total.get();
        java.util.List<double[]> pts = new java.util.ArrayList<>();
        long seen = 0;
        for (int i = 0; i < SIZE; i++) {
            long c = counts.get(i);
            if (c == 0) continue;
            seen += c;
            pts.add(new double[] {Math.min(middle(i), max.get()), n == 0 ? 0 : (double) seen / n});
        }
        return pts.toArray(new double[0][]);
    }

    static int index(long v) {
        if (v < 64) return (int) v;
        int e = 63 - Long.numberOfLeadingZeros(v);
        int sub = (int) ((v >> (e - 5)) & (SUB - 1));
        int i = 64 + (e - 6) * SUB + sub;
        return Math.min(i, SIZE - 1);
    }

    static long lower(int i) {
        if (i < 64) return i;
        int e = (i - 64) / SUB + 6;
        int sub = (i - 64) % SUB;
        return (long) (SUB + sub) << (e - 5);
    }

    static long middle(int i) {
        if (i < 64) return i;
        return (lower(i) + lower(i + 1)) / 2;
    }
}
