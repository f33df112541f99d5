package dev.switchboard.server.broker;

import dev.switchboard.server.broker.PresenceManager.Action;
import dev.switchboard.server.broker.PresenceManager.Change;
import dev.switchboard.server.broker.PresenceManager.Departure;
import dev.switchboard.server.broker.PresenceManager.Member;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@link PresenceManager} contract, run against every implementation; every test uses channels of its own. */
abstract class PresenceManagerContract {
    protected PresenceManager presence;

    /** A manager on whatever it needs; a second call gives another node's view of the same members. */
    protected abstract PresenceManager newManager();

    /** Lets {@code ms} of the manager's time pass. */
    protected abstract void passTime(long ms) throws Exception;

    @BeforeEach
    void start() throws Exception {
        presence = newManager();
        get(presence.renew("node-a", 60_000));
    }

    @AfterEach
    void stop() { if (presence != null) presence.close(); }

    protected static ChannelKey channel() { return new ChannelKey("app", "presence-" + UUID.randomUUID()); }

    protected static Change change(Action action, String clientId, String connectionId, String node, String memberId, String data) {
        return new Change(action, clientId, connectionId, node, memberId, System.currentTimeMillis(), data.getBytes(StandardCharsets.UTF_8));
    }

    protected static String data(Member m) { return new String(m.data(), StandardCharsets.UTF_8); }

    protected static <T> T get(CompletableFuture<T> f) throws Exception { return f.get(10, TimeUnit.SECONDS); }

    @Test
    void enterUpdateAndLeaveSayWhatChanged() throws Exception {
        ChannelKey c = channel();
        Member entered = get(presence.apply(c, change(Action.ENTER, "alice", "conn1", "node-a", "conn1:0:0", "hello")));
        assertThat(entered.action()).isEqualTo(Action.ENTER);
        assertThat(get(presence.apply(c, change(Action.ENTER, "alice", "conn1", "node-a", "conn1:0:0", "hello"))))
                .as("the same ENTER again").isNull();
        Member updated = get(presence.apply(c, change(Action.UPDATE, "alice", "conn1", "node-a", "conn1:1:0", "busy")));
        assertThat(updated.action()).isEqualTo(Action.UPDATE);
        assertThat(get(presence.members(c))).extracting(PresenceManagerContract::data).containsExactly("busy");
        Member left = get(presence.apply(c, change(Action.LEAVE, "alice", "conn1", "node-a", "conn1:2:0", "bye")));
        assertThat(left.action()).isEqualTo(Action.LEAVE);
        assertThat(get(presence.members(c))).isEmpty();
        assertThat(get(presence.apply(c, change(Action.LEAVE, "alice", "conn1", "node-a", "conn1:3:0", "bye"))))
                .as("a LEAVE of an absent member").isNull();
    }

    @Test
    void oneClientOnTwoConnectionsIsTwoMembersListedInEntryOrder() throws Exception {
        ChannelKey c = channel();
        get(presence.apply(c, change(Action.ENTER, "bob", "conn2", "node-a", "b", "phone")));
        get(presence.apply(c, change(Action.ENTER, "alice", "conn1", "node-a", "a", "laptop")));
        get(presence.apply(c, change(Action.ENTER, "bob", "conn3", "node-a", "c", "tablet")));
        get(presence.apply(c, change(Action.UPDATE, "bob", "conn2", "node-a", "d", "phone, busy")));
        assertThat(get(presence.members(c))).extracting(PresenceManagerContract::data)
                .containsExactly("phone, busy", "laptop", "tablet");
    }

    @Test
    void countsStayExactWhenSeveralNodesEnterAtOnce() throws Exception {
        ChannelKey c = channel();
        List<PresenceManager> nodes = List.of(presence, newManager(), newManager());
        try {
            for (int n = 0; n < nodes.size(); n++) get(nodes.get(n).renew("node-" + n, 60_000));
            List<CompletableFuture<?>> entering = new ArrayList<>();
            for (int n = 0; n < nodes.size(); n++) {
                PresenceManager node = nodes.get(n);
                String nodeId = "node-" + n;
                entering.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 300; i++) {
                        String connection = nodeId + "-conn" + i;
                        node.apply(c, change(Action.ENTER, "client" + i, connection, nodeId, connection + ":0", "x")).join();
                    }
                }));
            }
            for (CompletableFuture<?> f : entering) get(f);
            assertThat(get(nodes.get(2).members(c))).hasSize(900);
        } finally {
            for (PresenceManager node : nodes) if (node != presence) node.close();
        }
    }

    @Test
    void aLapsedNodesMembersDepartOnceEachWhileOthersStay() throws Exception {
        ChannelKey c = channel();
        PresenceManager other = newManager();
        try {
            get(other.renew("node-b", 1_000));
            get(presence.apply(c, change(Action.ENTER, "alice", "conn1", "node-a", "a", "stays")));
            get(other.apply(c, change(Action.ENTER, "bob", "conn2", "node-b", "b", "goes")));
            assertThat(get(presence.expireLapsed())).as("nobody has lapsed yet").isEmpty();

            passTime(1_500);
            get(presence.renew("node-a", 60_000));
            List<Departure> first = get(presence.expireLapsed());
            List<Departure> second = get(other.expireLapsed());
            List<Departure> all = new ArrayList<>(first);
            all.addAll(second);
            assertThat(all).hasSize(1);
            assertThat(all.get(0).channel()).isEqualTo(c);
            assertThat(all.get(0).member().clientId()).isEqualTo("bob");
            assertThat(all.get(0).member().action()).isEqualTo(Action.LEAVE);
            assertThat(get(presence.members(c))).extracting(Member::clientId).containsExactly("alice");
        } finally {
            if (other != presence) other.close();
        }
    }

    /** A connection resumed on another node: that node enters its member again (same member id) and so adopts it. */
    @Test
    void aMemberEnteredAgainByAnotherNodeIsAdoptedSilentlyAndOutlivesItsFirstNode() throws Exception {
        ChannelKey c = channel();
        PresenceManager other = newManager();
        try {
            get(other.renew("node-b", 1_000));
            get(other.apply(c, change(Action.ENTER, "bob", "conn2", "node-b", "b1", "moved")));
            assertThat(get(presence.apply(c, change(Action.ENTER, "bob", "conn2", "node-a", "b1", "moved"))))
                    .as("adopting a member changes nothing anyone sees").isNull();

            passTime(1_500);
            get(presence.renew("node-a", 60_000));
            List<Departure> all = new ArrayList<>(get(presence.expireLapsed()));
            all.addAll(get(other.expireLapsed()));
            assertThat(all).as("the member is node-a's now").isEmpty();
            assertThat(get(presence.members(c))).singleElement().satisfies(m -> {
                assertThat(m.nodeId()).isEqualTo("node-a");
                assertThat(data(m)).isEqualTo("moved");
            });
        } finally {
            if (other != presence) other.close();
        }
    }
}
