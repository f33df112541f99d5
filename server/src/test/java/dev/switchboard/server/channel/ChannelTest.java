package dev.switchboard.server.channel;

import dev.switchboard.server.history.MemoryHistoryStore;
import dev.switchboard.server.history.RetentionPolicy;
import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.EncodedFrame;
import dev.switchboard.server.protocol.Flags;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.PresenceMessage;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.WireFormat;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Channel behaviour driven directly (as its owner would): publish, idempotency, resume, rewind, presence.
 * The test thread plays the owner; subscribers receive on real event loop contexts.
 */
class ChannelTest {
    static final int ALL_MODES = Flags.MODES;
    private static final long T0 = 1_700_000_000_000L;

    static Vertx vertx;
    static List<Context> contexts;

    @BeforeAll
    static void startVertx() throws Exception {
        vertx = Vertx.vertx();
        contexts = startContexts(vertx, 2);
    }

    @AfterAll
    static void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static List<Context> startContexts(Vertx vertx, int n) throws Exception {
        List<Context> sink = new ArrayList<>();
        vertx.deployVerticle(() -> new ChannelOwnerVerticle(sink), new DeploymentOptions().setInstances(n))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return sink;
    }

    private static Channel channel(RetentionPolicy retention, ChannelListener listener) {
        return new Channel("app", "ch", contexts.get(0), new MemoryHistoryStore(retention), listener, T0);
    }

    private static Channel channel() { return channel(RetentionPolicy.defaults(), ChannelListener.NONE); }

    static Message msg(String id, String data) {
        return new Message(id, "n", null, null, null, new Payload(data, null), null, null);
    }

    static PresenceMessage presence(int action, String clientId, String id, String data) {
        return new PresenceMessage(id, action, clientId, null, null, new Payload(data, null), null);
    }

    /** Data of every message in the frames, in order. */
    static List<Object> data(List<EncodedFrame> frames) {
        List<Object> out = new ArrayList<>();
        for (EncodedFrame f : frames) {
            ProtocolMessage pm = f.message();
            if (pm.messages != null) for (Message m : pm.messages) out.add(m.payload().data());
            if (pm.presence != null) for (PresenceMessage p : pm.presence) out.add(p.clientId() + "/" + p.action() + "/" + p.payload().data());
        }
        return out;
    }

    // --- publish, idempotency, echo ---

    @Test
    void publishAssignsIdsSerialsAndTimeAndFansOut() throws Exception {
        Channel ch = channel();
        Recorder sub = new Recorder(contexts.get(1), "sub", WireFormat.JSON, true);
        ch.attach(sub, "ch", ALL_MODES, null, null, T0);

        PublishOutcome out = ch.publish(List.of(msg(null, "a"), msg("own-id", "b")), "pubconn", "pubconn:3", T0 + 5);

        assertThat(out.serials()).hasSize(2).doesNotHaveDuplicates();
        assertThat(ch.seqOf(out.serials().get(0))).isEqualTo(1);
        assertThat(ch.seqOf(out.serials().get(1))).isEqualTo(2);
        assertThat(ch.currentSerial()).isEqualTo(out.serials().get(1));
        List<EncodedFrame> got = sub.await(1);
        ProtocolMessage pm = got.get(0).message();
        assertThat(pm.action).isEqualTo(Action.MESSAGE);
        assertThat(pm.id).isEqualTo("pubconn:3");
        assertThat(pm.connectionId).isEqualTo("pubconn");
        assertThat(pm.channelSerial).isEqualTo(out.serials().get(1));
        assertThat(pm.messages).extracting(Message::id).containsExactly("pubconn:3:0", "own-id");
        assertThat(pm.messages).extracting(Message::timestamp).containsOnly(T0 + 5);
        assertThat(pm.messages).extracting(Message::serial).isEqualTo(out.serials());
        assertThat(pm.messages).extracting(Message::connectionId).containsOnly("pubconn");
    }

