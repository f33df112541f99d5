package dev.switchboard.server.rules;

import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.database.TestDataDirectories;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PgRuleOutboxIT {
    private static Path dir;
    private static EmbeddedDatabase db;

    @BeforeAll
    static void start() throws Exception {
        dir = TestDataDirectories.fresh("rule-outbox");
        db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dir).withSetting("fsync", "off"));
    }

    @AfterAll
    static void stop() {
        if (db != null) db.close();
        TestDataDirectories.delete(dir);
    }

    private static RuleOutbox.Event event(String rule, String messageId) {
        return new RuleOutbox.Event(-1, rule, "app", "orders:1", 1000, List.of(new Message(messageId, "n", "c", "conn", 5L, new Payload("d", null), null, null)));
    }

    @Test
    void eventsGetIncreasingIdsSurviveAReopenAndMoveThroughDeadLetters() throws Exception {
        List<RuleOutbox.Event> stored;
        try (PgRuleOutbox outbox = new PgRuleOutbox(db.endpoint(), Clock.systemUTC(), "node-1", PgRuleOutbox.DEFAULT_LEASE)) {
            stored = outbox.add(List.of(event("a", "m1"), event("b", "m1"), event("a", "m2"))).get(10, TimeUnit.SECONDS);
            assertThat(stored).extracting(RuleOutbox.Event::id).isSorted().doesNotHaveDuplicates();
            outbox.delivered(stored.get(1).id());
            outbox.deadLetter(stored.get(2).id(), 3, "answered 400").get(10, TimeUnit.SECONDS);
            await().until(() -> outbox.pending().size() == 1);
        }
        try (PgRuleOutbox reopened = new PgRuleOutbox(db.endpoint(), Clock.systemUTC(), "node-1", PgRuleOutbox.DEFAULT_LEASE)) {
            List<RuleOutbox.Event> pending = reopened.pending();
            assertThat(pending).extracting(RuleOutbox.Event::id).containsExactly(stored.get(0).id());
            assertThat(pending.get(0).messages().get(0).id()).isEqualTo("m1");
            assertThat(pending.get(0).messages().get(0).payload().data()).isEqualTo("d");

            List<RuleOutbox.DeadLetter> letters = reopened.deadLetters(10);
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).attempts()).isEqualTo(3);
            assertThat(letters.get(0).lastError()).isEqualTo("answered 400");
            assertThat(reopened.deadLetterCounts()).containsEntry("a", 1L);

            RuleOutbox.Event replayed = reopened.replay(letters.get(0).event().id()).orElseThrow();
            assertThat(replayed.id()).as("a new id, behind everything stored").isGreaterThan(stored.get(2).id());
            assertThat(reopened.deadLetters(10)).isEmpty();
            assertThat(reopened.replay(letters.get(0).event().id())).isEmpty();
            assertThat(reopened.pending()).extracting(RuleOutbox.Event::id).containsExactly(stored.get(0).id(), replayed.id());

            RuleOutbox.Event later = reopened.add(List.of(event("a", "m3"))).get(10, TimeUnit.SECONDS).get(0);
            assertThat(later.id()).isGreaterThan(replayed.id());
            reopened.deadLetter(later.id(), 1, "gone").get(10, TimeUnit.SECONDS);
            assertThat(reopened.discard(later.id())).isTrue();
            assertThat(reopened.discard(later.id())).isFalse();
        }
    }
}
