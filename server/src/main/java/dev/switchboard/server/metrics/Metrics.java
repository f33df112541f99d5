package dev.switchboard.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The server's measurements, exposed at {@code GET /metrics} in Prometheus' text format. The hot paths call the
 * methods here (plain adders and one timer record per message, never per-delivery objects); components with state of
 * their own (connections, channels, the connector, rules, Redis) register gauges that are read at scrape time.
 * Thread-safe.
 */
public final class Metrics implements AutoCloseable {
    /** Where a message accepted on a channel came from. */
    public enum Source {
        REALTIME("realtime"), REST("rest"), CONNECTOR("connector");

        private final String tag;

        Source(String tag) { this.tag = tag; }

        /** The label value, which is also the transport name the app's stats use. */
        public String tag() { return tag; }
    }

    /** Latency buckets: from a fast local ACK to a fan-out that fell behind. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5)};

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;
    private final Map<Source, Counter> messagesIn = new EnumMap<>(Source.class);
    private final Map<Source, Counter> bytesIn = new EnumMap<>(Source.class);
    private final LongAdder deliveries = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final Counter slowSubscribersCut;
    private final Map<Integer, Counter> refusals = new ConcurrentHashMap<>();
    private final Timer publishAck;
    private final Timer fanOut;
    private final Timer storeCommit;

    public Metrics() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        for (Source s : Source.values()) {
            messagesIn.put(s, Counter.builder("switchboard.messages.in").tag("source", s.tag())
                    .description("Messages published to channels, by where they came from (counted on arrival, before rules and stores)").register(registry));
            bytesIn.put(s, Counter.builder("switchboard.received").baseUnit("bytes").tag("source", s.tag())
                    .description("Payload bytes of the messages published to channels").register(registry));
        }
        FunctionCounter.builder("switchboard.messages.out", deliveries, LongAdder::sum)
                .description("Frames of messages and presence events written to subscribers (one per subscriber and event)").register(registry);
        FunctionCounter.builder("switchboard.sent", bytesOut, LongAdder::sum).baseUnit("bytes")
                .description("Bytes of the frames written to subscribers").register(registry);
        slowSubscribersCut = Counter.builder("switchboard.slow.subscribers.cut")
                .description("Connections cut off because they could not keep up with their channels").register(registry);
        publishAck = latency("switchboard.publish.ack", "A realtime publish from its arrival to its ACK or NACK");
        fanOut = latency("switchboard.fanout", "A message from being accepted on its channel to its last delivery being written");
        storeCommit = latency("switchboard.store.commit", "One commit of the persisted-message store (a batch of appends)");
    }

    private Timer latency(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(BUCKETS)
                .minimumExpectedValue(BUCKETS[0]).maximumExpectedValue(BUCKETS[BUCKETS.length - 1]).register(registry);
    }

    /** Where components register gauges of their own. */
    public MeterRegistry registry() { return registry; }

    /** The Prometheus text exposition of everything registered. */
    public String scrape() { return registry.scrape(); }

    /** The media type of {@link #scrape()}. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    public void accepted(Source source, int messages, long bytes) {
        messagesIn.get(source).increment(messages);
        bytesIn.get(source).increment(bytes);
    }

    /** One event's frame written (or queued) for one subscriber. */
    public void delivered(int bytes) {
        deliveries.increment();
        bytesOut.add(bytes);
    }

    public void slowSubscriberCut() { slowSubscribersCut.increment(); }

    /** An error answered to a client (NACK, ERROR, refused connection or REST request), by its code. */
    public void refused(int code) {
        refusals.computeIfAbsent(code, c -> Counter.builder("switchboard.refusals").tag("code", Integer.toString(c))
                .description("Errors answered to clients, by error code").register(registry)).increment();
    }

    public void acked(long nanos) { publishAck.record(nanos, TimeUnit.NANOSECONDS); }

    public void committed(long nanos) { storeCommit.record(nanos, TimeUnit.NANOSECONDS); }

    /**
     * Starts timing one message's fan-out over {@code groups} event loops; each loop calls {@link FanOut#done} once
     * its subscribers have their frame, and the last one records the time.
     */
    public FanOut fanOut(int groups) { return new FanOut(groups, System.nanoTime()); }

    public final class FanOut {
        private final AtomicInteger remaining;
        private final long startNanos;

        private FanOut(int groups, long startNanos) {
            this.remaining = new AtomicInteger(groups);
            this.startNanos = startNanos;
        }

        public void done() {
            if (remaining.decrementAndGet() == 0) fanOut.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A gauge read at scrape time. */
    public <T> void gauge(String name, String description, Tags tags, T state, ToDoubleFunction<T> value) {
        Gauge.builder(name, state, value).description(description).tags(tags).strongReference(true).register(registry);
    }

    /** Counts since start that a component keeps itself, exposed as a counter. */
    public <T> void counter(String name, String description, Tags tags, T state, ToDoubleFunction<T> value) {
        FunctionCounter.builder(name, state, value).description(description).tags(tags).register(registry);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