    @Test
    void aSubscriberThatThrowsDoesNotCostTheOthersOnItsLoopTheFrame() throws Exception {
        Channel ch = channel();
        Recorder broken = new Recorder(contexts.get(1), "broken", WireFormat.JSON, true) {
            @Override public void deliver(EncodedFrame frame) { throw new IllegalStateException("WebSocket is closed"); }
        };
        Recorder sub = new Recorder(contexts.get(1), "sub", WireFormat.JSON, true);
        ch.attach(broken, "ch", ALL_MODES, null, null, T0);
        ch.attach(sub, "ch", ALL_MODES, null, null, T0);

        ch.publish(List.of(msg(null, "a")), "pubconn", "pubconn:0", T0 + 1);
        ch.publish(List.of(msg(null, "b")), "pubconn", "pubconn:1", T0 + 2);

        assertThat(sub.await(2)).extracting(f -> f.message().messages.get(0).payload().data()).containsExactly("a", "b");
    }

    @Test
    void republishedIdsGetTheOriginalSerialsAndAreNotFannedOutAgain() throws Exception {
        List<Message> heard = new CopyOnWriteArrayList<>();
        Channel ch = channel(RetentionPolicy.defaults(), new ChannelListener() {
            @Override public void onMessages(Channel channel, List<Message> messages) { heard.addAll(messages); }
        });
        Recorder sub = new Recorder(contexts.get(1), "sub", WireFormat.MSGPACK, true);
        ch.attach(sub, "ch", ALL_MODES, null, null, T0);

        PublishOutcome first = ch.publish(List.of(msg(null, "a"), msg(null, "b")), "c1", "c1:7", T0);
        // after a resume the SDK re-sends the un-ACKed publish with the same msgSerial
        PublishOutcome again = ch.publish(List.of(msg(null, "a"), msg(null, "b")), "c1", "c1:7", T0 + 1);

        assertThat(again.serials()).isEqualTo(first.serials());
        sub.settle();
        assertThat(sub.frames).hasSize(1);
        assertThat(ch.retainedEvents(T0 + 1)).hasSize(1);
        assertThat(heard).hasSize(2);
        assertThat(ch.currentSerial()).isEqualTo(first.serials().get(1));
    }

    @Test
    void batchWithOneKnownIdPublishesOnlyTheNewMessage() throws Exception {
        Channel ch = channel();
        Recorder sub = new Recorder(contexts.get(1), "sub", WireFormat.JSON, true);
        ch.attach(sub, "ch", ALL_MODES, null, null, T0);
        String original = ch.publish(List.of(msg("rest:0", "a")), null, "x", T0).serials().get(0);

        PublishOutcome out = ch.publish(List.of(msg("rest:0", "a"), msg("rest:1", "b")), null, "y", T0);

        assertThat(out.serials().get(0)).isEqualTo(original);
        assertThat(ch.seqOf(out.serials().get(1))).isEqualTo(2);
        sub.await(2);
        assertThat(data(sub.frames)).containsExactly("a", "b");
    }

    @Test
    void duplicateIdWithinOneBatchIsPublishedOnce() {
        Channel ch = channel();
        PublishOutcome out = ch.publish(List.of(msg("same", "a"), msg("same", "b")), null, "x", T0);
        assertThat(out.serials()).containsExactly(out.serials().get(0), out.serials().get(0));
        assertThat(ch.retainedEvents(T0).get(0).messages()).hasSize(1);
    }

    @Test
    void idIsForgottenWhenItsMessageLeavesRetention() {
        Channel ch = channel(new RetentionPolicy(1000, 0, 100), ChannelListener.NONE);
        String first = ch.publish(List.of(msg("m", "a")), null, "x", T0).serials().get(0);
        String later = ch.publish(List.of(msg("m", "a")), null, "x", T0 + 5000).serials().get(0);
        assertThat(later).isNotEqualTo(first);
    }

