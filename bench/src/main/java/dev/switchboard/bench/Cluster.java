package dev.switchboard.bench;

import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Scale-out through Redis, three set-ups in one run: one Switchboard node (in memory, the baseline), two Switchboard
 * nodes sharing a Redis, and two Socket.IO 4.8 processes joined by the official Redis adapter. Subscribers are on node
 * A and the publisher on node B (on the one node for the baseline), so every message crosses Redis. Measured at one
 * fixed rate: publish → delivery latency, server CPU per delivery (all node processes), Redis CPU and Redis commands
 * per publish, client round trips ({@code MONITOR}) told apart from commands run inside scripts ({@code INFO
 * commandstats} counts both). Each clustered set-up gets a fresh redis-server of its own on a spare port.
 */
final class Cluster implements Scenario {
    /** One system under test: Switchboard or Socket.IO, on one process or on {@code nodes} processes sharing a Redis. */
    private record Setup(String label, String slug, boolean socketIo, int nodes) {
        boolean redis() { return nodes > 1; }
    }

    private static final List<Setup> SETUPS = List.of(
            new Setup("switchboard 1 node", "switchboard-1", false, 1),
            new Setup("switchboard 2 nodes+redis", "switchboard-2", false, 2),
            new Setup("socket.io 2 nodes+redis", "socketio-2", true, 2));

    /** The server processes of one set-up: subscribers go to the first, the publisher to the last. */
    private record Nodes(List<Target> all) implements AutoCloseable {
        Target subscriberNode() { return all.get(0); }

        Target publisherNode() { return all.get(all.size() - 1); }

        /** CPU seconds of every node process together (JIT compilers left out): a delivery's cost is spread over both nodes. */
        double cpuSeconds() {
            double sum = 0;
            for (Target t : all) sum += t.workCpuSeconds();
            return sum;
        }

        /** As {@link #cpuSeconds()}, with the nodes' embedded PostgreSQL processes. */
        double cpuSecondsWithDatabases() {
            double sum = cpuSeconds();
            for (Target t : all) sum += t.childCpuSeconds();
            return sum;
        }

        @Override
        public void close() {
            for (Target t : all) t.close();
        }
    }

