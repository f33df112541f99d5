package dev.switchboard.server.mutable;

import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Mutation;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.WireFormat;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageVersionsTest {
    private static final String S1 = "ep:0000000000000001";

    private static Message original() {
        return new Message("id1", "note", "alice", "c1", 1_000L, new Payload("Hello", null), Map.of("k", "v"), S1);
    }

    private static Message op(int action, String name, Payload data, String serial) {
        return new Message(null, name, null, null, null, data, null, null, new Mutation(action, S1, Map.of("description", "why"), null));
    }

    private static Message accepted(Message m, long seq) {
        return m.accepted("id" + seq, m.clientId(), "c2", m.timestamp(), "ep:" + String.format("%016d", seq));
    }

    @Test
    void anUpdateKeepsWhatItLeavesOutAndTheAuthorAndNamesWhoChangedIt() {
        Message update = MessageVersions.apply(original(), op(Mutation.UPDATE, null, new Payload("Hi", null), S1), "bob", 5_000);
        assertThat(update.name()).isEqualTo("note");
        assertThat(update.clientId()).isEqualTo("alice");
        assertThat(update.timestamp()).isEqualTo(1_000L);
        assertThat(update.extras()).isEqualTo(Map.of("k", "v"));
        assertThat(update.payload().data()).isEqualTo("Hi");
        assertThat(update.op().messageSerial()).isEqualTo(S1);
        assertThat(update.op().version()).containsEntry("clientId", "bob").containsEntry("timestamp", 5_000L).containsEntry("description", "why");
    }

    @Test
    void anAppendCarriesWhatItAddsLiveAndTheWholeTextForReadersOfThePast() {
        Message append = accepted(MessageVersions.apply(original(), op(Mutation.APPEND, null, new Payload(" world", null), S1), null, 5_000), 2);
        Map<String, Object> live = append.toTree(WireFormat.JSON);
        assertThat(live).containsEntry("action", Mutation.APPEND).containsEntry("data", " world").containsEntry("serial", S1);
        assertThat(((Map<?, ?>) live.get("version")).get("serial")).isEqualTo("ep:0000000000000002");
        assertThat(append.stateView().toTree(WireFormat.JSON)).containsEntry("action", Mutation.UPDATE).containsEntry("data", "Hello world");

        // What the log and the store keep brings the whole text back.
        Message stored = Message.fromTree(WireFormat.MSGPACK.readTree(WireFormat.MSGPACK.writeTree(append.toStoredTree(WireFormat.MSGPACK))),
                WireFormat.MSGPACK);
        assertThat(stored.stateView().payload().data()).isEqualTo("Hello world");
        assertThat(append.toTree(WireFormat.JSON)).doesNotContainKey("x-switchboard-state");
    }

    @Test
    void versionsAreTheMessageAndTheOperationsOnItInOrder() {
        Message update = accepted(MessageVersions.apply(original(), op(Mutation.UPDATE, "renamed", Payload.EMPTY, S1), null, 2), 2);
        Message other = accepted(new Message(null, "other", null, null, 3L, new Payload("x", null), null, null), 3);
        Message append = accepted(MessageVersions.apply(update.stateView(), op(Mutation.APPEND, null, new Payload("!", null), S1), null, 4), 4);
        List<Message> versions = MessageVersions.of(List.of(original(), update, other, append), S1);
        assertThat(versions).extracting(m -> m.name() + ":" + m.payload().data()).containsExactly("note:Hello", "renamed:Hello", "renamed:Hello!");
        assertThat(MessageVersions.of(List.of(update, append), S1)).as("without the message itself").isEmpty();
    }

    @Test
    void appendsJoinTextToTextAndBytesToBytesOnly() {
        assertThat(MessageVersions.concat(new Payload(new byte[]{1}, null), new Payload(new byte[]{2}, null)).data()).isEqualTo(new byte[]{1, 2});
        assertThatThrownBy(() -> MessageVersions.concat(new Payload("a", null), new Payload(new byte[]{2}, null)))
                .isInstanceOf(SwitchboardException.class).hasMessageContaining("type");
        assertThatThrownBy(() -> MessageVersions.concat(new Payload("{}", "json"), new Payload("{}", "json")))
                .isInstanceOf(SwitchboardException.class).hasMessageContaining("plain text or binary");
    }
}
