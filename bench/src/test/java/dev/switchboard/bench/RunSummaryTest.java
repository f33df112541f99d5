package dev.switchboard.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RunSummaryTest {
    private static Bench.Row row(String metric, double v, String target) {
        return new Bench.Row("fanout", "1000 subscribers", metric, v, "msg/s", target, null);
    }

    @Test
    void eachFigureGetsMinMedianMaxAndTheMedianIsJudged() {
        List<RunSummary.Figure> figures = RunSummary.aggregate(List.of(
                List.of(row("rate", 300, ">= 250"), row("p99", 80, "<= 100")),
                List.of(row("rate", 200, ">= 250"), row("p99", 120, "<= 100")),
                List.of(row("rate", 400, ">= 250"))));
        assertThat(figures).hasSize(2);
        RunSummary.Figure rate = figures.get(0);
        assertThat(rate.min()).isEqualTo(200);
        assertThat(rate.median()).isEqualTo(300);
        assertThat(rate.max()).isEqualTo(400);
        assertThat(rate.met()).isTrue();
        RunSummary.Figure p99 = figures.get(1);
        assertThat(p99.values()).as("missing from the third run").containsExactly(80, 120, Double.NaN);
        assertThat(p99.median()).isEqualTo(100);
        assertThat(p99.met()).isTrue();
    }

    @Test
    void targetsAreReadAsUpperOrLowerBounds() {
        assertThat(RunSummary.meets("<= 5", 5.0)).isTrue();
        assertThat(RunSummary.meets("<= 5", 5.1)).isFalse();
        assertThat(RunSummary.meets(">= 2", 1.9)).isFalse();
        assertThat(RunSummary.meets("keeps up", 1)).isNull();
        assertThat(RunSummary.meets(null, 1)).isNull();
    }
}