    @Test
    void echoFalseSubscriberDoesNotGetItsOwnMessages() throws Exception {
        Channel ch = channel();
        Recorder self = new Recorder(contexts.get(1), "me", WireFormat.JSON, false);
        Recorder echoing = new Recorder(contexts.get(0), "echo", WireFormat.JSON, true);
        Recorder other = new Recorder(contexts.get(1), "other", WireFormat.JSON, false);
        for (Recorder r : List.of(self, echoing, other)) ch.attach(r, "ch", ALL_MODES, null, null, T0);

        ch.publish(List.of(msg(null, "a")), "me", "me:0", T0);
        ch.publish(List.of(msg(null, "b")), "echo", "echo:0", T0);

        other.await(2);
        echoing.await(2);
        self.await(1);
        assertThat(data(self.frames)).containsExactly("b");
    }

    @Test
    void subscribersWithoutSubscribeModeOrDetachedGetNothing() throws Exception {
        Channel ch = channel();
        Recorder publisherOnly = new Recorder(contexts.get(1), "p", WireFormat.JSON, true);
        Recorder detached = new Recorder(contexts.get(1), "d", WireFormat.JSON, true);
        Recorder sub = new Recorder(contexts.get(1), "s", WireFormat.JSON, true);
        ch.attach(publisherOnly, "ch", Flags.MODE_PUBLISH, null, null, T0);
        ch.attach(detached, "ch", ALL_MODES, null, null, T0);
        ch.attach(sub, "ch", ALL_MODES, null, null, T0);
        ch.detach(detached, "ch", T0);
        assertThat(ch.attachmentCount()).isEqualTo(2);
        assertThat(ch.subscriberCount()).isEqualTo(1);

        ch.publish(List.of(msg(null, "a")), null, "x", T0);

        sub.await(1);
        publisherOnly.settle();
        detached.settle();
        assertThat(publisherOnly.frames).isEmpty();
        assertThat(detached.frames).isEmpty();
    }

    @Test
    void eachWireNameGetsFramesUnderItsOwnName() throws Exception {
        Channel ch = channel();
        Recorder plain = new Recorder(contexts.get(1), "a", WireFormat.JSON, true);
        Recorder qualified = new Recorder(contexts.get(1), "b", WireFormat.MSGPACK, true);
        ch.attach(plain, "ch", ALL_MODES, null, null, T0);
        ch.attach(qualified, "[?rewind=1]ch", ALL_MODES, Map.of("rewind", "1"), null, T0);

        ch.publish(List.of(msg(null, "a")), null, "x", T0);

        assertThat(plain.await(1).get(0).message().channel).isEqualTo("ch");
        EncodedFrame f = qualified.await(1).get(0);
        assertThat(ProtocolMessage.decode(f.bytes(WireFormat.MSGPACK), WireFormat.MSGPACK).channel).isEqualTo("[?rewind=1]ch");
    }

    @Test
    void integerExtrasBeyondLongReachMessagePackSubscribers() throws Exception {
        Channel ch = channel();
        Recorder sub = new Recorder(contexts.get(1), "s", WireFormat.MSGPACK, true);
        ch.attach(sub, "ch", ALL_MODES, null, null, T0);
        Message big = new Message(null, "n", null, null, null, Payload.EMPTY,
                Map.of("n", new BigInteger("123456789012345678901234567890")), null);

        ch.publish(List.of(big), null, "x", T0);

        EncodedFrame f = sub.await(1).get(0);
        assertThat(ProtocolMessage.decode(f.bytes(WireFormat.MSGPACK), WireFormat.MSGPACK).messages).hasSize(1);
    }

    // --- retirement ---

