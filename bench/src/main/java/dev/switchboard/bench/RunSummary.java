package dev.switchboard.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of several runs of the same scenarios, side by side: per figure its minimum, median and maximum, and
 * whether the median meets the target. One run's figure moves a lot on a shared 2-core machine; the median of three
 * is what the docs quote.
 */
final class RunSummary {
    record Figure(String scenario, String caseName, String metric, String unit, String target, double[] values) {
        double min() { return Arrays.stream(values).filter(v -> !Double.isNaN(v)).min().orElse(Double.NaN); }

        double max() { return Arrays.stream(values).filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN); }

        double median() {
            double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
            if (v.length == 0) return Double.NaN;
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        /** Whether the median meets a target written as {@code <= x} or {@code >= x}; null without one. */
        Boolean met() { return meets(target, median()); }
    }

    private RunSummary() {}

    /** Figures in the order they first appeared; a figure missing from a run counts as NaN there. */
    static List<Figure> aggregate(List<List<Bench.Row>> runs) {
        Map<String, Bench.Row> first = new LinkedHashMap<>();
        for (List<Bench.Row> run : runs) for (Bench.Row r : run) first.putIfAbsent(key(r), r);
        List<Figure> figures = new ArrayList<>();
        for (Map.Entry<String, Bench.Row> e : first.entrySet()) {
            double[] values = new double[runs.size()];
            for (int i = 0; i < runs.size(); i++) {
                values[i] = runs.get(i).stream().filter(r -> key(r).equals(e.getKey())).mapToDouble(Bench.Row::value).findFirst().orElse(Double.NaN);
            }
            Bench.Row r = e.getValue();
            figures.add(new Figure(r.scenario(), r.caseName(), r.metric(), r.unit(), r.target(), values));
        }
        return figures;
    }

    static Boolean meets(String target, double value) {
        if (target == null || Double.isNaN(value)) return null;
        String t = target.trim();
        try {
            if (t.startsWith("<=")) return value <= Double.parseDouble(t.substring(2).trim());
            if (t.startsWith(">=")) return value >= Double.parseDouble(t.substring(2).trim());
        } catch (NumberFormatException e) {
            return null;
        }
        return null;
    }

    /** Writes {@code summary.csv} (one row per figure: every run's value, min, median, max) and prints the table. */
    static void write(List<Figure> figures, int runs, Path file) {
        List<String> header = new ArrayList<>(List.of("scenario", "case", "metric"));
        for (int i = 1; i <= runs; i++) header.add("run" + i);
        header.addAll(List.of("min", "median", "max", "unit", "target", "median_met"));
        Csv csv = new Csv(header.toArray(new String[0]));
        for (Figure f : figures) {
            List<Object> row = new ArrayList<>(List.of(f.scenario(), f.caseName(), f.metric()));
            for (double v : f.values()) row.add(v);
            row.addAll(Arrays.asList(f.min(), f.median(), f.max(), f.unit(), f.target(), f.met() == null ? "" : f.met()));
            csv.row(row.toArray());
        }
        csv.write(file);
        System.out.println();
        System.out.println("=== Summary of " + runs + " runs, min / median / max (" + file + ") ===");
        System.out.printf(Locale.ROOT, "%-13s %-28s %-30s %12s %12s %12s %-8s %-14s %s%n", "scenario", "case", "metric", "min", "median", "max",
                "unit", "target", "median met");
        for (Figure f : figures) {
            System.out.printf(Locale.ROOT, "%-13s %-28s %-30s %12s %12s %12s %-8s %-14s %s%n", f.scenario(), f.caseName(), f.metric(),
                    Bench.num(f.min()), Bench.num(f.median()), Bench.num(f.max()), f.unit(), f.target() == null ? "" : f.target(),
                    f.met() == null ? "" : f.met() ? "ok" : "MISSED");
        }
    }

    private static String key(Bench.Row r) { return r.scenario() + "\u0000" + r.caseName() + "\u0000" + r.metric(); }
}
