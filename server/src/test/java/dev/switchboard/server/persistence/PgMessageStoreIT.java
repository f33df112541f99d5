package dev.switchboard.server.persistence;

import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.database.TestDataDirectories;
import dev.switchboard.server.persistence.MessageStore.Append;
import dev.switchboard.server.persistence.MessageStore.HistoryQuery;
import dev.switchboard.server.persistence.MessageStore.StoredChannel;
import dev.switchboard.server.persistence.MessageStore.StoredMessage;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.testing.MovableClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

class PgMessageStoreIT {
    private static final long DAY = 86_400_000L;
    private static final long T0 = 1_780_000_000_000L;
    private static Path dir;
    private static EmbeddedDatabase db;

    @BeforeAll
    static void start() throws Exception {
        dir = TestDataDirectories.fresh("message-store");
        db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dir).withSetting("fsync", "off"));
    }

    @AfterAll
    static void stop() {
        if (db != null) db.close();
        TestDataDirectories.delete(dir);
    }

    private static List<StoredMessage> messages(long fromSeq, long toSeq, long time) {
        List<StoredMessage> out = new ArrayList<>();
        for (long seq = fromSeq; seq <= toSeq; seq++) {
            out.add(new StoredMessage(seq, new Message("id-" + seq, "n", "client", "conn", time + seq, new Payload("data " + seq, null), null, null)));
        }
        return out;
    }

    private static List<Long> seqs(List<StoredMessage> stored) { return stored.stream().map(StoredMessage::seq).toList(); }

    @Test
    void appendsCompleteInOrderAndHistoryIsPushedDown() throws Exception {
        MovableClock clock = new MovableClock(T0);
        try (PgMessageStore store = new PgMessageStore(db.endpoint(), clock)) {
            List<Integer> completed = new CopyOnWriteArrayList<>();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int k = i;
                all.add(store.append(new Append("app", "orders:1", "e1", (k + 1) * 10L, DAY, messages(k * 10L + 1, (k + 1) * 10L, T0)))
                        .thenRun(() -> completed.add(k)));
            }
            CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
            assertThat(completed).as("completion order").isSorted().hasSize(100);

            List<StoredMessage> newest = store.history(new HistoryQuery("app", "orders:1", "e1", Long.MAX_VALUE, null, null, null, true, 5)).get();
            assertThat(seqs(newest)).containsExactly(1000L, 999L, 998L, 997L, 996L);
            assertThat(newest.get(0).message().id()).isEqualTo("id-1000");
            assertThat(newest.get(0).message().payload().data()).isEqualTo("data 1000");
            List<StoredMessage> next = store.history(new HistoryQuery("app", "orders:1", "e1", Long.MAX_VALUE, 996L, null, null, true, 3)).get();
            assertThat(seqs(next)).containsExactly(995L, 994L, 993L);
            List<StoredMessage> forwards = store.history(new HistoryQuery("app", "orders:1", "e1", 500, 497L, null, null, false, 10)).get();
            assertThat(seqs(forwards)).containsExactly(498L, 499L, 500L);
            List<StoredMessage> byTime = store.history(new HistoryQuery("app", "orders:1", "e1", Long.MAX_VALUE, null, T0 + 10, T0 + 12, false, 10)).get();
            assertThat(seqs(byTime)).containsExactly(10L, 11L, 12L);
            assertThat(store.history(new HistoryQuery("app", "orders:1", "other-epoch", Long.MAX_VALUE, null, null, null, true, 10)).get()).isEmpty();

            StoredChannel loaded = store.load(T0 - 1).stream().filter(c -> c.channel().equals("orders:1")).findFirst().orElseThrow();
            assertThat(loaded.epoch()).isEqualTo("e1");
            assertThat(loaded.lastSeq()).isEqualTo(1000);
            assertThat(seqs(loaded.recent())).isEqualTo(LongStream.rangeClosed(1, 1000).boxed().toList());
            assertThat(store.load(T0 + 1).stream().filter(c -> c.channel().equals("orders:1")).findFirst().orElseThrow().recent())
                    .as("only messages stored since the given time").isEmpty();
        }
    }

    @Test
    void expiredMessagesAreNeverReadAndTheirDayPartitionsAreDroppedWhole() throws Exception {
        MovableClock clock = new MovableClock(T0 + 5 * DAY);
        try (PgMessageStore store = new PgMessageStore(db.endpoint(), clock)) {
            store.append(new Append("app", "short:1", "e", 3, DAY, messages(1, 3, clock.millis()))).get(10, TimeUnit.SECONDS);
            store.append(new Append("app", "long:1", "e", 3, 7 * DAY, messages(1, 3, clock.millis()))).get(10, TimeUnit.SECONDS);
            String partition = PgMessageStore.partitionName(java.time.LocalDate.ofEpochDay((T0 + 5 * DAY) / DAY));

            clock.advance(2 * DAY);
            assertThat(store.history(new HistoryQuery("app", "short:1", "e", Long.MAX_VALUE, null, null, null, true, 10)).get())
                    .as("past its 1-day retention").isEmpty();
            assertThat(seqs(store.history(new HistoryQuery("app", "long:1", "e", Long.MAX_VALUE, null, null, null, true, 10)).get()))
                    .containsExactly(3L, 2L, 1L);
            assertThat(store.dropExpiredPartitions(7 * DAY)).as("the day still holds a 7-day message").doesNotContain(partition);

            clock.advance(6 * DAY);
            assertThat(store.history(new HistoryQuery("app", "long:1", "e", Long.MAX_VALUE, null, null, null, true, 10)).get()).isEmpty();
            assertThat(store.dropExpiredPartitions(7 * DAY)).contains(partition);
            try (Connection c = db.endpoint().connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_class WHERE relname = '" + partition + "'")) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
            // The store keeps working after a drop: a new day gets a new partition.
            store.append(new Append("app", "long:1", "e", 4, 7 * DAY, messages(4, 4, clock.millis()))).get(10, TimeUnit.SECONDS);
            assertThat(seqs(store.history(new HistoryQuery("app", "long:1", "e", Long.MAX_VALUE, null, null, null, true, 10)).get())).containsExactly(4L);
        }
    }
}
