package dev.switchboard.server.metrics;

import dev.switchboard.server.testing.PrometheusText;
import io.micrometer.core.instrument.Tags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class MetricsTest {
    private final Metrics metrics = new Metrics();

    @AfterEach
    void close() { metrics.close(); }

    private PrometheusText scrape() { return new PrometheusText(metrics.scrape()); }

    @Test
    void countsMessagesBySourceAndDeliveriesWithTheirBytes() {
        metrics.accepted(Metrics.Source.REST, 2, 100);
        metrics.accepted(Metrics.Source.CONNECTOR, 1, 40);
        metrics.delivered(30);
        metrics.delivered(12);
        PrometheusText t = scrape();
        assertThat(t.value("switchboard_messages_in_total{source=\"rest\"}")).isEqualTo(2);
        assertThat(t.value("switchboard_messages_in_total{source=\"connector\"}")).isEqualTo(1);
        assertThat(t.has("switchboard_messages_in_total{source=\"realtime\"}")).as("every source is listed from the start").isTrue();
        assertThat(t.value("switchboard_received_bytes_total{source=\"rest\"}")).isEqualTo(100);
        assertThat(t.value("switchboard_messages_out_total")).isEqualTo(2);
        assertThat(t.value("switchboard_sent_bytes_total")).isEqualTo(42);
    }

    @Test
    void aFanOutIsRecordedOnceWhenItsLastTaskIsDone() {
        Metrics.FanOut fanOut = metrics.fanOut(3);
        fanOut.done();
        fanOut.done();
        assertThat(scrape().value("switchboard_fanout_seconds_count")).isZero();
        fanOut.done();
        PrometheusText t = scrape();
        assertThat(t.value("switchboard_fanout_seconds_count")).isEqualTo(1);
        assertThat(t.value("switchboard_fanout_seconds_bucket{le=\"5.0\"}")).isEqualTo(1);
    }

    @Test
    void latenciesFallInTheirBuckets() {
        metrics.acked(3_000_000); // 3 ms
        metrics.acked(30_000_000); // 30 ms
        metrics.committed(700_000);
        PrometheusText t = scrape();
        assertThat(t.value("switchboard_publish_ack_seconds_bucket{le=\"0.002\"}")).isZero();
        assertThat(t.value("switchboard_publish_ack_seconds_bucket{le=\"0.005\"}")).isEqualTo(1);
        assertThat(t.value("switchboard_publish_ack_seconds_bucket{le=\"0.05\"}")).isEqualTo(2);
        assertThat(t.value("switchboard_publish_ack_seconds_count")).isEqualTo(2);
        assertThat(t.value("switchboard_store_commit_seconds_bucket{le=\"0.001\"}")).isEqualTo(1);
    }

    @Test
    void refusalsAreCountedByTheirCode() {
        metrics.refused(40160);
        metrics.refused(40160);
        metrics.refused(42910);
        metrics.slowSubscriberCut();
        PrometheusText t = scrape();
        assertThat(t.value("switchboard_refusals_total{code=\"40160\"}")).isEqualTo(2);
        assertThat(t.value("switchboard_refusals_total{code=\"42910\"}")).isEqualTo(1);
        assertThat(t.value("switchboard_slow_subscribers_cut_total")).isEqualTo(1);
    }

    @Test
    void gaugesAndCountersOfComponentsAreReadAtScrapeTime() {
        AtomicInteger members = new AtomicInteger(3);
        metrics.gauge("switchboard.test.members", "test", Tags.of("room", "a"), members, AtomicInteger::get);
        metrics.counter("switchboard.test.done", "test", Tags.empty(), members, m -> m.get() * 10);
        assertThat(scrape().value("switchboard_test_members{room=\"a\"}")).isEqualTo(3);
        members.set(5);
        PrometheusText t = scrape();
        assertThat(t.value("switchboard_test_members{room=\"a\"}")).isEqualTo(5);
        assertThat(t.value("switchboard_test_done_total")).isEqualTo(50);
    }
}
