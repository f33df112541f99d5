package dev.switchboard.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs benchmark scenarios and writes a table to stdout plus CSVs and PNG plots.
 * <pre>
 * java -jar bench/target/switchboard-bench.jar [db-roundtrip] [fanout] [cdc] [persisted] [connections] [peer] [cluster] [options]
 *   --smoke                 tiny scale (what the test run does)
 *   --quick                 development scale: seven 3 s fan-out steps at 1,000 subscribers, 5,000 connections
 *   --runs N                run the scenarios N times (default 3; 1 with --smoke or --quick): each figure as min/median/max
 *   --out DIR               results directory (default bench/results)
 *   --url URL --key KEY     target a running Switchboard instead of starting one per scenario
 *   --server-pid PID        with --url: the server's process, to report its CPU and memory
 *   --jdbc URL              with --url: the database (user postgres) for the cdc scenario
 *   --server-jvm "ARGS"     JVM options of the started server (default "-Xms1g -Xmx1g": G1, as ./run.sh on JDK 17)
 *   --server-java DIR       the Java home the started server runs on (default this JVM's), e.g. a JDK 21+ for generational ZGC
 *   --format json|msgpack   wire format of the load clients (default json)
 *   --peer-dir DIR          the Socket.IO peer (default bench/peer)
 *   --fanout-subs 1000,5000 subscriber counts of fanout and peer
 *   --connections 19000     idle connections of the connections scenario
 *   --cluster-subs 1000     subscribers of the cluster scenario (on node A)
 *   --cluster-rate 200      publish rate of the cluster scenario, msg/s (publisher on node B)
 * </pre>
 */
public final class BenchMain {
    private BenchMain() {}

    public static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    static {
        SCENARIOS.put("db-roundtrip", new DbRoundtrip());
        SCENARIOS.put("fanout", new Fanout(false));
        SCENARIOS.put("cdc", new Cdc());
        SCENARIOS.put("persisted", new Persisted());
        SCENARIOS.put("connections", new Connections());
        SCENARIOS.put("peer", new Fanout(true));
        SCENARIOS.put("cluster", new Cluster());
        SCENARIOS.put("chat-room", new ChatRoom());
    }

    public static void main(String[] args) throws Exception {
        int failed = run(args);
        System.exit(failed == 0 ? 0 : 1);
    }

    /** Runs and returns how many scenarios failed to run (missed targets are reported, not failures). */
    public static int run(String... args) throws Exception {
        List<String> names = new ArrayList<>();
        boolean smoke = false, quick = false;
        int runs = 0;
        Path out = Path.of("bench/results");
        String url = null, key = null, jdbc = null, format = "json";
        long pid = -1;
        // G1, as ./run.sh on JDK 17: ZGC there (not generational) cost 20-45 % of the persisted scenario's throughput
        // on these 2 cores (docs/benchmarks.md section 12).
        List<String> jvm = List.of("-Xms1g", "-Xmx1g");
        Path peer = null;
        int[] sizes = null;
        int connections = 0, clusterSubs = 0;
        double clusterRate = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--quick" -> quick = true;
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--url" -> url = args[++i];
                case "--key" -> key = args[++i];
                case "--server-pid" -> pid = Long.parseLong(args[++i]);
                case "--jdbc" -> jdbc = args[++i];
                case "--server-jvm" -> jvm = List.of(args[++i].trim().split("\\s+"));
                case "--server-java" -> ServerProcess.useJava(Path.of(args[++i]));
                case "--format" -> format = args[++i];
                case "--peer-dir" -> peer = Path.of(args[++i]);
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--cluster-subs" -> clusterSubs = Integer.parseInt(args[++i]);
                case "--cluster-rate" -> clusterRate = Double.parseDouble(args[++i]);
                case "--fanout-subs" -> sizes = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "-h", "--help" -> {
                    System.out.println("Scenarios: " + String.join(" ", SCENARIOS.keySet()) + "\nSee BenchMain's Javadoc for options.");
                    return 0;
                }
                default -> {
                    if (!SCENARIOS.containsKey(args[i])) throw new IllegalArgumentException("Unknown scenario or option: " + args[i]);
                    names.add(args[i]);
                }
            }
        }
        if (names.isEmpty()) names.addAll(SCENARIOS.keySet());
        if (runs <= 0) runs = smoke || quick ? 1 : 3;
        Path base = out.toAbsolutePath();
        java.nio.file.Files.createDirectories(base);
        int failed = 0;
        List<List<Bench.Row>> results = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            // Several runs: each keeps its own CSVs and plots; the top-level summary.csv has min/median/max.
            Path dir = runs == 1 ? base : base.resolve("run" + run);
            Bench.Options options = new Bench.Options(smoke, quick, dir, url, key, pid, jdbc, jvm, Bench.resolvePeerDir(peer), format, sizes,
                    connections, clusterSubs, clusterRate);
            java.nio.file.Files.createDirectories(dir);
            if (runs > 1) System.out.println("\n===== run " + run + " of " + runs + " =====");
            System.out.println(Environment.describe(options));
            try (Bench bench = new Bench(options)) {
                for (String name : names) {
                    long t0 = System.nanoTime();
                    System.out.println("\n--- " + name + (smoke ? " (smoke)" : quick ? " (quick)" : "") + " ---");
                    try {
                        SCENARIOS.get(name).run(bench);
                    } catch (Exception | AssertionError e) {
                        failed++;
                        System.out.println("  scenario " + name + " failed: " + e);
                        e.printStackTrace(System.out);
                    }
                    System.out.printf("  (%s took %.0f s)%n", name, (System.nanoTime() - t0) / 1e9);
                }
                bench.finish();
                results.add(bench.rows());
            }
        }
        if (runs > 1) RunSummary.write(RunSummary.aggregate(results), runs, base.resolve("summary.csv"));
        return failed;
    }
}
