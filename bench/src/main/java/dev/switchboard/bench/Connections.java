package dev.switchboard.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many idle connections on one server process: the connect rate (WebSocket upgrade through CONNECTED),
 * then, held, the live heap per connection after a full GC and the resident memory per connection,
 * both as the difference to the idle server before the connections. Needs the server in its own process:
 * the open-files limit (20,000) is per process.
 */
final class Connections implements Scenario {
    @Override
    public void run(Bench b) throws Exception {
        int n = b.options().connections() > 0 ? b.options().connections() : b.smoke() ? 200 : b.quick() ? 5_000 : 19_000;
        Csv csv = new Csv("connections", "connect_seconds", "connects_s", "alive_after_hold", "live_heap_before", "live_heap_after",
                "heap_per_connection_bytes", "rss_before", "rss_after", "rss_per_connection_bytes", "server_open_files");
        try (Target t = b.switchboard("connections", false)) {
            ServerProcess sp = t instanceof ServerProcess s ? s : null;
            Thread.sleep(b.smoke() ? 500 : 3000);
            java.util.Map<String, long[]> hist0 = sp == null ? null : sp.classHistogram();
            long heap0 = hist0 == null ? -1 : hist0.get("Total")[1];
            long rss0 = t.pid() < 0 ? -1 : ProcStat.rssBytes(t.pid());
            AtomicInteger closed = new AtomicInteger();
            ConcurrentLinkedQueue<AblyConn> conns = new ConcurrentLinkedQueue<>();
            long start = System.nanoTime();
            Throwable failure = LoadClient.runBounded(n, 256, () -> AblyConn.open(b.client(), t, b.options().format(), "", null,
                    closed::incrementAndGet).onSuccess(conns::add));
            double seconds = (System.nanoTime() - start) / 1e9;
            if (failure != null) System.out.println("  some connections failed: " + failure);
            int opened = conns.size();
            Thread.sleep(b.smoke() ? 1000 : 20_000); // held long enough for heartbeats to have gone out
            int alive = opened - closed.get();
            java.util.Map<String, long[]> hist1 = sp == null ? null : sp.classHistogram();
            long heap1 = hist1 == null ? -1 : hist1.get("Total")[1];
            if (hist0 != null && hist1 != null) writeHeapDiff(b, hist0, hist1, opened);
            long rss1 = t.pid() < 0 ? -1 : ProcStat.rssBytes(t.pid());
            int fds = t.pid() < 0 ? -1 : ProcStat.openFiles(t.pid());
            double heapPer = heap0 < 0 || heap1 < 0 ? Double.NaN : (double) (heap1 - heap0) / Math.max(1, opened);
            double rssPer = rss0 < 0 ? Double.NaN : (double) (rss1 - rss0) / Math.max(1, opened);
            csv.row(opened, seconds, opened / seconds, alive, heap0, heap1, heapPer, rss0, rss1, rssPer, fds);
            String c = n + " idle";
            b.add("connections", c, "held after 20 s", alive, "conns", ">= " + n, alive >= n);
            b.add("connections", c, "connect rate", opened / seconds, "/s", null, null);
            b.add("connections", c, "live heap per connection", heapPer / 1024, "KB", "<= 8", heapPer <= 8 * 1024);
            b.add("connections", c, "RSS per connection", rssPer / 1024, "KB", null, null);
            List<io.vertx.core.Future<Void>> closing = new ArrayList<>();
            for (AblyConn a : conns) closing.add(a.close());
            io.vertx.core.Future.join(closing).toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        csv.write(b.out().resolve("connections.csv"));
    }

    /** What the connections added to the live heap, by class, largest first: where the bytes per connection go. */
    private static void writeHeapDiff(Bench b, java.util.Map<String, long[]> before, java.util.Map<String, long[]> after, int n) {
        Csv csv = new Csv("class", "instances_added", "bytes_added", "instances_per_connection", "bytes_per_connection");
        after.entrySet().stream().filter(e -> !e.getKey().equals("Total"))
                .map(e -> {
                    long[] a = e.getValue(), z = before.getOrDefault(e.getKey(), new long[2]);
                    return new Object[] {e.getKey(), a[0] - z[0], a[1] - z[1]};
                })
                .filter(r -> (long) r[2] > 0)
                .sorted((x, y) -> Long.compare((long) y[2], (long) x[2]))
                .limit(40)
                .forEach(r -> csv.row(r[0], r[1], r[2], (double) (long) r[1] / n, (double) (long) r[2] / n));
        csv.write(b.out().resolve("connections-heap-by-class.csv"));
    }
}