    @Test
    void retiresOnlyWhenUnusedAndIdleLongEnough() {
        Channel ch = channel(new RetentionPolicy(1_000, 0, 100), ChannelListener.NONE);
        assertThat(ch.retireIfIdle(T0 + 500, 1_000)).as("idle too briefly").isFalse();

        Recorder sub = new Recorder(contexts.get(1), "s", WireFormat.JSON, true);
        ch.attach(sub, "ch", ALL_MODES, null, null, T0 + 500);
        assertThat(ch.retireIfIdle(T0 + 60_000, 1_000)).as("attached").isFalse();
        ch.detach(sub, "ch", T0 + 60_000);
        ch.presence(List.of(presence(PresenceMessage.ENTER, "alice", null, null)), "c1", "c1:0", T0 + 60_000);
        assertThat(ch.retireIfIdle(T0 + 120_000, 1_000)).as("member present").isFalse();
        ch.leaveAll("c1", T0 + 120_000);
        ch.publish(List.of(msg(null, "1")), null, "a", T0 + 120_000);
        assertThat(ch.retireIfIdle(T0 + 120_500, 100)).as("events retained").isFalse();
        assertThat(ch.retired()).isFalse();

        assertThat(ch.retireIfIdle(T0 + 200_000, 1_000)).as("history expired, idle").isTrue();
        assertThat(ch.retired()).isTrue();
    }

    // --- attach, resume ---

    @Test
    void repeatedAttachIsResumedWithoutBacklogUnlessItNamesAnEarlierSerial() {
        Channel ch = channel();
        Recorder sub = new Recorder(contexts.get(1), "s", WireFormat.JSON, true);
        AttachResult first = ch.attach(sub, "ch", ALL_MODES, Map.of("rewind", "5"), null, T0);
        ch.publish(List.of(msg(null, "a"), msg(null, "b")), null, "x", T0);

        AttachResult again = ch.attach(sub, "ch", ALL_MODES, Map.of("rewind", "5"), null, T0);
        assertThat(first.resumed()).isFalse();
        assertThat(again.resumed()).isTrue();
        assertThat(again.followUp()).isEmpty();
        assertThat(again.channelSerial()).isEqualTo(ch.currentSerial());
        assertThat(ch.attachmentCount()).isEqualTo(1);

        // The client says it got only as far as before a and b (a delta it could not decode, RTL18c): they come again.
        AttachResult fromEarlier = ch.attach(sub, "ch", ALL_MODES, Map.of("rewind", "5"), first.channelSerial(), T0);
        assertThat(fromEarlier.resumed()).isTrue();
        assertThat(fromEarlier.followUp()).hasSize(1);
        assertThat(fromEarlier.followUp().get(0).message().messages).hasSize(2);
        assertThat(ch.attachmentCount()).isEqualTo(1);
    }

    @Test
    void resumeReplaysExactlyTheMissedEvents() {
        Channel ch = channel();
        String before = ch.currentSerial();
        String s1 = ch.publish(List.of(msg(null, "1")), null, "a", T0).serials().get(0);
        ch.publish(List.of(msg(null, "2"), msg(null, "3")), null, "b", T0);
        ch.presence(List.of(presence(PresenceMessage.ENTER, "alice", null, "p")), "c9", "c9:0", T0);
        ch.publish(List.of(msg(null, "4")), null, "c", T0);

        AttachResult fromStart = ch.attach(new Recorder(contexts.get(1), "r0", WireFormat.JSON, true), "ch", ALL_MODES, null, before, T0);
        assertThat(fromStart.resumed()).isTrue();
        assertThat(data(fromStart.followUp().subList(0, 4))).containsExactly("1", "2", "3", "alice/2/p", "4");

        AttachResult r = ch.attach(new Recorder(contexts.get(1), "r1", WireFormat.JSON, true), "ch", ALL_MODES, null, s1, T0);
        assertThat(r.resumed()).isTrue();
        // 3 missed events, then the SYNC of the member present
        assertThat(r.followUp()).hasSize(4);
        assertThat(data(r.followUp().subList(0, 3))).containsExactly("2", "3", "alice/2/p", "4");
        assertThat(r.followUp().get(3).message().action).isEqualTo(Action.SYNC);
        assertThat(r.hasPresence()).isTrue();
    }

