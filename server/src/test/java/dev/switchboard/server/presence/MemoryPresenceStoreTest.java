package dev.switchboard.server.presence;

import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.PresenceMessage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MemoryPresenceStoreTest {
    private final MemoryPresenceStore store = new MemoryPresenceStore();

    private static PresenceMessage event(int action, String clientId, String connectionId, String id, String data) {
        return new PresenceMessage(id, action, clientId, connectionId, 100L, new Payload(data, null), null);
    }

    @Test
    void enterOfANewMemberIsBroadcastAsEnterAndKeptAsPresent() {
        PresenceMessage out = store.apply(event(PresenceMessage.ENTER, "alice", "c1", "c1:0:0", "hi"));
        assertThat(out).isEqualTo(event(PresenceMessage.ENTER, "alice", "c1", "c1:0:0", "hi"));
        assertThat(store.members()).containsExactly(event(PresenceMessage.PRESENT, "alice", "c1", "c1:0:0", "hi"));
        assertThat(store.isEmpty()).isFalse();
    }

    @Test
    void updateOrPresentOfAnAbsentMemberEntersIt() {
        assertThat(store.apply(event(PresenceMessage.UPDATE, "alice", "c1", "u", null)).action()).isEqualTo(PresenceMessage.ENTER);
        assertThat(store.apply(event(PresenceMessage.PRESENT, "bob", "c1", "p", null)).action()).isEqualTo(PresenceMessage.ENTER);
        assertThat(store.members()).hasSize(2);
    }

    @Test
    void repeatedEnterWithTheSameIdIsANoOp() {
        store.apply(event(PresenceMessage.ENTER, "alice", "c1", "c1:0:0", "hi"));
        assertThat(store.apply(event(PresenceMessage.ENTER, "alice", "c1", "c1:0:0", "hi"))).isNull();
        assertThat(store.members()).hasSize(1);
    }

    @Test
    void enterOfAnExistingMemberIsBroadcastAsUpdate() {
        store.apply(event(PresenceMessage.ENTER, "alice", "c1", "c1:0:0", "hi"));
        PresenceMessage out = store.apply(event(PresenceMessage.ENTER, "alice", "c1", "c1:1:0", "again"));
        assertThat(out).isEqualTo(event(PresenceMessage.UPDATE, "alice", "c1", "c1:1:0", "again"));
        assertThat(store.members()).containsExactly(event(PresenceMessage.PRESENT, "alice", "c1", "c1:1:0", "again"));
    }

    @Test
    void leaveOfAnAbsentMemberIsANoOp() {
        assertThat(store.apply(event(PresenceMessage.LEAVE, "alice", "c1", "x", null))).isNull();
        store.apply(event(PresenceMessage.ENTER, "alice", "c1", "e", null));
        // same clientId on another connection is another member
        assertThat(store.apply(event(PresenceMessage.LEAVE, "alice", "c2", "x", null))).isNull();
        assertThat(store.members()).hasSize(1);
    }

    @Test
    void leaveRemovesTheMember() {
        store.apply(event(PresenceMessage.ENTER, "alice", "c1", "e", null));
        PresenceMessage leave = event(PresenceMessage.LEAVE, "alice", "c1", "l", "bye");
        assertThat(store.apply(leave)).isEqualTo(leave);
        assertThat(store.isEmpty()).isTrue();
        assertThat(store.apply(leave)).isNull();
    }

    @Test
    void absentActionChangesNothing() {
        assertThat(store.apply(event(PresenceMessage.ABSENT, "alice", "c1", "a", null))).isNull();
        assertThat(store.isEmpty()).isTrue();
    }

    @Test
    void membersAreKeyedByClientIdAndConnectionInEntryOrder() {
        store.apply(event(PresenceMessage.ENTER, "alice", "c1", "1", null));
        store.apply(event(PresenceMessage.ENTER, "alice", "c2", "2", null));
        store.apply(event(PresenceMessage.ENTER, "bob", "c1", "3", null));
        assertThat(store.members()).extracting(PresenceMessage::id).containsExactly("1", "2", "3");
        assertThat(store.membersOf("c1")).extracting(PresenceMessage::clientId).containsExactly("alice", "bob");
        assertThat(store.membersOf("c3")).isEmpty();
        // the returned list is a copy
        store.members().clear();
        assertThat(store.members()).hasSize(3);
    }
}
