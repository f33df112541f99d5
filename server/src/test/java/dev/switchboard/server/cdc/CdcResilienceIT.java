package dev.switchboard.server.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.cdc.config.ConnectorConfig;
import dev.switchboard.server.cdc.config.ConnectorConfigLoader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Nothing lost, nothing doubled: connection loss, restarts, sink failures, failover. */
class CdcResilienceIT {

    private static final int TOTAL = 10_000;
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static CdcTestDatabase db;
    private final List<ChangeConnector> connectors = new ArrayList<>();

    @BeforeAll
    static void startDatabase() {
        db = CdcTestDatabase.start("cdc-resilience");
    }

    @AfterAll
    static void stopDatabase() {
        db.close();
    }

    @AfterEach
    void closeConnectors() {
        connectors.forEach(ChangeConnector::close);
    }

    private static ConnectorConfig numberedTableConfig(String table, int n) {
        db.execute("CREATE TABLE " + table + " (n bigint PRIMARY KEY, payload text)");
        return ConnectorConfigLoader.fromJson("{\"connector\": [{\"tablename\": \"" + table
                + "\", \"ablychannelname\": \"numbers\", \"operation\": \"INSERT\"}]}").withReplicationNames("slot_r" + n, "pub_r" + n);
    }

    private ChangeConnector connector(ConnectorConfig config, RecordingSink sink) {
        ChangeConnector connector = new ChangeConnector(config, db.endpoint(), sink, ConnectorOptions.defaults().fast());
        connectors.add(connector);
        connector.start();
        return connector;
    }

    private static Connection connect() {
        try {
            return db.connect();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static void assertEveryRowOnceInCommitOrder(RecordingSink sink, int total) {
        List<Long> numbers = sink.payloads().stream().map(p -> p.get("row").get("n").asLong()).toList();
        assertThat(numbers).containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
    }

    @Test
    void tenThousandChangesSurviveConnectionLossRestartAndSinkFailure() throws Exception {
        int n = SEQ.incrementAndGet();
        String table = "numbers_" + n;
        ConnectorConfig config = numberedTableConfig(table, n);
        RecordingSink sink = new RecordingSink().confirmingAfter(20)
                .failingOnceWhen(batch -> batch.stream().anyMatch(m -> m.data().contains("\"n\":7501,")));
        ChangeConnector first = connector(config, sink);
        await().until(() -> first.status().state() == ConnectorState.STREAMING);

        try (NumberedRowWriter writer = new NumberedRowWriter(CdcResilienceIT::connect, table, TOTAL, 5).allowUpTo(3000).start()) {
            // 1. The replication connection drops (network, walsender killed): reconnect and resume.
            await().atMost(Duration.ofSeconds(60)).until(() -> sink.size() >= 2500);
            terminateWalSender(config.slotName());
            await().until(() -> first.status().lastError().isPresent());
            writer.allowUpTo(6000);

            // 2. The connector stops mid-stream with batches unconfirmed; a new instance takes over.
            await().atMost(Duration.ofSeconds(60)).until(() -> sink.size() >= 5000);
            first.close();
            ChangeConnector second = connector(config, sink);
            writer.allowUpTo(TOTAL);

            // 3. At row 7501 the sink rejects a batch (injected above): replay from the slot.
            await().atMost(Duration.ofSeconds(90)).until(() -> writer.finished() && sink.size() >= TOTAL);
            assertThat(writer.failure()).isNull();
            await().until(() -> second.status().lagBytes() == 0);
            assertThat(second.status().lastError()).hasValueSatisfying(m -> assertThat(m).contains("injected sink failure"));
        }

        assertEveryRowOnceInCommitOrder(sink, TOTAL);
        assertThat(sink.failuresInjected()).isEqualTo(1);
        assertThat(sink.receivedIncludingRepeats()).isGreaterThanOrEqualTo(TOTAL);
    }

    @Test
    void exactlyOneOfTwoInstancesRunsAndTheOtherTakesOver() throws Exception {
        int n = SEQ.incrementAndGet();
        String table = "numbers_" + n;
        ConnectorConfig config = numberedTableConfig(table, n);
        RecordingSink sink = new RecordingSink();
        ChangeConnector a = connector(config, sink);
        await().until(() -> a.status().state() == ConnectorState.STREAMING);
        ChangeConnector b = connector(config, sink);
        await().until(() -> b.status().state() == ConnectorState.STANDBY);

        insertRange(table, 1, 50);
        await().until(() -> sink.size() == 50);
        assertThat(a.status().changesPublished()).isEqualTo(50);
        assertThat(b.status().changesPublished()).isZero();
        assertThat(b.status().state()).isEqualTo(ConnectorState.STANDBY);

        a.close();
        insertRange(table, 51, 100);
        await().atMost(Duration.ofSeconds(30)).until(() -> b.status().state() == ConnectorState.STREAMING && sink.size() == 100);

        assertEveryRowOnceInCommitOrder(sink, 100);
    }

    private static void insertRange(String table, int from, int to) {
        for (int i = from; i <= to; i++) {
            db.execute("INSERT INTO " + table + "(n, payload) VALUES (" + i + ", 'row')");
        }
    }

    private static void terminateWalSender(String slot) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ? AND active_pid IS NOT NULL")) {
            ps.setString(1, slot);
            ps.execute();
        }
    }
}