    @Test
    void resumeFromTheMiddleOfAnEventReplaysItsRest() {
        Channel ch = channel();
        List<String> serials = ch.publish(List.of(msg(null, "1"), msg(null, "2"), msg(null, "3")), null, "a", T0).serials();
        ch.publish(List.of(msg(null, "4")), null, "b", T0);

        AttachResult r = ch.attach(new Recorder(contexts.get(1), "r", WireFormat.JSON, true), "ch", ALL_MODES, null, serials.get(0), T0);

        assertThat(r.resumed()).isTrue();
        assertThat(data(r.followUp())).containsExactly("2", "3", "4");
        ProtocolMessage partial = r.followUp().get(0).message();
        assertThat(partial.messages).extracting(Message::serial).containsExactly(serials.get(1), serials.get(2));
        assertThat(partial.channelSerial).isEqualTo(serials.get(2));
    }

    @Test
    void resumeFromTheLatestSerialReplaysNothing() {
        Channel ch = channel();
        ch.publish(List.of(msg(null, "1")), null, "a", T0);
        AttachResult r = ch.attach(new Recorder(contexts.get(1), "r", WireFormat.JSON, true), "ch", ALL_MODES, null, ch.currentSerial(), T0);
        assertThat(r.resumed()).isTrue();
        assertThat(r.followUp()).isEmpty();
    }

    @Test
    void resumeReplaysOnlyWhatTheModesSubscribeTo() {
        Channel ch = channel();
        String start = ch.currentSerial();
        ch.publish(List.of(msg(null, "1")), null, "a", T0);
        ch.presence(List.of(presence(PresenceMessage.ENTER, "alice", null, "p")), "c9", "c9:0", T0);

        AttachResult messagesOnly = ch.attach(new Recorder(contexts.get(1), "m", WireFormat.JSON, true), "ch", Flags.MODE_SUBSCRIBE, null, start, T0);
        AttachResult presenceOnly = ch.attach(new Recorder(contexts.get(1), "p", WireFormat.JSON, true), "ch", Flags.MODE_PRESENCE_SUBSCRIBE, null, start, T0);

        assertThat(data(messagesOnly.followUp())).containsExactly("1");
        assertThat(messagesOnly.hasPresence()).isFalse();
        assertThat(presenceOnly.followUp()).extracting(f -> f.message().action).containsExactly(Action.PRESENCE, Action.SYNC);
    }

    @Test
    void serialOfAnotherEpochOrUnknownDoesNotResume() {
        Channel ch = channel();
        ch.publish(List.of(msg(null, "1")), null, "a", T0);
        Channel restarted = new Channel("app", "ch", contexts.get(0), new MemoryHistoryStore(RetentionPolicy.defaults()), ChannelListener.NONE, T0 + 60_000);
        restarted.publish(List.of(msg(null, "x")), null, "a", T0);

        for (String serial : List.of(ch.currentSerial(), "other:0", "garbage", "")) {
            AttachResult r = restarted.attach(new Recorder(contexts.get(1), "r" + serial, WireFormat.JSON, true), "ch", ALL_MODES, null, serial, T0);
            assertThat(r.resumed()).as(serial).isFalse();
            assertThat(r.followUp()).as(serial).isEmpty();
            assertThat(restarted.seqOf(serial)).isEqualTo(-1);
        }
    }

    @Test
    void serialAheadOfTheChannelDoesNotResume() {
        Channel ch = channel();
        ch.publish(List.of(msg(null, "1")), null, "a", T0);
        String ahead = ChannelSerial.parse(ch.currentSerial()).epoch() + ":5";
        AttachResult r = ch.attach(new Recorder(contexts.get(1), "r", WireFormat.JSON, true), "ch", ALL_MODES, null, ahead, T0);
        assertThat(r.resumed()).isFalse();
    }

