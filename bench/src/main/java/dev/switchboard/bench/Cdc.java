package dev.switchboard.bench;

import io.vertx.core.buffer.Buffer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The change connector alone: INSERTs into {@code chat_data} straight over JDBC from several connections,
 * (1) as fast as PostgreSQL takes them (batched, 100 rows a transaction) to find the changes/s that reach
 * subscribers, then (2) paced at 20,000 rows/s alongside the connector, to see that it keeps up, then (3) paced at 2,000 rows/s in small transactions to measure commit → delivery latency,
 * where "commit" is PostgreSQL's own commit timestamp carried in each change's payload.
 */
final class Cdc implements Scenario {
    private static final int THREADS = 4;

    @Override
    public void run(Bench b) throws Exception {
        Recorder rec = new Recorder();
        Histogram commitLatency = new Histogram();
        Clock wall = Clock.systemUTC();
        int[] pacedStep = {-1};
        Consumer<Buffer> onData = buf -> Marker.scan(buf, (step, seq, nanos, f, end) -> {
            rec.delivered(step, nanos);
            if (step == pacedStep[0]) {
                long commit = commitMicros(f, end);
                if (commit > 0) {
                    Instant now = wall.instant();
                    commitLatency.record(now.getEpochSecond() * 1_000_000 + now.getNano() / 1000 - commit);
                }
            }
        });
        int subscribers = 2;
        List<Plot.Series> throughput = new ArrayList<>();
        double burstSeconds = b.smoke() ? 2 : 10, pacedSeconds = b.smoke() ? 2 : 10, pacedRate = b.smoke() ? 200 : 2000;
        Csv csv = new Csv("phase", "rows", "insert_seconds", "insert_rows_s", "delivered_per_subscriber", "changes_s_through_connector",
                "p50_ms", "p99_ms", "max_ms", "commit_p50_ms", "commit_p99_ms", "commit_max_ms", "server_cpu_us_per_change");
        try (Target t = b.switchboard("cdc", true)) {
            if (t.jdbcUrl() == null) throw new IllegalStateException("cdc needs the database URL (--jdbc with --url)");
            AtomicInteger live = new AtomicInteger();
            AtomicInteger dropped = new AtomicInteger();
            List<AblyConn> earlier = new java.util.concurrent.CopyOnWriteArrayList<>();
            Throwable failure = LoadClient.runBounded(subscribers, 10, () -> AblyConn.open(b.client(), t, b.options().format(), "", onData, () -> { dropped.incrementAndGet(); live.decrementAndGet(); })
                    .onSuccess(earlier::add).compose(s -> s.attach("incoming-chat")).onSuccess(x -> live.incrementAndGet()));
            if (failure != null) throw new IllegalStateException("subscribers did not connect: " + failure, failure);

            // Warm-up (JIT, connector), fully delivered before the burst.
            long warm = insert(t, 0, b.smoke() ? 0.5 : 3, 500, 0, Long.MAX_VALUE);
            rec.awaitStep(0, warm * subscribers, 30_000);

            // Burst: a fixed number of rows as fast as PostgreSQL takes them; the connector's own count of changes
            // published into channels (GET /status) gives its throughput, independent of how fast subscribers read.
            long burstRows = b.smoke() ? 5_000 : 300_000;
            double cpu0 = t.workCpuSeconds();
            long published0 = changesPublished(t);
            long start = System.nanoTime();
            // The connector's progress is sampled from the start of the INSERTs, in the background.
            List<double[]> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
            long[] target = {Long.MAX_VALUE};
            double[] doneAtBox = {Double.NaN};
            long burstStart = start;
            Thread poller = new Thread(() -> {
                long deadline = System.nanoTime() + 240_000_000_000L;
                try {
                    while (System.nanoTime() < deadline) {
                        long d = changesPublished(t) - published0;
                        double at = (System.nanoTime() - burstStart) / 1e9;
                        progress.add(new double[] {at, d});
                        if (d >= target[0]) { doneAtBox[0] = at; return; }
                        Thread.sleep(100);
                    }
                } catch (Exception e) {
                    // reported as not published
                }
            }, "cdc-progress");
            poller.start();
            long rows = insert(t, 1, 600, 0, 100, burstRows);
            double insertSeconds = (System.nanoTime() - start) / 1e9;
            target[0] = rows;
            poller.join(250_000);
            long done = progress.isEmpty() ? 0 : (long) progress.get(progress.size() - 1)[1];
            double doneAt = doneAtBox[0];
            double cpu = (t.workCpuSeconds() - cpu0) * 1e6 / Math.max(1, rows);
            double changesPerSecond = Double.isNaN(doneAt) ? done / ((System.nanoTime() - start) / 1e9) : rows / doneAt;
            double peak = 0;
            double[] px = new double[progress.size()], py = new double[progress.size()];
            for (int i = 0; i < progress.size(); i++) {
                int j = Math.max(0, i - 10); // 1 s window
                px[i] = progress.get(i)[0];
                py[i] = i == 0 ? 0 : (progress.get(i)[1] - progress.get(j)[1]) / Math.max(1e-3, progress.get(i)[0] - progress.get(j)[0]);
                peak = Math.max(peak, py[i]);
            }
            throughput.add(new Plot.Series("connector", px, py));
            Csv tp = new Csv("t_s", "changes_published", "changes_s_1s_window");
            for (int i = 0; i < progress.size(); i++) tp.row(px[i], progress.get(i)[1], py[i]);
            tp.write(b.out().resolve("cdc-throughput.csv"));
            Histogram h1 = rec.latency(1);
            csv.row("burst", rows, insertSeconds, rows / insertSeconds, rec.received(1) / subscribers, changesPerSecond, Bench.ms(h1.percentile(0.5)),
                    Bench.ms(h1.percentile(0.99)), Bench.ms(h1.maxMicros()), "", "", "", cpu);
            String burst = Plot.trim(rows) + " rows, " + THREADS + " conns";
            b.add("cdc", burst, "INSERT rate", rows / insertSeconds, "rows/s", null, null);
            b.add("cdc", burst, "changes through connector", changesPerSecond, "/s", ">= 20,000", changesPerSecond >= 20_000);
            b.add("cdc", burst, "peak (1 s window)", peak, "/s", null, null);
            b.add("cdc", burst, "not published in 180 s", rows - Math.min(rows, done), "rows", "0", done >= rows);
            b.add("cdc", burst, "server CPU per change", cpu, "µs", null, null);
            int droppedInBurst = dropped.get();
            if (droppedInBurst > 0) {
                System.out.println("  " + droppedInBurst + " subscriber(s) were disconnected by the server's back-pressure during the burst");
            }
            b.add("cdc", burst, "subscribers cut off (back-pressure)", droppedInBurst, "", null, null);
            rec.awaitQuiet(2000, 60_000);

            // Sustained: INSERTs paced at the target rate while the connector runs alongside on the same cores.
            double sustainedRate = b.smoke() ? 1_000 : 20_000, sustainedSeconds = b.smoke() ? 1 : 10;
            long s0 = changesPublished(t);
            long sStart = System.nanoTime();
            long sRows = insert(t, 3, sustainedSeconds, sustainedRate, 0, Long.MAX_VALUE);
            double sInsertSeconds = (System.nanoTime() - sStart) / 1e9;
            long lagAtEnd = sRows - (changesPublished(t) - s0);
            double caughtUp = Double.NaN;
            long sDeadline = System.nanoTime() + 120_000_000_000L;
            while (System.nanoTime() < sDeadline) {
                if (changesPublished(t) - s0 >= sRows) { caughtUp = (System.nanoTime() - sStart) / 1e9 - sInsertSeconds; break; }
                Thread.sleep(20);
            }
            String sc = "sustained " + Plot.trim(sustainedRate) + " rows/s";
            b.add("cdc", sc, "INSERT rate achieved", sRows / sInsertSeconds, "rows/s", null, null);
            b.add("cdc", sc, "connector behind at end", lagAtEnd, "rows", "< 1 s of rows", lagAtEnd < sustainedRate);
            b.add("cdc", sc, "caught up after", caughtUp, "s", null, null);
            csv.row("sustained", sRows, sInsertSeconds, sRows / sInsertSeconds, "", sRows / (sInsertSeconds + (Double.isNaN(caughtUp) ? 120 : caughtUp)),
                    "", "", "", "", "", "", "");
            rec.awaitQuiet(2000, 60_000);
            // Paced phase: commit → delivery latency, on subscribers of its own. Each counts the rows it got, so a row is
            // reported lost only when a subscriber that stayed connected never got it; a subscriber the server cut off
            // is reported as such (its missing rows are not losses: it would resume). The subscribers of the earlier
            // phases are closed first, so none of them is still draining a backlog meanwhile.
            for (AblyConn old : earlier) old.close();
            List<AblyConn> pacedSubs = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<AtomicLong> counts = new java.util.concurrent.CopyOnWriteArrayList<>();
            AtomicInteger pacedCutOff = new AtomicInteger();
            for (int i = 0; i < subscribers; i++) {
                AtomicLong got = new AtomicLong();
                Consumer<Buffer> counting = buf -> {
                    onData.accept(buf);
                    Marker.scan(buf, (step, seq, nanos, f, end) -> { if (step == 2) got.incrementAndGet(); });
                };
                AblyConn sub = AblyConn.open(b.client(), t, b.options().format(), "", counting, pacedCutOff::incrementAndGet)
                        .compose(conn -> conn.attach("incoming-chat").map(conn)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                pacedSubs.add(sub);
                counts.add(got);
            }
            pacedStep[0] = 2;
            cpu0 = t.workCpuSeconds();
            long publishedBefore = changesPublished(t);
            start = System.nanoTime();
            long paced = insert(t, 2, pacedSeconds, pacedRate, 0, Long.MAX_VALUE);
            double pacedInsertSeconds = (System.nanoTime() - start) / 1e9;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < deadline && counts.stream().anyMatch(g -> g.get() < paced) && pacedCutOff.get() == 0) Thread.sleep(20);
            long published = changesPublished(t) - publishedBefore;
            cpu = (t.workCpuSeconds() - cpu0) * 1e6 / Math.max(1, paced);
            long lost = 0;
            for (int i = 0; i < pacedSubs.size(); i++) {
                if (!pacedSubs.get(i).isClosed()) lost = Math.max(lost, paced - Math.min(paced, counts.get(i).get()));
            }
            Histogram h2 = rec.latency(2);
            String c = Plot.trim(pacedRate) + " rows/s";
            csv.row("paced", paced, pacedInsertSeconds, paced / pacedInsertSeconds, counts.get(0).get(), "", Bench.ms(h2.percentile(0.5)),
                    Bench.ms(h2.percentile(0.99)), Bench.ms(h2.maxMicros()), Bench.ms(commitLatency.percentile(0.5)),
                    Bench.ms(commitLatency.percentile(0.99)), Bench.ms(commitLatency.maxMicros()), cpu);
            b.add("cdc", c, "commit→delivery p50", Bench.ms(commitLatency.percentile(0.5)), "ms", null, null);
            b.add("cdc", c, "commit→delivery p99", Bench.ms(commitLatency.percentile(0.99)), "ms", "<= 20",
                    commitLatency.percentile(0.99) <= 20_000);
            b.add("cdc", c, "commit→delivery max", Bench.ms(commitLatency.maxMicros()), "ms", null, null);
            b.add("cdc", c, "INSERT issued→delivery p99", Bench.ms(h2.percentile(0.99)), "ms", null, null);
            b.add("cdc", c, "rows committed, not published", Math.max(0, paced - published), "rows", "<= 0", published >= paced);
            b.add("cdc", c, "lost (a connected subscriber missed)", lost, "rows", "<= 0", lost == 0);
            b.add("cdc", c, "subscribers cut off", pacedCutOff.get(), "", "<= 0", pacedCutOff.get() == 0);
            for (AblyConn sub : pacedSubs) sub.close();
        }
        csv.write(b.out().resolve("cdc.csv"));
        List<Plot.Series> cdfs = new ArrayList<>();
        cdfs.add(Plot.Series.cdfMillis("commit→delivery @" + Plot.trim(pacedRate) + "/s", commitLatency));
        Plot.cdf("Change connector: commit → delivery latency", cdfs, b.out().resolve("cdc-latency-cdf.png"));
        Plot.timeSeries("Change connector: changes published per second during the burst", "changes/s", throughput,
                b.out().resolve("cdc-throughput.png"));
    }

