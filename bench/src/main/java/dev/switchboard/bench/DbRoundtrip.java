package dev.switchboard.bench;

import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The chat's database round trip: a publisher sends {@code chatMsg} on {@code outgoing-chat} at a fixed
 * rate; the rule's function INSERTs each into {@code chat_data}; the change connector reads the WAL and
 * publishes the row on {@code incoming-chat}, where N subscribers receive it. Latency is publish →
 * delivery in the load client's clock; every published message must arrive at every subscriber. The publisher
 * also times its ACKs, which come once the row is committed (the chat's before-publish rule).
 */
final class DbRoundtrip implements Scenario {
    /** Publish → ACK of the chat messages per step: the ACK comes after the chat's row is committed. */
    private final java.util.Map<Integer, Histogram> ackLatency = new java.util.concurrent.ConcurrentHashMap<>();
    /** Each case is first run this long unrecorded. */
    static final double WARM_UP_SECONDS = 10;
    record Case(int subscribers, double rate, double seconds, double p50Target, double p99Target) {}

    @Override
    public void run(Bench b) throws Exception {
        List<Case> cases = b.smoke() ? List.of(new Case(20, 20, 2, 5, 15))
                : List.of(new Case(100, 200, 15, 5, 10), new Case(1000, 20, 15, Double.NaN, 20));
        Recorder rec = new Recorder();
        // The split of the round trip: PostgreSQL's commit timestamp (in each change) → delivery, in wall-clock time.
        Histogram[] commitLatency = new Histogram[8];
        for (int i = 0; i < commitLatency.length; i++) commitLatency[i] = new Histogram();
        Csv csv = new Csv("subscribers", "rate_msg_s", "published", "expected", "delivered", "lost", "p50_ms", "p90_ms", "p99_ms", "max_ms",
                "server_cpu_us_per_message", "postgres_cpu_us_per_message");
        List<Plot.Series> cdfs = new ArrayList<>();
        try (Target t = b.switchboard("db-roundtrip", true)) {
            AtomicInteger live = new AtomicInteger();
            Consumer<Buffer> onData = buf -> Marker.scan(buf, (step, seq, nanos, f, end) -> {
                rec.delivered(step, nanos);
                long commit = Cdc.commitMicros(f, end);
                if (commit > 0 && step < commitLatency.length) {
                    java.time.Instant now = java.time.Instant.now();
                    commitLatency[step].record(now.getEpochSecond() * 1_000_000 + now.getNano() / 1000 - commit);
                }
            });
            AblyConn pub = AblyConn.open(b.client(), t, b.options().format(), "&echo=false&clientId=bench-publisher", null, null)
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            int step = 0;
            double loadFrom = -1; // the server's uptime after the warm-up: pauses are counted from there
            for (Case c : cases) {
                Throwable failure = LoadClient.runBounded(c.subscribers() - live.get(), 200, () -> AblyConn.open(b.client(), t, b.options().format(), "",
                        onData, live::decrementAndGet).compose(s -> s.attach("incoming-chat")).onSuccess(x -> live.incrementAndGet()));
                if (failure != null) throw new IllegalStateException("subscribers did not connect: " + failure, failure);
                // Unrecorded, at the case's own rate: the compiler settles (C2 took a third of a core through the first
                // case's 15 s after a short warm-up) and the figures are the steady state's.
                publish(b, pub, rec, step++, c.rate(), b.smoke() ? 0.5 : WARM_UP_SECONDS, live.get(), t);
                if (loadFrom < 0) loadFrom = Pauses.uptime(t);
                int id = step++;
                double[] r = publish(b, pub, rec, id, c.rate(), c.seconds(), live.get(), t);
                long published = (long) r[0], expected = (long) r[1];
                long delivered = rec.received(id);
                Histogram h = rec.latency(id);
                String name = c.subscribers() + " subs @ " + Plot.trim(c.rate()) + "/s";
                csv.row(c.subscribers(), c.rate(), published, expected, delivered, expected - delivered, Bench.ms(h.percentile(0.5)),
                        Bench.ms(h.percentile(0.9)), Bench.ms(h.percentile(0.99)), Bench.ms(h.maxMicros()), r[2], r[3]);
                if (!Double.isNaN(c.p50Target())) {
                    b.add("db-roundtrip", name, "p50", Bench.ms(h.percentile(0.5)), "ms", "<= " + Plot.trim(c.p50Target()),
                            Bench.ms(h.percentile(0.5)) <= c.p50Target());
                } else {
                    b.add("db-roundtrip", name, "p50", Bench.ms(h.percentile(0.5)), "ms", null, null);
                }
                b.add("db-roundtrip", name, "p90", Bench.ms(h.percentile(0.9)), "ms", null, null);
                b.add("db-roundtrip", name, "p99", Bench.ms(h.percentile(0.99)), "ms", "<= " + Plot.trim(c.p99Target()),
                        Bench.ms(h.percentile(0.99)) <= c.p99Target());
                b.add("db-roundtrip", name, "max", Bench.ms(h.maxMicros()), "ms", null, null);
                b.add("db-roundtrip", name, "of which commit→delivery p50", Bench.ms(commitLatency[id].percentile(0.5)), "ms", null, null);
                b.add("db-roundtrip", name, "of which commit→delivery p99", Bench.ms(commitLatency[id].percentile(0.99)), "ms", null, null);
                Histogram ack = ackLatency.get(id);
                b.add("db-roundtrip", name, "chat ACK (row committed) p50", Bench.ms(ack.percentile(0.5)), "ms", null, null);
                b.add("db-roundtrip", name, "chat ACK (row committed) p99", Bench.ms(ack.percentile(0.99)), "ms",
                        c.rate() >= 200 ? "<= 10" : null, c.rate() >= 200 ? Bench.ms(ack.percentile(0.99)) <= 10 : null);
                b.add("db-roundtrip", name, "NACKs", pub.nacks(), "msgs", "0", pub.nacks() == 0);
                b.add("db-roundtrip", name, "lost", expected - delivered, "msgs", "0", expected == delivered);
                b.add("db-roundtrip", name, "server JVM CPU per message (JIT excluded)", r[2], "µs", null, null);
                b.add("db-roundtrip", name, "PostgreSQL CPU per message", r[3], "µs", null, null);
                cdfs.add(Plot.Series.cdfMillis(name, h));
            }
            Pauses.report(b, "db-roundtrip", "under load", t, Math.max(0, loadFrom));
        }
        csv.write(b.out().resolve("db-roundtrip.csv"));
        Plot.cdf("Database round trip: chatMsg publish → INSERT → WAL → subscriber", cdfs, b.out().resolve("db-roundtrip-latency-cdf.png"));
        Plot.timeSeries("Database round trip: deliveries per second", "deliveries/s", List.of(rec.rateSeries("deliveries/s")),
                b.out().resolve("db-roundtrip-throughput.png"));
    }

    /** Publishes at the rate for the duration, waits for the deliveries; returns published, expected, server and DB CPU µs/message. */
    private double[] publish(Bench b, AblyConn pub, Recorder rec, int id, double rate, double seconds, int subscribers, Target t)
            throws InterruptedException {
        double cpu0 = t.workCpuSeconds(), db0 = t.childCpuSeconds();
        Histogram acks = new Histogram();
        pub.context().runOnContext(v -> pub.timeAcks(acks));
        AtomicLong sent = new AtomicLong();
        long start = System.nanoTime();
        long[] timer = new long[1];
        pub.context().runOnContext(v -> timer[0] = b.client().vertx().setPeriodic(2, tid -> {
            long due = (long) (rate * (System.nanoTime() - start) / 1e9);
            for (long k = sent.get(); k < due; k++) {
                String data = "{\"username\":\"bench\",\"content\":\"" + Marker.make(id, k, System.nanoTime()) + "\"}";
                pub.publish("outgoing-chat", "chatMsg", data);
            }
            sent.set(Math.max(sent.get(), due));
        }));
        Thread.sleep((long) (seconds * 1000));
        pub.context().runOnContext(v -> b.client().vertx().cancelTimer(timer[0]));
        Thread.sleep(20);
        long published = sent.get();
        long expected = published * subscribers;
        rec.awaitStep(id, expected, 15_000);
        double cpu = (t.workCpuSeconds() - cpu0) * 1e6 / Math.max(1, published);
        double db = (t.childCpuSeconds() - db0) * 1e6 / Math.max(1, published);
        ackLatency.put(id, acks);
        return new double[] {published, expected, cpu, db};
    }
}