    @Test
    void serialOlderThanRetentionDoesNotResume() {
        Channel ch = channel(new RetentionPolicy(10_000, 0, 1000), ChannelListener.NONE);
        String start = ch.currentSerial();
        String s1 = ch.publish(List.of(msg(null, "old")), null, "a", T0).serials().get(0);
        String s2 = ch.publish(List.of(msg(null, "newer")), null, "b", T0 + 8_000).serials().get(0);
        ch.publish(List.of(msg(null, "newest")), null, "c", T0 + 12_000);

        // at T0+12s "old" is gone: continuity after `start` is lost, after s1 it is intact
        AttachResult lost = ch.attach(new Recorder(contexts.get(1), "a", WireFormat.JSON, true), "ch", ALL_MODES, null, start, T0 + 12_000);
        AttachResult kept = ch.attach(new Recorder(contexts.get(1), "b", WireFormat.JSON, true), "ch", ALL_MODES, null, s1, T0 + 12_000);

        assertThat(lost.resumed()).isFalse();
        assertThat(lost.followUp()).isEmpty();
        assertThat(kept.resumed()).isTrue();
        assertThat(data(kept.followUp())).containsExactly("newer", "newest");
        assertThat(s2).isNotNull();
    }

    @Test
    void serialOlderThanEverythingWhenHistoryIsEmptyDoesNotResume() {
        Channel ch = channel(new RetentionPolicy(1_000, 0, 1000), ChannelListener.NONE);
        String start = ch.currentSerial();
        ch.publish(List.of(msg(null, "gone")), null, "a", T0);
        AttachResult r = ch.attach(new Recorder(contexts.get(1), "a", WireFormat.JSON, true), "ch", ALL_MODES, null, start, T0 + 5_000);
        assertThat(ch.retainedEvents(T0 + 5_000)).isEmpty();
        assertThat(r.resumed()).isFalse();
    }

    // --- rewind ---

    @Test
    void rewindByCountSendsTheLastMessagesSplittingAnEvent() {
        Channel ch = channel();
        ch.publish(List.of(msg(null, "1")), null, "a", T0);
        ch.publish(List.of(msg(null, "2"), msg(null, "3")), null, "b", T0);
        ch.presence(List.of(presence(PresenceMessage.ENTER, "alice", null, "p")), "c9", "c9:0", T0);
        ch.publish(List.of(msg(null, "4")), null, "c", T0);

        assertThat(data(rewind(ch, "2").followUp())).containsExactly("3", "4");
        assertThat(data(rewind(ch, "3").followUp())).containsExactly("2", "3", "4");
        assertThat(data(rewind(ch, "100").followUp())).containsExactly("1", "2", "3", "4");
        assertThat(rewind(ch, "0").followUp()).isEmpty();
    }

    @Test
    void rewindByDurationSendsWhatIsYoungEnough() {
        Channel ch = channel();
        ch.publish(List.of(msg(null, "1")), null, "a", T0);
        ch.publish(List.of(msg(null, "2")), null, "b", T0 + 60_000);
        ch.publish(List.of(msg(null, "3")), null, "c", T0 + 90_000);

        assertThat(data(ch.attach(new Recorder(contexts.get(1), "a", WireFormat.JSON, true), "ch", ALL_MODES,
                Map.of("rewind", "30s"), null, T0 + 100_000).followUp())).containsExactly("3");
        assertThat(data(ch.attach(new Recorder(contexts.get(1), "b", WireFormat.JSON, true), "ch", ALL_MODES,
                Map.of("rewind", "1m"), null, T0 + 100_000).followUp())).containsExactly("2", "3");
        assertThat(data(ch.attach(new Recorder(contexts.get(1), "c", WireFormat.JSON, true), "ch", ALL_MODES,
                Map.of("rewind", "1h"), null, T0 + 100_000).followUp())).containsExactly("1", "2", "3");
    }

