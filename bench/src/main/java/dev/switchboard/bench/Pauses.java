package dev.switchboard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server JVM's stop-the-world pauses, from its safepoint log ({@code -Xlog:safepoint}, which the started server
 * always writes): every safepoint, GC or not, with the same meaning for G1 and ZGC — the time its threads stood still.
 */
final class Pauses {
    private static final Pattern TOTAL = Pattern.compile("^\\[([0-9.]+)s\\].*Total: (\\d+) ns");

    record Summary(long count, double p50Ms, double p99Ms, double maxMs, double stoppedMsPerSecond) {}

    private Pauses() {}

    /** How long {@code t}'s process has run, in seconds (its safepoint log's clock, near enough); 0 when unknown. */
    static double uptime(Target t) {
        if (!(t instanceof ServerProcess p)) return 0;
        return p.startedAt().map(at -> (System.currentTimeMillis() - at.toEpochMilli()) / 1000.0).orElse(0.0);
    }

    /** The JVM option that writes the log {@link #read} reads. */
    static String logOption(Path file) { return "-Xlog:safepoint:file=" + file + ":uptime"; }

    /** Pauses that began at or after {@code fromUptimeSeconds} of the JVM's life; null when there is no log. */
    static Summary read(Path file, double fromUptimeSeconds) {
        if (file == null || !Files.exists(file)) return null;
        Histogram h = new Histogram();
        double first = Double.NaN, last = Double.NaN, stoppedNs = 0;
        try {
            for (String line : Files.readAllLines(file)) {
                Matcher m = TOTAL.matcher(line);
                if (!m.find()) continue;
                double at = Double.parseDouble(m.group(1));
                if (at < fromUptimeSeconds) continue;
                long ns = Long.parseLong(m.group(2));
                h.record(Math.max(1, ns / 1000));
                stoppedNs += ns;
                if (Double.isNaN(first)) first = at;
                last = at;
            }
        } catch (IOException e) {
            return null;
        }
        if (h.count() == 0) return new Summary(0, 0, 0, 0, 0);
        double span = Math.max(1, last - first);
        return new Summary(h.count(), h.percentile(0.5) / 1000.0, h.percentile(0.99) / 1000.0, h.maxMicros() / 1000.0, stoppedNs / 1e6 / span);
    }

    /** Adds the pause figures of a scenario's server since {@code fromUptimeSeconds} (start-up left out) to the summary. */
    static void report(Bench b, String scenario, String caseName, Target t, double fromUptimeSeconds) {
        if (!(t instanceof ServerProcess p)) return;
        Summary s = read(p.safepointLog(), fromUptimeSeconds);
        if (s == null) return;
        b.add(scenario, caseName, "server pauses", s.count(), "", null, null);
        b.add(scenario, caseName, "server pauses p99", s.p99Ms(), "ms", null, null);
        b.add(scenario, caseName, "server pauses max", s.maxMs(), "ms", null, null);
        b.add(scenario, caseName, "server stopped per second", s.stoppedMsPerSecond(), "ms/s", null, null);
    }
}
