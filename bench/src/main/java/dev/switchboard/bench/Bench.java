package dev.switchboard.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every scenario shares: the options, the load client, where results go, and the summary table
 * (one row per figure, with its target and whether it was met).
 */
public final class Bench implements AutoCloseable {
    /** @param smoke tiny scale for the test run; @param url/key an already running server instead of starting one */
    public record Options(boolean smoke, boolean quick, Path out, String url, String key, long serverPid, String jdbcUrl, List<String> serverJvmArgs,
                          Path peerDir, String format, int[] fanoutSizes, int connections, int clusterSubs, double clusterRate) {}

    public record Row(String scenario, String caseName, String metric, double value, String unit, String target, Boolean ok) {}

    private final Options options;
    private final LoadClient client;
    private final List<Row> rows = new ArrayList<>();
    /** Figures one scenario leaves for another (the fan-out's best rates, for the peer ratio). */
    final Map<String, Double> shared = new ConcurrentHashMap<>();
    /** Per fan-out size and target: {rate, p99 ms, server µs/delivery} of each step, for the side-by-side plots. */
    final Map<String, List<double[]>> curves = new ConcurrentHashMap<>();

    public Bench(Options options) {
        this.options = options;
        this.client = new LoadClient(Math.max(2, Runtime.getRuntime().availableProcessors()), 16);
    }

    public Options options() { return options; }

    public boolean smoke() { return options.smoke(); }

    /** Development scale: fewer and shorter steps where a scenario has many. */
    public boolean quick() { return options.quick(); }

    public LoadClient client() { return client; }

    public Path out() { return options.out(); }

    /** The Switchboard under test: the given URL, or a fresh server process for this scenario. */
    public Target switchboard(String label, boolean chat) {
        return switchboard(label, chat, null);
    }

    /** As {@link #switchboard(String, boolean)}, a started server reading {@code configJson} as its config file. */
    public Target switchboard(String label, boolean chat, String configJson) {
        if (options.url() != null) {
            java.net.URI u = java.net.URI.create(options.url());
            return new Target.External("switchboard", u.getHost(), u.getPort() < 0 ? 80 : u.getPort(), options.key(), options.serverPid(),
                    options.jdbcUrl());
        }
        return ServerProcess.switchboard(out(), label, options.serverJvmArgs(), chat, configJson);
    }

    public synchronized void add(String scenario, String caseName, String metric, double value, String unit, String target, Boolean ok) {
        Row r = new Row(scenario, caseName, metric, value, unit, target, ok);
        rows.add(r);
        System.out.printf(Locale.ROOT, "  %-13s %-28s %-30s %14s %-8s %-18s %s%n", scenario, caseName, metric, num(value), unit,
                target == null ? "" : target, ok == null ? "" : ok ? "ok" : "MISSED");
    }

    public synchronized List<Row> rows() { return List.copyOf(rows); }

    /** Writes summary.csv and prints the whole table. */
    public void finish() {
        Csv csv = new Csv("scenario", "case", "metric", "value", "unit", "target", "met");
        for (Row r : rows()) csv.row(r.scenario(), r.caseName(), r.metric(), r.value(), r.unit(), r.target(), r.ok() == null ? "" : r.ok());
        csv.write(out().resolve("summary.csv"));
        System.out.println();
        System.out.println("=== Summary (" + out().resolve("summary.csv") + ") ===");
        System.out.printf(Locale.ROOT, "%-13s %-28s %-30s %14s %-8s %-18s %s%n", "scenario", "case", "metric", "value", "unit", "target", "met");
        for (Row r : rows()) {
            System.out.printf(Locale.ROOT, "%-13s %-28s %-30s %14s %-8s %-18s %s%n", r.scenario(), r.caseName(), r.metric(), num(r.value()),
                    r.unit(), r.target() == null ? "" : r.target(), r.ok() == null ? "" : r.ok() ? "ok" : "MISSED");
        }
    }

    static String num(double v) {
        if (Double.isNaN(v)) return "n/a";
        if (v == Math.rint(v) && Math.abs(v) < 1e12) return String.format(Locale.ROOT, "%,d", (long) v);
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%,.0f" : "%.2f", v);
    }

    static double ms(long micros) { return micros / 1000.0; }

    @Override
    public void close() { client.close(); }

    static Path resolvePeerDir(Path given) {
        if (given != null) return given;
        for (String p : new String[] {"bench/peer", "peer", "../bench/peer"}) if (Files.isDirectory(Path.of(p))) return Path.of(p).toAbsolutePath();
        return Path.of("bench/peer").toAbsolutePath();
    }
}