    @Test
    void rewindFramesCarryTheQualifiedName() {
        Channel ch = channel();
        ch.publish(List.of(msg(null, "1")), null, "a", T0);
        AttachResult r = ch.attach(new Recorder(contexts.get(1), "a", WireFormat.JSON, true), "[?rewind=1]ch", ALL_MODES,
                Map.of("rewind", "1"), null, T0);
        assertThat(r.followUp()).singleElement().satisfies(f -> assertThat(f.message().channel).isEqualTo("[?rewind=1]ch"));
    }

    @Test
    void invalidRewindIs40003AndAttachesNothing() {
        Channel ch = channel();
        Recorder r = new Recorder(contexts.get(1), "a", WireFormat.JSON, true);
        assertThatThrownBy(() -> ch.attach(r, "ch", ALL_MODES, Map.of("rewind", "soon"), null, T0))
                .isInstanceOfSatisfying(SwitchboardException.class, e -> assertThat(e.error().code()).isEqualTo(40003));
        assertThat(ch.attachmentCount()).isZero();
    }

    private static AttachResult rewind(Channel ch, String value) {
        // without presence-subscribe, so no SYNC follows the backlog
        return ch.attach(new Recorder(contexts.get(1), "rw" + value, WireFormat.JSON, true), "ch", Flags.MODE_SUBSCRIBE, Map.of("rewind", value), null, T0);
    }

    // --- presence ---

    @Test
    void presenceChangesAreBroadcastAndNoOpsAreNot() throws Exception {
        List<PresenceMessage> heard = new CopyOnWriteArrayList<>();
        Channel ch = channel(RetentionPolicy.defaults(), new ChannelListener() {
            @Override public void onPresence(Channel channel, List<PresenceMessage> events) { heard.addAll(events); }
        });
        Recorder sub = new Recorder(contexts.get(1), "s", WireFormat.JSON, false);
        ch.attach(sub, "ch", ALL_MODES, null, null, T0);

        ch.presence(List.of(presence(PresenceMessage.ENTER, "alice", null, "hi")), "c1", "c1:0", T0);
        String enterId = ch.presenceMembers().get(0).id();
        ch.presence(List.of(presence(PresenceMessage.ENTER, "alice", enterId, "hi")), "c1", "c1:1", T0);   // re-enter after re-attach
        ch.presence(List.of(presence(PresenceMessage.LEAVE, "bob", null, null)), "c2", "c2:0", T0);      // not present
        ch.presence(List.of(presence(PresenceMessage.ENTER, "alice", null, "again")), "c1", "c1:2", T0); // → UPDATE
        ch.presence(List.of(presence(PresenceMessage.LEAVE, "alice", null, "bye")), "c1", "c1:3", T0);

        sub.await(3);
        sub.settle();
        assertThat(data(sub.frames)).containsExactly("alice/2/hi", "alice/4/again", "alice/3/bye");
        assertThat(sub.frames.get(0).message().presence.get(0).id()).isEqualTo("c1:0:0");
        assertThat(heard).extracting(PresenceMessage::action).containsExactly(2, 4, 3);
        assertThat(ch.presenceMembers()).isEmpty();
    }

    @Test
    void presenceReachesItsOwnConnectionEvenWithoutEcho() throws Exception {
        Channel ch = channel();
        Recorder self = new Recorder(contexts.get(1), "c1", WireFormat.JSON, false);
        ch.attach(self, "ch", ALL_MODES, null, null, T0);
        ch.presence(List.of(presence(PresenceMessage.ENTER, "alice", null, null)), "c1", "c1:0", T0);
        assertThat(self.await(1).get(0).message().action).isEqualTo(Action.PRESENCE);
    }

