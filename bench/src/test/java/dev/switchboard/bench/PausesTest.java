package dev.switchboard.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class PausesTest {
    @Test
    void readsEverySafepointsTotalAsItsPause(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("safepoints.log");
        Files.writeString(log, String.join("\n",
                "[0.500s] Safepoint \"G1CollectForAllocation\", Time since last: 1000 ns, Reaching safepoint: 2000 ns, At safepoint: 3000000 ns, Total: 3002000 ns",
                "[1.500s] Safepoint \"Cleanup\", Time since last: 1000 ns, Reaching safepoint: 2000 ns, Cleanup: 10 ns, At safepoint: 8000 ns, Total: 10000 ns",
                "[2.500s] Safepoint \"ZMarkStart\", Time since last: 1000 ns, Reaching safepoint: 5000 ns, At safepoint: 20000000 ns, Total: 20005000 ns",
                "[2.600s] an unrelated line"));
        Pauses.Summary all = Pauses.read(log, 0);
        assertThat(all.count()).isEqualTo(3);
        assertThat(all.maxMs()).isBetween(19.0, 21.0);
        assertThat(all.stoppedMsPerSecond()).as("23 ms stopped over 2 s").isBetween(11.0, 12.5);
        assertThat(Pauses.read(log, 1.0).count()).as("from 1 s of uptime").isEqualTo(2);
        assertThat(Pauses.read(dir.resolve("missing.log"), 0)).isNull();
    }
}
