package dev.switchboard.server.rules;

import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.database.TestDataDirectories;
import dev.switchboard.server.persistence.SwitchboardSchema;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.SwitchboardException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Several nodes on one outbox database: a lapsed node's events go to exactly one other node, in order. */
class PgRuleOutboxClusterIT {
    private static final Duration SHORT_LEASE = Duration.ofMillis(1500);
    /** Long enough that the nodes' own lease rounds stay out of the way; the tests run rounds with tick(). */
    private static final Duration LONG_LEASE = Duration.ofSeconds(60);
    private static Path dir;
    private static EmbeddedDatabase db;
    private final List<PgRuleOutbox> opened = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = TestDataDirectories.fresh("rule-outbox-cluster");
        db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dir).withSetting("fsync", "off"));
    }

    @AfterAll
    static void stop() {
        if (db != null) db.close();
        TestDataDirectories.delete(dir);
    }

    @BeforeEach
    void empty() throws Exception {
        // Each test starts from an empty outbox: a node of an earlier test would otherwise be taken over here.
        SwitchboardSchema.migrate(db.endpoint());
        sql("TRUNCATE switchboard_rule_events, switchboard_rule_nodes, switchboard_dead_letters");
    }

    @AfterEach
    void closeNodes() {
        opened.forEach(PgRuleOutbox::close);
    }

    private PgRuleOutbox node(String id, Duration lease) throws Exception {
        PgRuleOutbox outbox = new PgRuleOutbox(db.endpoint(), Clock.systemUTC(), id, lease);
        opened.add(outbox);
        return outbox;
    }

    private static void sql(String statement, Object... args) throws Exception {
        try (Connection c = db.endpoint().connect(); PreparedStatement s = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
            s.execute();
        }
    }

    private static RuleOutbox.Event event(String rule, String channel, String messageId) {
        return new RuleOutbox.Event(-1, rule, "app", channel, 1000,
                List.of(new Message(messageId, "n", "c", "conn", 5L, new Payload("d", null), null, null)));
    }

    /** What an outbox handed its owner. */
    static final class Recorder implements RuleOutbox.Owner {
        final List<RuleOutbox.Event> taken = new CopyOnWriteArrayList<>();
        final List<Set<Long>> kept = new CopyOnWriteArrayList<>();

        @Override
        public void take(List<RuleOutbox.Event> events) { taken.addAll(events); }

        @Override
        public void keepOnly(Set<Long> stillOwned) { kept.add(Set.copyOf(stillOwned)); }

        List<Long> takenIds() { return taken.stream().map(RuleOutbox.Event::id).toList(); }
    }

    private static Map<String, List<Long>> idsPerLane(List<RuleOutbox.Event> events) {
        Map<String, List<Long>> lanes = new LinkedHashMap<>();
        for (RuleOutbox.Event e : events) lanes.computeIfAbsent(e.ruleId() + "|" + e.channel(), k -> new ArrayList<>()).add(e.id());
        return lanes;
    }

    @Test
    void theEventsOfANodeThatStopsRenewingGoToTheOtherNodeOnceAndInOrderWithinLeaseAndOneRound() throws Exception {
        PgRuleOutbox a = node("node-a", SHORT_LEASE);
        PgRuleOutbox b = node("node-b", SHORT_LEASE);
        Recorder atA = new Recorder();
        Recorder atB = new Recorder();
        a.start(atA);
        b.start(atB);

        List<RuleOutbox.Event> stored = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            List<RuleOutbox.Event> batch = List.of(event("r1", "ch:" + (i % 3), "m" + i), event("r2", "ch:" + (i % 3), "m" + i));
            stored.addAll(a.add(batch).get(10, TimeUnit.SECONDS));
        }
        assertThat(atB.taken).as("A renews its lease: its events stay its own").isEmpty();
        assertThat(b.pending()).isEmpty();

        long died = System.nanoTime();
        a.close(); // no more renewals, nothing released: a crash as the other nodes see it
        Duration bound = SHORT_LEASE.plus(SHORT_LEASE.dividedBy(3)).plusMillis(700);
        await().atMost(bound.plusSeconds(2)).until(() -> atB.taken.size() >= stored.size());
        Duration took = Duration.ofNanos(System.nanoTime() - died);
        System.out.printf("PgRuleOutboxClusterIT: B took over %d events %d ms after A stopped%n", atB.taken.size(), took.toMillis());
        assertThat(took).as("within the lease and one claim round (plus scheduling slack)").isLessThan(bound);

        assertThat(atB.takenIds()).as("each event once").doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(stored.stream().map(RuleOutbox.Event::id).toList());
        assertThat(idsPerLane(atB.taken)).as("in id order per (rule, channel), as A stored them").isEqualTo(idsPerLane(stored));
        assertThat(atB.taken.get(0).messages().get(0).id()).isEqualTo(stored.get(0).messages().get(0).id());
        assertThat(b.pending()).extracting(RuleOutbox.Event::id).containsExactlyElementsOf(stored.stream().map(RuleOutbox.Event::id).sorted().toList());
        assertThat(atA.kept).isEmpty();
    }

    @Test
    void nodesRacingToTakeOverLapsedNodesGetEachEventExactlyOnce() throws Exception {
        List<Long> all = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            PgRuleOutbox dead = node("dead-" + n, LONG_LEASE);
            for (int i = 0; i < 25; i++) {
                for (RuleOutbox.Event e : dead.add(List.of(event("r", "ch:" + n, "m" + i))).get(10, TimeUnit.SECONDS)) all.add(e.id());
            }
            dead.close();
        }
        // Stored before events had owners (the V4 migration): whoever claims first takes it.
        sql("INSERT INTO switchboard_rule_events (id, rule_id, app_id, channel, created_at, messages) VALUES (nextval('switchboard_rule_event_ids'), 'r', 'app', 'old', 1, ?)",
                (Object) new byte[]{(byte) 0x90});
        PgRuleOutbox b = node("node-b", LONG_LEASE);
        PgRuleOutbox c = node("node-c", LONG_LEASE);
        Recorder atB = new Recorder();
        Recorder atC = new Recorder();
        b.start(atB);
        c.start(atC);
        sql("UPDATE switchboard_rule_nodes SET lease_until = 0 WHERE node_id LIKE 'dead-%'");

        CyclicBarrier together = new CyclicBarrier(2);
        CompletableFuture<Void> byB = CompletableFuture.runAsync(() -> roundsAfter(together, b));
        CompletableFuture<Void> byC = CompletableFuture.runAsync(() -> roundsAfter(together, c));
        byB.get(30, TimeUnit.SECONDS);
        byC.get(30, TimeUnit.SECONDS);

        Set<Long> fromB = new HashSet<>(atB.takenIds());
        Set<Long> fromC = new HashSet<>(atC.takenIds());
        System.out.printf("PgRuleOutboxClusterIT: B took %d, C took %d%n", fromB.size(), fromC.size());
        assertThat(atB.takenIds()).doesNotHaveDuplicates();
        assertThat(atC.takenIds()).doesNotHaveDuplicates();
        Set<Long> toBoth = new HashSet<>(fromB);
        toBoth.retainAll(fromC);
        assertThat(toBoth).as("no event given to both").isEmpty(); // one of them may well have taken none
        Set<Long> union = new HashSet<>(fromB);
        union.addAll(fromC);
        assertThat(union).containsAll(all).hasSize(all.size() + 1);
        for (Recorder r : List.of(atB, atC)) {
            idsPerLane(r.taken).values().forEach(ids -> assertThat(ids).isSorted());
        }
    }

    private static void roundsAfter(CyclicBarrier together, PgRuleOutbox node) {
        try {
            for (int i = 0; i < 3; i++) {
                together.await(10, TimeUnit.SECONDS);
                node.tick();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aNodeBackAfterItsEventsWereTakenOverKeepsOnlyWhatIsStillItsOwn() throws Exception {
        PgRuleOutbox a = node("node-a", LONG_LEASE);
        PgRuleOutbox b = node("node-b", LONG_LEASE);
        Recorder atA = new Recorder();
        Recorder atB = new Recorder();
        a.start(atA);
        b.start(atB);
        List<Long> before = a.add(List.of(event("r", "ch", "m1"), event("r", "ch", "m2"))).get(10, TimeUnit.SECONDS)
                .stream().map(RuleOutbox.Event::id).toList();

        // A stalls past its lease (a long pause, a partition), B takes its events over.
        sql("UPDATE switchboard_rule_nodes SET lease_until = 0 WHERE node_id = 'node-a'");
        b.tick();
        assertThat(atB.takenIds()).containsExactlyElementsOf(before);

        // Until A notices, what it stores would not be its own: it is refused (retriable), not stored.
        assertThatThrownBy(() -> a.add(List.of(event("r", "ch", "m3"))).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SwitchboardException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> !atA.kept.isEmpty());
        assertThat(atA.kept.get(0)).as("the taken-over events are not A's any more").doesNotContainAnyElementsOf(before);
        await().atMost(Duration.ofSeconds(10)).until(a::holdsLease);

        RuleOutbox.Event after = a.add(List.of(event("r", "ch", "m4"))).get(10, TimeUnit.SECONDS).get(0);
        assertThat(a.pending()).extracting(RuleOutbox.Event::id).containsExactly(after.id());
        assertThat(b.pending()).extracting(RuleOutbox.Event::id).containsExactlyElementsOf(before);
        b.tick();
        assertThat(atB.takenIds()).as("A holds its lease again: nothing more moves").containsExactlyElementsOf(before);
    }

    @Test
    void aRenewingNodeAndAClaimingNodeNeverBothOwnAnEvent() throws Exception {
        PgRuleOutbox a = node("node-a", LONG_LEASE);
        PgRuleOutbox b = node("node-b", LONG_LEASE);
        Recorder atA = new Recorder();
        Recorder atB = new Recorder();
        a.start(atA);
        b.start(atB);
        int takenOver = 0;
        for (int round = 0; round < 15; round++) {
            List<Long> ids = a.add(List.of(event("r", "ch", "m" + round))).get(10, TimeUnit.SECONDS)
                    .stream().map(RuleOutbox.Event::id).toList();
            int keptBefore = atA.kept.size();
            sql("UPDATE switchboard_rule_nodes SET lease_until = 0 WHERE node_id = 'node-a'");
            CyclicBarrier together = new CyclicBarrier(2);
            CompletableFuture<Void> renew = CompletableFuture.runAsync(() -> roundsAfter1(together, a));
            CompletableFuture<Void> claim = CompletableFuture.runAsync(() -> roundsAfter1(together, b));
            renew.get(30, TimeUnit.SECONDS);
            claim.get(30, TimeUnit.SECONDS);

            boolean bTook = atB.takenIds().containsAll(ids);
            boolean aLost = atA.kept.size() > keptBefore && !atA.kept.get(atA.kept.size() - 1).containsAll(ids);
            assertThat(bTook).as("round %d: B took A's event exactly when A learnt it lost it", round).isEqualTo(aLost);
            if (bTook) takenOver++;
        }
        System.out.printf("PgRuleOutboxClusterIT: B won %d of 15 races%n", takenOver);
        assertThat(atB.takenIds()).doesNotHaveDuplicates();
    }

    private static void roundsAfter1(CyclicBarrier together, PgRuleOutbox node) {
        try {
            together.await(10, TimeUnit.SECONDS);
            node.tick();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
