package dev.switchboard.server.channel;

import dev.switchboard.server.history.RetentionPolicy;
import dev.switchboard.server.persistence.MessageStore;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.PresenceMessage;
import dev.switchboard.server.protocol.WireFormat;
import dev.switchboard.server.testing.MovableClock;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.switchboard.server.channel.ChannelTest.msg;
import static dev.switchboard.server.channel.ChannelTest.presence;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sweep's decision with a movable clock: the floor holds while a channel is in use, a channel nobody uses keeps only
 * what is younger than the TTL and is freed once quiet for the idle time, and a freed persisted channel carries on.
 */
class ChannelSweepTest {
    private static final long TTL = 1_000;
    private static final long IDLE = 5_000;
    private static final int FLOOR = 100;
    private static final String APP = "app";
    private static Vertx vertx;
    private static List<Context> owners;

    private final MovableClock clock = new MovableClock(1_700_000_000_000L);
    private final ChannelRegistry registry = new ChannelRegistry(owners, clock, new RetentionPolicy(TTL, FLOOR, 20_000));

    @BeforeAll
    static void startVertx() throws Exception {
        vertx = Vertx.vertx();
        owners = ChannelTest.startContexts(vertx, 3);
    }

    @AfterAll
    static void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception { return f.get(5, TimeUnit.SECONDS); }

    /** A sweeper whose timer never fires during a test: the tests sweep by hand. */
    private void startSweeperByHand() { registry.startSweeper(vertx, 3_600_000, IDLE); }

    private int sweep() throws Exception { return get(registry.sweepNow()); }

    /** Publishes {@code count} messages, one publish each, so the floor can drop them one by one. */
    private List<String> publish(String channel, int count) throws Exception {
        List<String> serials = new ArrayList<>();
        for (int i = 0; i < count; i++) serials.addAll(get(registry.publish(APP, channel, List.of(msg(null, channel + "-" + i)), "p" + i)).serials());
        return serials;
    }

    private int retainedMessages(String channel) throws Exception {
        Channel ch = registry.existing(APP, channel);
        return get(registry.inspect(ch, c -> c.retainedEvents(clock.millis()).stream().mapToInt(ChannelEvent::size).sum()));
    }

    private AttachResult attach(Channel channel, Subscriber subscriber, String resumeFrom) throws Exception {
        CompletableFuture<AttachResult> attached = new CompletableFuture<>();
        registry.attach(channel, subscriber, channel.name(), ChannelTest.ALL_MODES, null, resumeFrom, (r, e) -> {
            if (e != null) attached.completeExceptionally(e); else attached.complete(r);
        });
        return get(attached);
    }

    private void enter(Channel channel, String connectionId, String clientId) throws Exception {
        CompletableFuture<PublishOutcome> entered = new CompletableFuture<>();
        registry.presence(channel, List.of(presence(PresenceMessage.ENTER, clientId, null, null)), connectionId, connectionId + ":0",
                (o, e) -> entered.complete(o));
        get(entered);
    }

    /** Waits until operations queued on the channel's owner so far have run. */
    private void settle(Channel channel) throws Exception { get(registry.inspect(channel, c -> null)); }

    @Test
    void anUnusedChannelLosesItsFloorAfterTheTtlAndIsFreedOnceIdle() throws Exception {
        startSweeperByHand();
        publish("unused", 3);
        assertThat(sweep()).isZero();
        assertThat(retainedMessages("unused")).as("younger than the TTL").isEqualTo(3);

        clock.advance(TTL + 1);
        assertThat(sweep()).as("older than the TTL but not idle long enough").isZero();
        assertThat(retainedMessages("unused")).as("the floor does not hold for a channel nobody uses").isZero();

        clock.advance(IDLE - TTL - 2);
        assertThat(sweep()).as("one ms short of the idle time").isZero();
        clock.advance(1);
        assertThat(sweep()).isEqualTo(1);
        assertThat(registry.existing(APP, "unused")).isNull();
        assertThat(registry.channelCount()).isZero();
    }

    @Test
    void aChannelWithAnAttachedSubscriberKeepsItsFloorAndIsNotFreed() throws Exception {
        startSweeperByHand();
        Channel channel = registry.channel(APP, "attached");
        attach(channel, new ChannelTest.Recorder(owners.get(0), "c1", WireFormat.JSON, true), null);
        publish("attached", FLOOR + 50);

        clock.advance(IDLE * 10);
        assertThat(sweep()).isZero();
        assertThat(registry.existing(APP, "attached")).isSameAs(channel);
        assertThat(retainedMessages("attached")).as("the floor").isEqualTo(FLOOR);
    }

    @Test
    void aPresentMemberKeepsTheChannelUntilItLeavesAndTheChannelHasBeenQuietForTheIdleTime() throws Exception {
        startSweeperByHand();
        Channel channel = registry.channel(APP, "present");
        enter(channel, "c1", "alice");
        publish("present", FLOOR + 5);

        clock.advance(IDLE * 10);
        assertThat(sweep()).as("a member, e.g. one in its leave grace period").isZero();
        assertThat(retainedMessages("present")).isEqualTo(FLOOR);

        registry.leaveAll(channel, "c1");
        settle(channel);
        assertThat(sweep()).as("the LEAVE was just now").isZero();
        assertThat(retainedMessages("present")).as("nobody uses it: only the young LEAVE is left").isEqualTo(1);
        clock.advance(IDLE - 1);
        assertThat(sweep()).as("quiet since the LEAVE, not yet for the idle time").isZero();
        clock.advance(1);
        assertThat(sweep()).isEqualTo(1);
        assertThat(registry.existing(APP, "present")).isNull();
    }

