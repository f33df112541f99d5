package dev.switchboard.bench;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An Ably Chat room: messages sent as the Chat SDK sends them ({@code POST /chat/v4/rooms/{room}/messages}, answered
 * once the message is committed to PostgreSQL) at a fixed rate, received by N connections attached to the room's
 * channel {@code <room>::$chat}. Latency is send → delivery in the load client's clock; every message must reach every
 * receiver. The send's own latency (→ 201) is the persisted ACK.
 */
final class ChatRoom implements Scenario {
    private static final String ROOM = "bench-room";

    @Override
    public void run(Bench b) throws Exception {
        int receivers = b.smoke() ? 10 : 100;
        double rate = b.smoke() ? 20 : 100;
        double seconds = b.smoke() ? 2 : 15;
        Recorder rec = new Recorder();
        Csv csv = new Csv("receivers", "rate_msg_s", "sent", "failed_sends", "expected", "delivered", "lost", "p50_ms", "p99_ms", "max_ms",
                "send_p50_ms", "send_p99_ms", "server_cpu_us_per_message");
        try (Target t = b.switchboard("chat-room", false)) {
            AtomicInteger live = new AtomicInteger();
            Throwable failure = LoadClient.runBounded(receivers, 100, () -> AblyConn.open(b.client(), t, b.options().format(), "&clientId=reader",
                    buf -> Marker.scan(buf, (step, seq, nanos, f, end) -> rec.delivered(step, nanos)), live::decrementAndGet)
                    .compose(c -> c.attach(ROOM + "::$chat")).onSuccess(x -> live.incrementAndGet()));
            if (failure != null) throw new IllegalStateException("receivers did not attach: " + failure, failure);
            HttpClient http = b.client().vertx().createHttpClient(new HttpClientOptions().setDefaultHost(t.host()).setDefaultPort(t.port())
                    .setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(32));
            String auth = "Basic " + Base64.getEncoder().encodeToString(t.key().getBytes(StandardCharsets.UTF_8));
            String sender = Base64.getEncoder().encodeToString("bench-sender".getBytes(StandardCharsets.UTF_8));
            Context context = b.client().vertx().getOrCreateContext();
            send(b, http, auth, sender, context, rec, 0, 50, b.smoke() ? 0.5 : 3, live.get(), new Histogram()); // warm-up
            Histogram sends = new Histogram();
            double cpu0 = t.workCpuSeconds();
            long[] r = send(b, http, auth, sender, context, rec, 1, rate, seconds, live.get(), sends);
            double cpu = (t.workCpuSeconds() - cpu0) * 1e6 / Math.max(1, r[0]);
            long sent = r[0], failed = r[1], expected = r[2];
            long delivered = rec.received(1);
            Histogram h = rec.latency(1);
            String name = live.get() + " receivers @ " + Plot.trim(rate) + "/s";
            b.add("chat-room", name, "send → delivery p50", Bench.ms(h.percentile(0.5)), "ms", null, null);
            b.add("chat-room", name, "send → delivery p99", Bench.ms(h.percentile(0.99)), "ms", "<= 20", Bench.ms(h.percentile(0.99)) <= 20);
            b.add("chat-room", name, "send → delivery max", Bench.ms(h.maxMicros()), "ms", null, null);
            b.add("chat-room", name, "send answered (committed) p99", Bench.ms(sends.percentile(0.99)), "ms", null, null);
            b.add("chat-room", name, "failed sends", failed, "msgs", "0", failed == 0);
            b.add("chat-room", name, "lost", expected - delivered, "msgs", "0", expected == delivered);
            b.add("chat-room", name, "server JVM CPU per message", cpu, "µs", null, null);
            csv.row(live.get(), rate, sent, failed, expected, delivered, expected - delivered, Bench.ms(h.percentile(0.5)),
                    Bench.ms(h.percentile(0.99)), Bench.ms(h.maxMicros()), Bench.ms(sends.percentile(0.5)), Bench.ms(sends.percentile(0.99)), cpu);
            csv.write(b.out().resolve("chat-room.csv"));
            Plot.cdf("Chat room: send (REST, committed) → delivery", List.of(Plot.Series.cdfMillis(name, h)), b.out().resolve("chat-room-latency-cdf.png"));
            http.close();
        }
    }

    /** Sends at the rate for the duration and waits for the deliveries; returns sent, failed sends, expected deliveries. */
    private static long[] send(Bench b, HttpClient http, String auth, String sender, Context context, Recorder rec, int step, double rate,
                               double seconds, int receivers, Histogram sends) throws InterruptedException {
        AtomicLong sent = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        long[] timer = new long[1];
        context.runOnContext(v -> timer[0] = b.client().vertx().setPeriodic(2, tid -> {
            long due = (long) (rate * (System.nanoTime() - start) / 1e9);
            for (long k = sent.get(); k < due; k++) {
                long at = System.nanoTime();
                Buffer body = Buffer.buffer("{\"text\":\"" + Marker.make(step, k, at) + "\"}");
                http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/chat/v4/rooms/" + ROOM + "/messages")
                                .putHeader("Authorization", auth).putHeader("X-Ably-ClientId", sender).putHeader("X-Ably-Version", "4")
                                .putHeader("Content-Type", "application/json"))
                        .compose(req -> req.send(body))
                        .onSuccess(res -> {
                            if (res.statusCode() != 201) failed.incrementAndGet();
                            else sends.record((System.nanoTime() - at) / 1000);
                            res.body();
                        })
                        .onFailure(e -> failed.incrementAndGet());
            }
            sent.set(Math.max(sent.get(), due));
        }));
        Thread.sleep((long) (seconds * 1000));
        context.runOnContext(v -> b.client().vertx().cancelTimer(timer[0]));
        Thread.sleep(20);
        long total = sent.get();
        long expected = (total - failed.get()) * receivers;
        rec.awaitStep(step, expected, 15_000);
        return new long[] {total, failed.get(), expected};
    }
}
