package dev.switchboard.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One channel, N subscribers, increasing publish rates: deliveries/s, latency percentiles and the server's
 * CPU time per delivery at each rate, and the highest rate whose p99 stays within 100 ms. With {@code peer}
 * the same load runs against the Socket.IO broadcast server instead (scenario "peer").
 */
final class Fanout implements Scenario {
    static final String CHANNEL = "bench-fanout";
    private final boolean peer;

    Fanout(boolean peer) { this.peer = peer; }

    /** Publishes one marker; runs on the publisher's context. */
    interface Publisher {
        void send(String marker);

        Context context();
    }

    /**
     * The highest rate sustained within a p99 bound, with nothing lost or cut off: every rate up to it met the bound
     * (a later lucky step does not count).
     */
    private static final class Sustained {
        private final double p99BoundMicros;
        private Step best;
        private boolean missed;

        Sustained(double p99BoundMicros) { this.p99BoundMicros = p99BoundMicros; }

        boolean holds(Step s) { return s.p99 <= p99BoundMicros && s.lost == 0 && s.dropped == 0; }

        /** Takes the next step of the ramp; true when it extends the sustained run. */
        boolean offer(Step s) {
            boolean extendsRun = holds(s) && !missed;
            if (extendsRun) best = s;
            missed |= !holds(s);
            return extendsRun;
        }

        Step best() { return best; }

        double rate() { return best == null ? 0 : best.rate; }
    }

    record Step(int subscribers, double rate, long published, long expected, long delivered, long lost, double deliveriesPerSecond,
                long p50, long p90, long p99, long max, double serverUsPerDelivery, double clientUsPerDelivery, int dropped) {}