    @Override
    public void run(Bench b) throws Exception {
        if (b.options().url() != null) {
            System.out.println("  cluster starts its own nodes and Redis: skipped with --url");
            return;
        }
        int subs = b.options().clusterSubs() > 0 ? b.options().clusterSubs() : b.smoke() ? 20 : 1000;
        double rate = b.options().clusterRate() > 0 ? b.options().clusterRate() : b.smoke() ? 20 : 200;
        double seconds = b.smoke() ? 1 : 10;
        Recorder rec = new Recorder();
        Csv csv = new Csv("setup", "nodes", "subscribers", "rate_msg_s", "seconds", "published", "expected", "delivered", "lost",
                "deliveries_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "server_cpu_us_per_delivery", "publisher_node_cpu_us_per_publish", "client_cpu_us_per_delivery",
                "redis_cpu_us_per_publish", "redis_round_trips_per_publish", "redis_background_commands_s", "redis_commands_per_publish", "dropped_subscribers",
                "server_log_problems", "other_processes_cpu_cores", "load_average_1m");
        // calls and calls_per_publish: INFO commandstats over the measured step (commands run by scripts included);
        // sent_by_clients / run_by_scripts: MONITOR over the short step after it.
        Csv commands = new Csv("setup", "command", "calls", "calls_per_publish", "monitored_sent_by_clients", "monitored_run_by_scripts");
        Csv cdfCsv = new Csv("setup", "latency_ms", "fraction");
        List<Plot.Series> cdfs = new ArrayList<>();
        int stepId = 0;
        for (Setup setup : SETUPS) {
            int warmId = stepId++, id = stepId++;
            try (RedisProcess redis = setup.redis() ? RedisProcess.start(b.out(), "cluster-" + setup.slug()) : null;
                 Nodes nodes = start(b, setup, redis)) {
                AtomicInteger live = new AtomicInteger(), dropped = new AtomicInteger();
                Consumer<Buffer> onData = buf -> Marker.scan(buf, (step, seq, nanos, f, end) -> rec.delivered(step, nanos));
                Runnable onClose = () -> {
                    live.decrementAndGet();
                    dropped.incrementAndGet();
                };
                Throwable failure = LoadClient.runBounded(subs, 200, () -> Fanout.subscriber(b, nodes.subscriberNode(), setup.socketIo(), onData, onClose)
                        .onSuccess(x -> live.incrementAndGet()));
                if (failure != null) throw new IllegalStateException(setup.label() + ": subscribers did not connect: " + failure, failure);
                Fanout.Publisher pub = Fanout.publisher(b, nodes.publisherNode(), setup.socketIo());
                // Warm-up (JIT, buffers, the nodes' Redis subscriptions): not reported. Longer than fanout's 3 s: with 3 s the
                // publisher's node was still compiling its publish path in the measured step (its CPU load kept falling).
                Fanout.runStep(b, nodes::cpuSeconds, pub, rec, warmId, subs, rate, b.smoke() ? 0.5 : 10, live, dropped);
                rec.awaitQuiet(300, 10_000);

                Map<String, Long> calls0 = redis == null ? Map.of() : redis.commandCalls();
                double redisCpu0 = redis == null ? 0 : ProcStat.cpuSeconds(redis.pid());
                // What the machine spent besides the benchmark's processes: the cores were shared with other work.
                double ours0 = nodes.cpuSecondsWithDatabases() + redisCpu0 + ProcStat.cpuSeconds(ProcStat.self()), busy0 = ProcStat.machineBusySeconds();
                // Node B only publishes: its CPU per publish is the cost of the publish path through Redis on its own.
                double pubNode0 = nodes.publisherNode().cpuSeconds();
                long w0 = System.nanoTime();
                Fanout.Step s = Fanout.runStep(b, nodes::cpuSeconds, pub, rec, id, subs, rate, seconds, live, dropped);
                double redisCpu1 = redis == null ? 0 : ProcStat.cpuSeconds(redis.pid());
                double ours1 = nodes.cpuSecondsWithDatabases() + redisCpu1 + ProcStat.cpuSeconds(ProcStat.self()), busy1 = ProcStat.machineBusySeconds();
                double wall = (System.nanoTime() - w0) / 1e9;
                double pubNodeUs = setup.nodes() > 1 ? (nodes.publisherNode().cpuSeconds() - pubNode0) * 1e6 / Math.max(1, s.published()) : Double.NaN;
                double othersCores = Math.max(0, (busy1 - busy0) - (ours1 - ours0)) / wall;
                Map<String, Long> calls1 = redis == null ? Map.of() : redis.commandCalls();
                // The bench's own INFO calls are no part of a publish.
                Map<String, Long> delta = new TreeMap<>();
                calls1.forEach((k, v) -> delta.put(k, v - calls0.getOrDefault(k, 0L)));
                delta.remove("info");
                long published = Math.max(1, s.published());
                long allCalls = delta.values().stream().mapToLong(Long::longValue).sum();
                double commandsPerPublish = redis == null ? 0 : (double) allCalls / published;
                double redisUs = redis == null ? 0 : (redisCpu1 - redisCpu0) * 1e6 / published;

                // Who sent what, from a MONITOR over a further short step at the same rate (kept out of the measured
                // step, where MONITOR's own cost would inflate Redis's CPU and the latency).
                RedisProcess.Monitor.Counts who = null;
                long monitoredPublished = 0;
                double monitoredSeconds = 1;
                if (redis != null) {
                    long m0 = System.nanoTime();
                    try (RedisProcess.Monitor monitor = redis.monitor()) {
                        monitoredPublished = Fanout.runStep(b, nodes::cpuSeconds, pub, rec, stepId++, subs, rate, b.smoke() ? 0.5 : 3, live, dropped)
                                .published();
                        Thread.sleep(200); // the last MONITOR lines are still on their way
                        who = monitor.counts();
                        monitoredSeconds = (System.nanoTime() - m0) / 1e9;
                    }
                }
                // A round trip per publish: a command sent by a node that carries a message (its marker); the rest a
                // node sends (health pings, presence leases) is background, reported per second.
                double roundTrips = who == null ? 0 : (double) who.withMessage() / Math.max(1, monitoredPublished);
                double background = who == null ? 0 : who.withoutMessage() / monitoredSeconds;
                if (who != null) {
                    TreeSet<String> names = new TreeSet<>(delta.keySet());
                    names.addAll(who.fromClients().keySet());
                    names.addAll(who.fromScripts().keySet());
                    for (String name : names) {
                        long c = delta.getOrDefault(name, 0L);
                        long sent = who.fromClients().getOrDefault(name, 0L), scripted = who.fromScripts().getOrDefault(name, 0L);
                        if (c == 0 && sent == 0 && scripted == 0) continue; // e.g. the nodes' SUBSCRIBE, before the steps
                        commands.row(setup.label(), name, c, (double) c / published, sent, scripted);
                    }
                }
                int problems = logProblems(b.out(), setup);
                csv.row(setup.label(), setup.nodes(), s.subscribers(), rate, seconds, s.published(), s.expected(), s.delivered(), s.lost(),
                        s.deliveriesPerSecond(), Bench.ms(s.p50()), Bench.ms(s.p90()), Bench.ms(s.p99()), Bench.ms(s.max()), s.serverUsPerDelivery(),
                        pubNodeUs, s.clientUsPerDelivery(), redis == null ? null : redisUs, redis == null ? null : roundTrips,
                        redis == null ? null : background, redis == null ? null : commandsPerPublish, s.dropped(), problems, othersCores, loadAverage());
                System.out.printf(Locale.ROOT, "  %s: %d subs @ %.0f/s, p50 %.2f p99 %.2f max %.1f ms, lost %d, server %.2f µs/delivery, "
                                + "redis %.1f µs/publish, %.3f round trips and %.2f commands per publish (%.1f background/s), dropped %d, log problems %d, other processes %.2f cores, load %.2f%n",
                        setup.label(), s.subscribers(), rate, Bench.ms(s.p50()), Bench.ms(s.p99()), Bench.ms(s.max()), s.lost(),
                        s.serverUsPerDelivery(), redisUs, roundTrips, commandsPerPublish, background, s.dropped(), problems, othersCores, loadAverage());
                if (who != null) System.out.println("    redis calls in the step: " + delta + "; monitored: sent by nodes " + who.fromClients()
                        + ", by scripts " + who.fromScripts());

                boolean target = !setup.socketIo() && setup.redis();
                String c = setup.label();
                b.add("cluster", c, "p50 @ " + Plot.trim(rate) + "/s x " + subs, Bench.ms(s.p50()), "ms", null, null);
                b.add("cluster", c, "p99 @ " + Plot.trim(rate) + "/s x " + subs, Bench.ms(s.p99()), "ms", target ? "<= 20" : null,
                        target ? s.p99() <= 20_000 : null);
                b.add("cluster", c, "max", Bench.ms(s.max()), "ms", null, null);
                b.add("cluster", c, "lost", s.lost(), "msgs", "0", s.lost() == 0);
                b.add("cluster", c, "server CPU per delivery", s.serverUsPerDelivery(), "µs", null, null);
                if (setup.nodes() > 1) b.add("cluster", c, "node B (publisher) CPU per publish", pubNodeUs, "µs", null, null);
                b.add("cluster", c, "client CPU per delivery", s.clientUsPerDelivery(), "µs", null, null);
                b.add("cluster", c, "others' CPU during the step", othersCores, "cores", null, null);
                if (redis != null) {
                    b.add("cluster", c, "Redis round trips per publish", roundTrips, "", target ? "<= 1" : null, target ? roundTrips <= 1.0 : null);
                    b.add("cluster", c, "Redis background commands", background, "/s", null, null);
                    b.add("cluster", c, "Redis commands per publish", commandsPerPublish, "", null, null);
                    b.add("cluster", c, "Redis CPU per publish", redisUs, "µs", null, null);
                }
                Plot.Series cdf = Plot.Series.cdfMillis(setup.label(), rec.latency(id));
                for (int i = 0; i < cdf.x().length; i++) cdfCsv.row(setup.label(), cdf.x()[i], cdf.y()[i]);
                cdfs.add(cdf);
            }
        }
        csv.write(b.out().resolve("cluster.csv"));
        commands.write(b.out().resolve("cluster-redis-commands.csv"));
        cdfCsv.write(b.out().resolve("cluster-latency-cdf.csv"));
        Plot.cdf("Cross-node publish→delivery latency, " + subs + " subscribers @ " + Plot.trim(rate) + " msg/s", cdfs,
                b.out().resolve("cluster-latency-cdf.png"));
    }