    /**
     * INSERTs from {@link #THREADS} connections for the duration or until {@code maxRows} (roughly). {@code rate} 0 = as fast as possible in
     * transactions of {@code batch} rows; else paced at {@code rate} rows/s in one transaction per thread every 10 ms.
     */
    private long insert(Target t, int step, double seconds, double rate, int batch, long maxRows) throws Exception {
        AtomicLong rows = new AtomicLong();
        AtomicLong reserved = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        String run = Long.toString(System.nanoTime(), 36);
        for (int th = 0; th < THREADS; th++) {
            int thread = th;
            Thread w = new Thread(() -> {
                Properties p = new Properties();
                p.setProperty("user", "postgres"); // the URL's own user and password win over these
                p.setProperty("reWriteBatchedInserts", "true");
                try (Connection c = DriverManager.getConnection(t.jdbcUrl(), p);
                     PreparedStatement s = c.prepareStatement("INSERT INTO chat_data (msg_id, username, msg_data, client_id, created_at_timestamp) "
                             + "VALUES (?, 'bench', ?, 'bench-cdc', ?)")) {
                    c.setAutoCommit(false);
                    long k = 0;
                    double perTick = rate / THREADS / 100.0; // rows per 10 ms tick
                    double owed = 0;
                    long next = System.nanoTime();
                    while (System.nanoTime() < end) {
                        int n;
                        if (rate > 0) {
                            long sleep = next - System.nanoTime();
                            if (sleep > 0) TimeUnit.NANOSECONDS.sleep(sleep);
                            next += 10_000_000;
                            owed += perTick;
                            n = (int) owed;
                            owed -= n;
                            if (n == 0) continue;
                        } else {
                            n = batch;
                        }
                        if (reserved.addAndGet(n) > maxRows) break;
                        for (int i = 0; i < n; i++, k++) {
                            s.setString(1, "cdc-" + run + "-" + thread + "-" + k);
                            s.setString(2, Marker.make(step, k, System.nanoTime()));
                            s.setLong(3, System.currentTimeMillis());
                            s.addBatch();
                        }
                        s.executeBatch();
                        c.commit();
                        rows.addAndGet(n);
                    }
                } catch (Exception e) {
                    errors.add(e);
                }
            }, "cdc-insert-" + th);
            w.start();
            threads.add(w);
        }
        for (Thread w : threads) w.join();
        if (!errors.isEmpty()) throw new IllegalStateException("INSERTs failed: " + errors.get(0), errors.get(0));
        return rows.get();
    }

    /** The connector's count of changes published into channels, from GET /status. */
    static long changesPublished(Target t) throws Exception {
        java.net.http.HttpResponse<String> r = HTTP.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + t.host() + ":" + t.port() + "/status"))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(t.key().getBytes())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"changesPublished\"\\s*:\\s*(\\d+)").matcher(r.body());
        if (!m.find()) throw new IllegalStateException("no connector in /status: " + r.body());
        return Long.parseLong(m.group(1));
    }

    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

    /** The commitTime of the change whose marker ends at {@code from}, in epoch microseconds, or -1. */
    static long commitMicros(Buffer f, int from) {
        int i = Marker.indexOf(f, "commitTime", from);
        if (i < 0) return -1;
        int j = i + 10;
        while (j < f.length() && (f.getByte(j) < '0' || f.getByte(j) > '9')) j++;
        int k = j;
        while (k < f.length() && f.getByte(k) != 'Z') k++;
        if (k >= f.length()) return -1;
        try {
            Instant t = Instant.parse(f.getString(j, k + 1));
            return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