    @Override
    public void run(Bench b) throws Exception {
        String scenario = peer ? "peer" : "fanout";
        int[] sizes = b.options().fanoutSizes() != null ? b.options().fanoutSizes() : b.smoke() ? new int[] {20} : b.quick() ? new int[] {1000}
                : new int[] {1000, 5000};
        Recorder rec = new Recorder();
        Csv stepsCsv = new Csv("target", "subscribers", "rate_msg_s", "published", "expected", "delivered", "lost", "deliveries_s",
                "p50_ms", "p90_ms", "p99_ms", "max_ms", "server_cpu_us_per_delivery", "client_cpu_us_per_delivery", "dropped_subscribers");
        Csv cdfCsv = new Csv("target", "subscribers", "rate_msg_s", "latency_ms", "fraction");
        List<Plot.Series> cdfs = new ArrayList<>();
        try (Target t = peer ? ServerProcess.socketIo(b.out(), b.options().peerDir()) : b.switchboard(scenario, false)) {
            AtomicInteger live = new AtomicInteger();
            AtomicInteger dropped = new AtomicInteger();
            Consumer<Buffer> onData = buf -> Marker.scan(buf, (step, seq, nanos, f, end) -> rec.delivered(step, nanos));
            Runnable onClose = () -> {
                live.decrementAndGet();
                dropped.incrementAndGet();
            };
            Publisher pub = publisher(b, t, peer);
            int stepId = 0;
            double loadFrom = -1; // the server's uptime when the first measured step began: pauses are counted from there
            for (int n : sizes) {
                int missing = n - live.get();
                Throwable failure = LoadClient.runBounded(missing, 200, () -> subscriber(b, t, peer, onData, onClose).onSuccess(x -> live.incrementAndGet()));
                if (failure != null) throw new IllegalStateException("subscribers did not connect: " + failure, failure);
                double[] rates = b.smoke() ? new double[] {10, 20}
                        : b.quick() ? (n <= 1000 ? new double[] {25, 50, 100, 150, 200, 300, 400} : new double[] {5, 10, 20, 40, 80})
                        : n <= 1000 ? new double[] {25, 50, 75, 100, 125, 150, 200, 300, 400, 600, 800, 1200}
                        : new double[] {5, 10, 15, 20, 25, 30, 40, 60, 80, 120, 160, 240};
                double stepSeconds = b.smoke() ? 1 : b.quick() ? 3 : 6;
                // Warm-up (JIT, buffers): not reported.
                runStep(b, t::workCpuSeconds, pub, rec, stepId++, n, rates[0], b.smoke() ? 0.5 : 3, live, dropped);
                if (loadFrom < 0) loadFrom = Pauses.uptime(t);
                Sustained within100ms = new Sustained(100_000);
                // The same within 1 s (the ramp's own stop rule): where a single message's fan-out already takes most
                // of 100 ms (5,000 subscribers here), the 100 ms figure tells the servers apart no more.
                Sustained withinSecond = new Sustained(1_000_000);
                double worstCpu = 0; // the most server CPU per delivery at any sustained rate: the target holds at every rate

                for (double rate : rates) {
                    int id = stepId++;
                    double jit0 = t.jitCpuSeconds();
                    Step s = runStep(b, t::workCpuSeconds, pub, rec, id, n, rate, stepSeconds, live, dropped);
                    double jitUs = (t.jitCpuSeconds() - jit0) * 1e6 / Math.max(1, s.delivered);
                    stepsCsv.row(t.name(), n, rate, s.published, s.expected, s.delivered, s.lost, s.deliveriesPerSecond, Bench.ms(s.p50),
                            Bench.ms(s.p90), Bench.ms(s.p99), Bench.ms(s.max), s.serverUsPerDelivery, s.clientUsPerDelivery, s.dropped);
                    System.out.printf(java.util.Locale.ROOT, "  %s n=%d rate=%.0f/s: %.0f deliveries/s, p50 %.1f p99 %.1f max %.1f ms, lost %d, "
                                    + "server %.2f µs/delivery (+ JIT %.2f), client %.2f µs/delivery, dropped %d%n", t.name(), n, rate, s.deliveriesPerSecond,
                            Bench.ms(s.p50), Bench.ms(s.p99), Bench.ms(s.max), s.lost, s.serverUsPerDelivery, jitUs, s.clientUsPerDelivery, s.dropped);
                    b.curves.computeIfAbsent(t.name() + " " + n, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                            .add(new double[] {rate, Bench.ms(s.p99), s.serverUsPerDelivery});
                    String label = n + " subs, " + Plot.trim(rate) + "/s";
                    Plot.Series cdf = Plot.Series.cdfMillis(label, rec.latency(id));
                    for (int i = 0; i < cdf.x().length; i++) cdfCsv.row(t.name(), n, rate, cdf.x()[i], cdf.y()[i]);
                    if (within100ms.offer(s)) worstCpu = Math.max(worstCpu, s.serverUsPerDelivery);
                    withinSecond.offer(s);
                    if (within100ms.holds(s)) {
                        cdfs.add(cdf);
                    } else if (cdfs.size() < 10) {
                        cdfs.add(new Plot.Series(label + " (over)", cdf.x(), cdf.y()));
                    }
                    if (!withinSecond.holds(s)) break;
                }
                rec.awaitQuiet(1000, 30_000);
                String c = n + " subscribers";
                Step best = within100ms.best();
                double bestRate = within100ms.rate();
                b.shared.put(scenario + ".best." + n, bestRate);
                b.add(scenario, c, "highest rate, p99<=100ms", bestRate, "msg/s", null, null);
                double bestRateSecond = withinSecond.rate();
                b.shared.put(scenario + ".bestWithinSecond." + n, bestRateSecond);
                b.add(scenario, c, "highest rate, p99<=1s", bestRateSecond, "msg/s", null, null);
                if (best != null) {
                    b.add(scenario, c, "deliveries/s at that rate", best.deliveriesPerSecond, "/s", null, null);
                    b.add(scenario, c, "p50 at that rate", Bench.ms(best.p50), "ms", null, null);
                    b.add(scenario, c, "p99 at that rate", Bench.ms(best.p99), "ms", "<= 100", best.p99 <= 100_000);
                    double cpuTarget = n <= 1000 ? 5 : 6;
                    b.add(scenario, c, "server CPU per delivery (no JIT)", best.serverUsPerDelivery, "µs", peer ? null : "<= " + Plot.trim(cpuTarget), peer ? null
                            : best.serverUsPerDelivery <= cpuTarget);
                    if (!peer) b.add(scenario, c, "server CPU/delivery, worst rate", worstCpu, "µs", "<= " + Plot.trim(cpuTarget), worstCpu <= cpuTarget);
                    b.add(scenario, c, "client CPU per delivery", best.clientUsPerDelivery, "µs", null, null);
                }
                if (peer) {
                    Double ours = b.shared.get("fanout.best." + n);
                    if (ours != null && bestRate > 0) {
                        b.add("peer", c, "Switchboard / Socket.IO rate", ours / bestRate, "x", ">= 2", ours / bestRate >= 2);
                    }
                    Double oursSecond = b.shared.get("fanout.bestWithinSecond." + n);
                    if (oursSecond != null && bestRateSecond > 0) {
                        b.add("peer", c, "Switchboard / Socket.IO rate, p99<=1s", oursSecond / bestRateSecond, "x", null, null);
                    }
                }
            }
            Pauses.report(b, scenario, "under load", t, Math.max(0, loadFrom));
        }
        String name = peer ? "peer" : "fanout";
        stepsCsv.write(b.out().resolve(name + "-steps.csv"));
        cdfCsv.write(b.out().resolve(name + "-latency-cdf.csv"));
        Plot.cdf((peer ? "Socket.IO 4.8" : "Switchboard") + " fan-out: publish→delivery latency", cdfs, b.out().resolve(name + "-latency-cdf.png"));
        Plot.Series rate = rec.rateSeries("deliveries/s");
        Plot.timeSeries((peer ? "Socket.IO 4.8" : "Switchboard") + " fan-out: deliveries per second (rate steps)", "deliveries/s", List.of(rate),
                b.out().resolve(name + "-throughput.png"));
        if (peer) comparisonPlots(b);
        Csv tp = new Csv("t_s", "deliveries_s");
        for (int i = 0; i < rate.x().length; i++) tp.row(rate.x()[i], rate.y()[i]);
        tp.write(b.out().resolve(name + "-throughput.csv"));
    }

    /** Switchboard and Socket.IO side by side: p99 and server CPU per delivery against the publish rate. */
    private static void comparisonPlots(Bench b) {
        List<Plot.Series> p99 = new ArrayList<>(), cpu = new ArrayList<>();
        new java.util.TreeMap<>(b.curves).forEach((name, points) -> {
            double[] x = new double[points.size()], y = new double[points.size()], z = new double[points.size()];
            for (int i = 0; i < points.size(); i++) {
                x[i] = points.get(i)[0];
                y[i] = points.get(i)[1];
                z[i] = points.get(i)[2];
            }
            p99.add(new Plot.Series(name + " subs", x, y));
            cpu.add(new Plot.Series(name + " subs", x, z));
        });
        Plot.lines("Fan-out p99 vs publish rate (clipped at 500 ms)", "publish rate (msg/s)", "p99 latency (ms)", p99, 500,
                b.out().resolve("peer-vs-switchboard-p99.png"));
        Plot.lines("Server CPU per delivery vs publish rate", "publish rate (msg/s)", "server CPU (µs per delivery)", cpu, 20,
                b.out().resolve("peer-vs-switchboard-cpu.png"));
    }

    /**
     * Publishes at {@code rate} for {@code seconds}, waits for the deliveries, and measures them; {@code serverCpu} gives
     * the CPU seconds of the server processes so far (one process, or the sum over a cluster's nodes).
     */
    static Step runStep(Bench b, java.util.function.DoubleSupplier serverCpu, Publisher pub, Recorder rec, int id, int n, double rate,
                        double seconds, AtomicInteger live, AtomicInteger dropped) throws InterruptedException {
        int subscribers = live.get();
        int droppedBefore = dropped.get();
        double cpu0 = serverCpu.getAsDouble(), self0 = ProcStat.cpuSeconds(ProcStat.self());
        AtomicLong sent = new AtomicLong();
        long start = System.nanoTime();
        long[] timer = new long[1];
        pub.context().runOnContext(v -> timer[0] = b.client().vertx().setPeriodic(2, tid -> {
            long due = (long) (rate * (System.nanoTime() - start) / 1e9);
            for (long k = sent.get(); k < due; k++) pub.send(Marker.make(id, k, System.nanoTime()));
            sent.set(Math.max(sent.get(), due));
        }));
        Thread.sleep((long) (seconds * 1000));
        pub.context().runOnContext(v -> b.client().vertx().cancelTimer(timer[0]));
        Thread.sleep(20);
        double active = (System.nanoTime() - start) / 1e9;
        long published = sent.get();
        long expected = published * subscribers;
        rec.awaitStep(id, expected, b.smoke() ? 3000 : 5000);
        double cpu1 = serverCpu.getAsDouble(), self1 = ProcStat.cpuSeconds(ProcStat.self());
        long delivered = rec.received(id);
        Histogram h = rec.latency(id);
        return new Step(subscribers, rate, published, expected, delivered, Math.max(0, expected - delivered), delivered / active,
                h.percentile(0.5), h.percentile(0.9), h.percentile(0.99), h.maxMicros(),
                delivered == 0 ? Double.NaN : (cpu1 - cpu0) * 1e6 / delivered, delivered == 0 ? Double.NaN : (self1 - self0) * 1e6 / delivered,
                dropped.get() - droppedBefore);
    }

    /** A subscriber of {@link #CHANNEL} on {@code t} (a Socket.IO client when {@code peer}); every frame goes to {@code onData}. */
    static Future<?> subscriber(Bench b, Target t, boolean peer, Consumer<Buffer> onData, Runnable onClose) {
        if (peer) return SioConn.open(b.client(), t, onData, onClose);
        return AblyConn.open(b.client(), t, b.options().format(), "", onData, onClose).compose(c -> c.attach(CHANNEL));
    }

    /** The publisher on {@code t}: realtime MESSAGEs with echo off, or Socket.IO "pub" events when {@code peer}. */
    static Publisher publisher(Bench b, Target t, boolean peer) throws Exception {
        if (peer) {
            SioConn c = SioConn.open(b.client(), t, null, null).toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
            return new Publisher() {
                public void send(String marker) { c.emit("pub", marker); }

                public Context context() { return c.context(); }
            };
        }
        AblyConn c = AblyConn.open(b.client(), t, b.options().format(), "&echo=false", null, null)
                .toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        return new Publisher() {
            public void send(String marker) { c.publish(CHANNEL, "m", marker); }

            public Context context() { return c.context(); }
        };
    }
}