    @Test
    void leaveAllRemovesAConnectionsMembers() throws Exception {
        Channel ch = channel();
        Recorder sub = new Recorder(contexts.get(1), "s", WireFormat.JSON, true);
        ch.attach(sub, "ch", ALL_MODES, null, null, T0);
        ch.presence(List.of(presence(PresenceMessage.ENTER, "alice", null, null), presence(PresenceMessage.ENTER, "bob", null, null)), "c1", "c1:0", T0);
        ch.presence(List.of(presence(PresenceMessage.ENTER, "carol", null, null)), "c2", "c2:0", T0);
        assertThat(ch.hasMembersOf("c1")).isTrue();

        ch.leaveAll("c1", T0 + 10);

        assertThat(ch.hasMembersOf("c1")).isFalse();
        assertThat(ch.presenceMembers()).extracting(PresenceMessage::clientId).containsExactly("carol");
        sub.await(3);
        assertThat(data(List.of(sub.frames.get(2)))).containsExactly("alice/3/null", "bob/3/null");
    }

    @Test
    void attachWithMembersSendsSyncPages() {
        Channel ch = channel();
        for (int i = 0; i < Channel.SYNC_PAGE_SIZE + 1; i++) {
            ch.presence(List.of(presence(PresenceMessage.ENTER, "u" + i, null, null)), "c" + i, "c" + i + ":0", T0);
        }

        AttachResult r = ch.attach(new Recorder(contexts.get(1), "s", WireFormat.JSON, true), "[?x=1]ch", ALL_MODES, null, null, T0);
        AttachResult noPresenceMode = ch.attach(new Recorder(contexts.get(1), "t", WireFormat.JSON, true), "ch", Flags.MODE_SUBSCRIBE, null, null, T0);

        assertThat(r.hasPresence()).isTrue();
        assertThat(r.followUp()).hasSize(2);
        ProtocolMessage first = r.followUp().get(0).message();
        ProtocolMessage last = r.followUp().get(1).message();
        String syncId = first.channelSerial.substring(0, first.channelSerial.indexOf(':'));
        assertThat(first.action).isEqualTo(Action.SYNC);
        assertThat(first.channel).isEqualTo("[?x=1]ch");
        assertThat(first.channelSerial).isEqualTo(syncId + ":" + Channel.SYNC_PAGE_SIZE);
        assertThat(last.channelSerial).isEqualTo(syncId + ":");
        assertThat(first.presence).hasSize(Channel.SYNC_PAGE_SIZE).extracting(PresenceMessage::action).containsOnly(PresenceMessage.PRESENT);
        assertThat(last.presence).hasSize(1);
        assertThat(noPresenceMode.hasPresence()).isFalse();
        assertThat(noPresenceMode.followUp()).isEmpty();
    }

    /** A subscriber that records what reaches it, on its own context. */
    static class Recorder implements Subscriber {
        final Context context;
        final String connectionId;
        final WireFormat format;
        final boolean echo;
        final List<EncodedFrame> frames = new CopyOnWriteArrayList<>();

        Recorder(Context context, String connectionId, WireFormat format, boolean echo) {
            this.context = context;
            this.connectionId = connectionId;
            this.format = format;
            this.echo = echo;
        }

        @Override public Context context() { return context; }

        @Override public String connectionId() { return connectionId; }

        @Override public WireFormat format() { return format; }

        @Override public boolean echo() { return echo; }

        @Override public void deliver(EncodedFrame frame) {
            assertThat(Vertx.currentContext()).isSameAs(context);
            frame.bytes(format);
            frames.add(frame);
        }

        /** Waits until everything handed to this subscriber's context so far has run. */
        void settle() throws Exception {
            CompletableFuture<Void> done = new CompletableFuture<>();
            context.runOnContext(v -> done.complete(null));
            done.get(5, TimeUnit.SECONDS);
        }

        List<EncodedFrame> await(int n) throws Exception {
            settle();
            assertThat(frames).hasSize(n);
            return frames;
        }
    }
}
