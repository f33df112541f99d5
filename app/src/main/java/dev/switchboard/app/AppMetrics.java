package dev.switchboard.app;

import dev.switchboard.chat.ChatPersistence;
import dev.switchboard.server.cdc.ChangeConnector;
import dev.switchboard.server.cdc.ConnectorState;
import dev.switchboard.server.cdc.ConnectorStatus;
import dev.switchboard.server.metrics.Metrics;
import io.micrometer.core.instrument.Tags;

import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/** The application's gauges beside the server's: the change connector, the rules' dead letters, the chat's rows. */
final class AppMetrics {
    /** A dead-letter count is a query: one per scrape at most this often. */
    private static final long DEAD_LETTER_READ_EVERY_MS = 1_000;

    private AppMetrics() {}

    /** {@code connector} gives the connector running now (it may be restarted), or null. */
    static void connector(Metrics m, Supplier<ChangeConnector> connector) {
        m.gauge("switchboard.connector.lag.bytes", "WAL bytes the connector has received but not yet confirmed published", Tags.empty(),
                connector, c -> read(c, ConnectorStatus::lagBytes));
        m.gauge("switchboard.connector.lag.seconds", "Age of the oldest committed change not yet published", Tags.empty(), connector,
                c -> read(c, s -> s.lagMillis() / 1000.0));
        m.counter("switchboard.connector.changes", "Row changes the connector published", Tags.empty(), connector,
                c -> read(c, ConnectorStatus::changesPublished));
        for (ConnectorState state : ConnectorState.values()) {
            m.gauge("switchboard.connector.state", "1 for the connector's current state", Tags.of("state", state.name()), connector,
                    c -> read(c, s -> s.state() == state ? 1 : 0));
        }
    }

    /** {@code value} of the running connector's status, taken once; 0 while there is no connector. */
    private static double read(Supplier<ChangeConnector> connector, ToDoubleFunction<ConnectorStatus> value) {
        ChangeConnector c = connector.get();
        return c == null ? 0 : value.applyAsDouble(c.status());
    }

    /** Dead letters held now, per rule ({@code counts} answers null when the database does not). */
    static void deadLetters(Metrics m, Iterable<String> rules, Supplier<Map<String, Long>> counts, java.time.Clock clock) {
        Cached cached = new Cached(counts, clock);
        for (String rule : rules) {
            m.gauge("switchboard.rule.dead.letters", "Dead letters held for replay or discard", Tags.of("rule", rule), cached,
                    c -> c.read().getOrDefault(rule, 0L));
        }
    }

    static void chat(Metrics m, ChatPersistence chat) {
        m.counter("switchboard.chat.rows", "Chat rows written", Tags.of("op", "insert"), chat, ChatPersistence::inserted);
        m.counter("switchboard.chat.rows", "Chat rows written", Tags.of("op", "edit"), chat, ChatPersistence::edited);
        m.counter("switchboard.chat.rows", "Chat rows written", Tags.of("op", "delete"), chat, ChatPersistence::deleted);
        m.counter("switchboard.chat.rejected", "Chat messages refused as invalid", Tags.empty(), chat, ChatPersistence::rejected);
    }

    private static final class Cached {
        private final Supplier<Map<String, Long>> source;
        private final java.time.Clock clock;
        private Map<String, Long> value = Map.of();
        private long readAt = Long.MIN_VALUE;

        Cached(Supplier<Map<String, Long>> source, java.time.Clock clock) {
            this.source = source;
            this.clock = clock;
        }

        synchronized Map<String, Long> read() {
            long now = clock.millis();
            if (readAt == Long.MIN_VALUE || now - readAt >= DEAD_LETTER_READ_EVERY_MS) {
                Map<String, Long> fresh = source.get();
                if (fresh != null) value = fresh;
                readAt = now;
            }
            return value;
        }
    }
}
