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
        int n = b.smoke() ? 200 : 19_000;
        Csv csv = new Csv("connections", "connect_seconds", "connects_s", "alive_after_hold", "live_heap_before", "live_heap_after",
                "heap_per_connection_bytes", "rss_before", "rss_after", "rss_per_connection_bytes", "server_open_files");
        try (Target t = b.switchboard("connections", false)) {
            ServerProcess sp = t instanceof ServerProcess s ? s : null;
            Thread.sleep(b.smoke() ? 500 : 3000);
            long heap0 = sp == null ? -1 : sp.liveHeapBytes();
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
            long heap1 = sp == null ? -1 : sp.liveHeapBytes();
            long rss1 = t.pid() < 0 ? -1 : ProcStat.rssBytes(t.pid());
            int fds = t.pid() < 0 ? -1 : ProcStat.openFiles(t.pid());
            double heapPer = heap0 < 0 || heap1 < 0 ? Double.NaN : (double) (heap1 - heap0) / Math.max(1, opened);
            double rssPer = rss0 < 0 ? Double.NaN : (double) (rss1 - rss0) / Math.max(1, opened);
            csv.row(opened, seconds, opened / seconds, alive, heap0, heap1, heapPer, rss0, rss1, rssPer, fds);
            String c = n + " idle";
            b.add("connections", c, "held after 20 s", alive, "conns", ">= " + n, alive >= n);
            b.add("connections", c, "connect rate", opened / seconds, "/s", null, null);
            b.add("connections", c, "live heap per connection", heapPer / 1024, "KB", "<= 10", heapPer <= 10 * 1024);
            b.add("connections", c, "RSS per connection", rssPer / 1024, "KB", null, null);
            List<io.vertx.core.Future<Void>> closing = new ArrayList<>();
            for (AblyConn a : conns) closing.add(a.close());
            io.vertx.core.Future.join(closing).toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        csv.write(b.out().resolve("connections.csv"));
    }
}