    private static Nodes start(Bench b, Setup setup, RedisProcess redis) {
        List<Target> started = new ArrayList<>();
        try {
            for (int i = 0; i < setup.nodes(); i++) {
                String label = "cluster-" + setup.slug() + (setup.nodes() > 1 ? "-" + (char) ('a' + i) : "");
                if (setup.socketIo()) {
                    started.add(ServerProcess.socketIo(b.out(), b.options().peerDir(), label, redis == null ? null : redis.url()));
                } else {
                    Map<String, String> env = redis == null ? Map.of() : Map.of("SWITCHBOARD_REDIS_URL", redis.url());
                    started.add(ServerProcess.switchboard(b.out(), label, b.options().serverJvmArgs(), false, null, env));
                }
            }
            return new Nodes(List.copyOf(started));
        } catch (RuntimeException e) {
            started.forEach(Target::close);
            throw e;
        }
    }

    /** The machine's 1-minute load average now, NaN if unknown. */
    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Lines of the set-up's node logs that report a problem (the nodes log at WARN, so any WARN/ERROR/exception). */
    private static int logProblems(Path out, Setup setup) {
        int n = 0;
        for (int i = 0; i < setup.nodes(); i++) {
            Path log = out.resolve("server-cluster-" + setup.slug() + (setup.nodes() > 1 ? "-" + (char) ('a' + i) : "") + ".log");
            try {
                for (String line : Files.readAllLines(log)) {
                    if (line.contains("WARN") || line.contains("ERROR") || line.contains("Exception") || line.startsWith("redis: ")) n++;
                }
            } catch (IOException e) {
                // no log: nothing reported
            }
        }
        return n;
    }
}