    @Test
    void aResumeFromAFreedEphemeralChannelIsNotResumed() throws Exception {
        startSweeperByHand();
        Channel channel = registry.channel(APP, "resumed");
        ChannelTest.Recorder subscriber = new ChannelTest.Recorder(owners.get(1), "c1", WireFormat.JSON, true);
        attach(channel, subscriber, null);
        String seen = publish("resumed", 1).get(0);
        registry.detach(channel, subscriber, "resumed");
        settle(channel); // the detach is quiet time's start: it must run before the clock moves
        clock.advance(IDLE + 1);
        assertThat(sweep()).isEqualTo(1);

        // The fresh instance has published past the old serial's number: only its epoch tells them apart.
        publish("resumed", 3);
        AttachResult result = attach(registry.channel(APP, "resumed"), subscriber, seen);
        assertThat(result.resumed()).as("continuity cannot be promised: no RESUMED").isFalse();
        assertThat(result.followUp()).isEmpty();
        assertThat(ChannelSerial.parse(result.channelSerial()).epoch()).isNotEqualTo(ChannelSerial.parse(seen).epoch());
    }

    @Test
    void aFreedPersistedChannelContinuesItsSerialsAndResumesFromTheStore() throws Exception {
        FakeStore store = new FakeStore();
        registry.enablePersistence(new ChannelRules(List.of(new ChannelRules.Rule("orders", true, 86_400_000L))), store);
        startSweeperByHand();
        List<String> serials = publish("orders:1", 3);
        Channel channel = registry.existing(APP, "orders:1");
        enter(channel, "c1", "alice");
        registry.leaveAll(channel, "c1");
        settle(channel);
        long seqBeforeFreeing = get(registry.inspect(channel, Channel::seq));
        assertThat(seqBeforeFreeing).as("3 messages, an ENTER and a LEAVE").isEqualTo(5);

        clock.advance(IDLE + 1);
        assertThat(sweep()).isEqualTo(1);
        assertThat(registry.existing(APP, "orders:1")).isNull();

        Channel fresh = registry.channel(APP, "orders:1");
        assertThat(fresh.epoch()).isEqualTo(channel.epoch());
        assertThat(fresh.seq()).as("presence serials are not given out again").isEqualTo(seqBeforeFreeing);
        String next = get(registry.publish(APP, "orders:1", List.of(msg(null, "after freeing")), "later")).serials().get(0);
        assertThat(ChannelSerial.parse(next)).isEqualTo(new ChannelSerial(channel.epoch(), seqBeforeFreeing + 1));

        ChannelTest.Recorder subscriber = new ChannelTest.Recorder(owners.get(2), "c2", WireFormat.JSON, true);
        AttachResult result = attach(registry.channel(APP, "orders:1"), subscriber, serials.get(0));
        assertThat(result.resumed()).as("the store has what memory freed").isTrue();
        assertThat(ChannelTest.data(result.followUp())).containsExactly("orders:1-1", "orders:1-2", "after freeing");
    }

    @Test
    void aPersistedChannelWithACommitInFlightIsNotFreed() throws Exception {
        FakeStore store = new FakeStore();
        registry.enablePersistence(new ChannelRules(List.of(new ChannelRules.Rule("orders", true, 86_400_000L))), store);
        startSweeperByHand();
        CompletableFuture<Void> commit = new CompletableFuture<>();
        store.nextAppend = commit;
        CompletableFuture<PublishOutcome> published = registry.publish(APP, "orders:slow", List.of(msg(null, "slow")), "p");
        Channel channel = registry.existing(APP, "orders:slow");
        settle(channel);

        clock.advance(IDLE * 10);
        assertThat(sweep()).as("committing").isZero();
        assertThat(registry.existing(APP, "orders:slow")).isSameAs(channel);

        commit.complete(null);
        assertThat(get(published).serials()).hasSize(1);
        clock.advance(IDLE + 1);
        assertThat(sweep()).isEqualTo(1);
    }

    @Test
    void theTimerSweepsEveryOwner() throws Exception {
        for (int i = 0; i < 30; i++) publish("timed-" + i, 1);
        assertThat(registry.channelCount()).isEqualTo(30);
        clock.advance(IDLE + 1);
        registry.startSweeper(vertx, 10, IDLE);
        org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> registry.channelCount() == 0);
    }

    /** A message store in memory: appends complete at once unless a test holds the next one. */
    private static final class FakeStore implements MessageStore {
        final List<StoredMessage> stored = new CopyOnWriteArrayList<>();
        volatile CompletableFuture<Void> nextAppend;

        @Override
        public CompletableFuture<Void> append(Append append) {
            CompletableFuture<Void> held = nextAppend;
            nextAppend = null;
            if (held == null) {
                stored.addAll(append.messages());
                return CompletableFuture.completedFuture(null);
            }
            return held.thenRun(() -> stored.addAll(append.messages()));
        }

        @Override
        public CompletableFuture<List<StoredMessage>> history(HistoryQuery q) {
            Comparator<StoredMessage> bySeq = Comparator.comparingLong(StoredMessage::seq);
            List<StoredMessage> out = stored.stream()
                    .filter(m -> m.seq() <= q.untilSeq())
                    .filter(m -> q.cursor() == null || (q.backwards() ? m.seq() < q.cursor() : m.seq() > q.cursor()))
                    .sorted(q.backwards() ? bySeq.reversed() : bySeq)
                    .limit(q.limit())
                    .toList();
            return CompletableFuture.completedFuture(out);
        }

        @Override
        public List<StoredChannel> load(long since) { return List.of(); }

        @Override
        public void close() {}
    }
}
