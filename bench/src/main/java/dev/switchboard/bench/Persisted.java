package dev.switchboard.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Publishing on a persisted namespace: every message is committed to PostgreSQL (group commit) before its ACK.
 * N publishers, each keeping {@link #WINDOW} publishes in flight on one shared channel, for a fixed time; the
 * figures are ACKed messages per second and publish → ACK latency. Nothing may be NACKed.
 */
final class Persisted implements Scenario {
    static final String CONFIG = "{\"channelRules\": [{\"namespace\": \"persisted\", \"persisted\": true, \"retention\": \"1d\"}]}";
    private static final int WINDOW = 100;

    @Override
    public void run(Bench b) throws Exception {
        int[] publisherCounts = b.smoke() ? new int[] {1, 10} : new int[] {1, 10, 100};
        double seconds = b.smoke() ? 1 : 8;
        Csv csv = new Csv("publishers", "acked", "seconds", "acked_per_s", "p50_ms", "p99_ms", "max_ms", "nacks");
        List<Plot.Series> cdfs = new ArrayList<>();
        try (Target t = b.switchboard("persisted", false, CONFIG)) {
            int step = 0;
            for (int publishers : publisherCounts) {
                String channel = "persisted:bench-" + step++;
                Histogram latency = new Histogram();
                List<AblyConn> conns = new ArrayList<>();
                for (int k = 0; k < publishers; k++) {
                    conns.add(AblyConn.open(b.client(), t, b.options().format(), "&clientId=persisted-" + k, null, null)
                            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
                }
                boolean[] running = {true};
                String data = "x".repeat(100);
                for (AblyConn c : conns) {
                    c.context().runOnContext(v -> {
                        c.timeAcks(latency);
                        Runnable refill = () -> {
                            while (running[0] && c.inFlight() < WINDOW) c.publish(channel, "m", data);
                        };
                        c.onAnswered(refill);
                        refill.run();
                    });
                }
                long start = System.nanoTime();
                Thread.sleep((long) (seconds * 1000));
                for (AblyConn c : conns) c.context().runOnContext(v -> running[0] = false);
                double elapsed = (System.nanoTime() - start) / 1e9;
                long acked = latency.count();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (conns.stream().anyMatch(c -> c.inFlight() > 0) && System.nanoTime() < deadline) Thread.sleep(10);
                long nacks = conns.stream().mapToLong(AblyConn::nacks).sum();
                for (AblyConn c : conns) c.close();
                String name = publishers + " publisher" + (publishers == 1 ? "" : "s");
                double rate = acked / elapsed;
                b.add("persisted", name, "ACKed msg/s", Math.round(rate), "msg/s", ">= 20000", rate >= 20_000);
                b.add("persisted", name, "ACK p50", Bench.ms(latency.percentile(0.5)), "ms", null, null);
                b.add("persisted", name, "ACK p99", Bench.ms(latency.percentile(0.99)), "ms", "<= 20", Bench.ms(latency.percentile(0.99)) <= 20);
                b.add("persisted", name, "NACKs", nacks, "msgs", "0", nacks == 0);
                csv.row(publishers, acked, elapsed, rate, Bench.ms(latency.percentile(0.5)), Bench.ms(latency.percentile(0.99)),
                        Bench.ms(latency.maxMicros()), nacks);
                cdfs.add(Plot.Series.cdfMillis(name, latency));
            }
        }
        csv.write(b.out().resolve("persisted.csv"));
        Plot.cdf("Persisted channel: publish → ACK (committed to PostgreSQL)", cdfs, b.out().resolve("persisted-ack-cdf.png"));
    }
}
