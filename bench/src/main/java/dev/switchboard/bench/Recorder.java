package dev.switchboard.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Deliveries of one scenario: per step a latency histogram and a count, and deliveries per 100 ms bin over
 * the whole scenario for the throughput-over-time plot. Thread-safe without locks.
 */
public final class Recorder {
    public static final int MAX_STEPS = 64;
    private static final int BIN_MS = 100;
    private final long t0 = System.nanoTime();
    private final Histogram[] latency = new Histogram[MAX_STEPS];
    private final AtomicLong[] received = new AtomicLong[MAX_STEPS];
    private final AtomicLongArray bins = new AtomicLongArray(36_000);
    private final AtomicLong lastDeliveryNanos = new AtomicLong();
    private final AtomicLong total = new AtomicLong();

    public Recorder() {
        for (int i = 0; i < MAX_STEPS; i++) {
            latency[i] = new Histogram();
            received[i] = new AtomicLong();
        }
    }

    /** A delivery of a message sent at {@code sentNanos} (this JVM's nanoTime). */
    public void delivered(int step, long sentNanos) {
        long now = System.nanoTime();
        deliveredMicros(step, (now - sentNanos) / 1000, now);
    }

    public void deliveredMicros(int step, long micros, long now) {
        if (step < 0 || step >= MAX_STEPS) return;
        latency[step].record(micros);
        received[step].incrementAndGet();
        total.incrementAndGet();
        lastDeliveryNanos.set(now);
        int bin = (int) ((now - t0) / 1_000_000 / BIN_MS);
        if (bin >= 0 && bin < bins.length()) bins.incrementAndGet(bin);
    }

    public Histogram latency(int step) { return latency[step]; }

    public long received(int step) { return received[step].get(); }

    public long total() { return total.get(); }

    public long lastDeliveryNanos() { return lastDeliveryNanos.get(); }

    /** Seconds since this recorder started. */
    public double elapsed() { return (System.nanoTime() - t0) / 1e9; }

    /** Deliveries per second over time: a 1 s moving average, one point per 100 ms bin up to now. */
    public Plot.Series rateSeries(String label) {
        int n = Math.min(bins.length(), (int) ((System.nanoTime() - t0) / 1_000_000 / BIN_MS) + 1);
        int window = 1000 / BIN_MS;
        double[] x = new double[n], y = new double[n];
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += bins.get(i) - (i >= window ? bins.get(i - window) : 0);
            x[i] = i * BIN_MS / 1000.0;
            y[i] = sum * (1000.0 / (Math.min(i + 1, window) * BIN_MS));
        }
        return new Plot.Series(label, x, y);
    }

    /** Blocks until {@code target} deliveries of the step arrived, or the timeout passed. */
    public boolean awaitStep(int step, long target, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (received(step) < target) {
            if (System.currentTimeMillis() > deadline) return false;
            Thread.sleep(20);
        }
        return true;
    }

    /** Blocks until no delivery arrived for {@code quietMs}, at most {@code maxMs}. */
    public void awaitQuiet(long quietMs, long maxMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + maxMs;
        while (System.currentTimeMillis() < deadline && (System.nanoTime() - lastDeliveryNanos.get()) / 1_000_000 < quietMs) Thread.sleep(50);
    }
}
