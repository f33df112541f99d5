package dev.switchboard.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every benchmark scenario at tiny scale (20 subscribers, a second or two per step, 200 connections), so the
 * benchmarks keep working as the server changes. Targets are not asserted here (the machine is shared while
 * tests run); delivery is: nothing may be lost, and each scenario must leave its CSVs and plots.
 */
class BenchSmokeIT {
    @Test
    void everyScenarioRunsAtSmokeScaleWithoutLoss() throws Exception {
        Path out = Path.of("target/bench-smoke").toAbsolutePath();
        int failed = BenchMain.run("--smoke", "--out", out.toString(), "--server-jvm", "-Xmx512m");
        assertThat(failed).as("scenarios that failed to run").isZero();

        List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
        assertThat(summary).anyMatch(l -> l.startsWith("db-roundtrip,")).anyMatch(l -> l.startsWith("fanout,"))
                .anyMatch(l -> l.startsWith("cdc,")).anyMatch(l -> l.startsWith("connections,")).anyMatch(l -> l.startsWith("peer,"))
                .anyMatch(l -> l.startsWith("cluster,"));
        for (String line : summary) {
            String[] f = line.split(",");
            if (f.length > 3 && f[2].equals("lost")) assertThat(Double.parseDouble(f[3])).as(line).isZero();
            if (f.length > 3 && f[2].startsWith("highest rate")) assertThat(Double.parseDouble(f[3])).as(line).isPositive();
            if (f.length > 3 && f[2].startsWith("held")) assertThat(Double.parseDouble(f[3])).as(line).isEqualTo(200);
            // The MONITOR saw the nodes' commands carrying the messages (a publish crossing Redis without one is impossible).
            if (f.length > 3 && f[2].equals("Redis round trips per publish")) assertThat(Double.parseDouble(f[3])).as(line).isPositive();
        }
        // The nodes log at WARN: a clustered start and load write no warning (Lettuce once warned on every client).
        List<String> cluster = Files.readAllLines(out.resolve("cluster.csv"));
        int problems = List.of(cluster.get(0).split(",")).indexOf("server_log_problems");
        for (String row : cluster.subList(1, cluster.size())) {
            if (row.startsWith("switchboard")) assertThat(row.split(",")[problems]).as(row).isEqualTo("0");
        }
        for (String file : List.of("environment.txt", "db-roundtrip.csv", "db-roundtrip-latency-cdf.png", "fanout-steps.csv",
                "fanout-latency-cdf.csv", "fanout-latency-cdf.png", "fanout-throughput.png", "cdc.csv", "cdc-latency-cdf.png",
                "connections.csv", "peer-steps.csv", "peer-latency-cdf.png", "cluster.csv", "cluster-redis-commands.csv", "cluster-latency-cdf.png")) {
            assertThat(out.resolve(file)).as(file).exists();
            assertThat(Files.size(out.resolve(file))).as(file).isPositive();
        }
    }
}
