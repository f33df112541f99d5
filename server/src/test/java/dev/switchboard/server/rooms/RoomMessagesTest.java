package dev.switchboard.server.rooms;

import dev.switchboard.server.mutable.MessageVersions;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Mutation;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.SwitchboardException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoomMessagesTest {
    private static Message accepted(Message m, long seq) {
        return m.accepted("id" + seq, m.clientId(), "c", m.timestamp() == null ? 1000L : m.timestamp(), "ep:" + String.format("%016d", seq));
    }

    @Test
    void aCreateShowsAsTheSdkReadsIt() {
        Message m = accepted(RoomMessages.create(null, "hi", Map.of("a", 1), Map.of("h", "v"), "alice"), 1);
        Map<String, Object> rest = RoomMessages.toRest(m, Map.of());
        assertThat(rest).containsEntry("serial", "ep:0000000000000001").containsEntry("clientId", "alice").containsEntry("text", "hi")
                .containsEntry("metadata", Map.of("a", 1)).containsEntry("headers", Map.of("h", "v")).containsEntry("action", "message.create")
                .containsEntry("timestamp", 1000L);
        assertThat(rest.get("version")).isEqualTo(Map.of("serial", "ep:0000000000000001", "timestamp", 1000L));
        assertThat(rest.get("reactions")).isEqualTo(Map.of("unique", Map.of(), "distinct", Map.of(), "multiple", Map.of()));
    }

    @Test
    void anEditReplacesWhatItGivesAndEmptiesWhatItLeavesOutAndADeleteEmptiesTheMessage() {
        Message created = accepted(RoomMessages.create(null, "hi", Map.of("a", 1), Map.of("h", "v"), "alice"), 1);
        Message edit = accepted(MessageVersions.apply(created, RoomMessages.update(created.serial(), "hello", null, null, Map.of("description", "typo")), "alice", 2000), 2);
        Map<String, Object> rest = RoomMessages.toRest(edit, Map.of());
        assertThat(rest).containsEntry("text", "hello").containsEntry("metadata", Map.of()).containsEntry("headers", Map.of())
                .containsEntry("action", "message.update").containsEntry("serial", created.serial()).containsEntry("timestamp", 1000L)
                .containsEntry("clientId", "alice");
        @SuppressWarnings("unchecked")
        Map<String, Object> version = (Map<String, Object>) rest.get("version");
        assertThat(version).containsEntry("serial", "ep:0000000000000002").containsEntry("description", "typo")
                .containsEntry("clientId", "alice").containsEntry("timestamp", 2000L);

        Message delete = accepted(MessageVersions.apply(edit.stateView(), RoomMessages.delete(created.serial(), Map.of()), "mod", 3000), 3);
        assertThat(RoomMessages.toRest(delete, Map.of())).containsEntry("text", "").containsEntry("action", "message.delete");
    }

    @Test
    void theLogFoldsIntoChatMessagesAtTheirLatestVersionWithTheirReactions() {
        Message a = accepted(RoomMessages.create(null, "a", null, null, "alice"), 1);
        Message typing = accepted(new Message(null, "typing.started", "bob", null, null, Payload.EMPTY, Map.of("ephemeral", true), null), 2);
        Message b = accepted(RoomMessages.create(null, "b", null, null, "bob"), 3);
        Message editA = accepted(MessageVersions.apply(a, RoomMessages.update(a.serial(), "a2", null, null, Map.of()), "alice", 5), 4);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("action", 0);
        details.put("type", RoomMessages.annotationType("distinct"));
        Message like = accepted(new Message(null, "👍", "bob", null, null, Payload.EMPTY, null, null,
                new Mutation(Mutation.ANNOTATION, b.serial(), null, null, details)), 5);
        List<RoomMessages.Listed> listed = RoomMessages.fold(List.of(a, typing, b, editA, like));
        assertThat(listed).extracting(l -> RoomMessages.toRest(l.latest(), l.summary()).get("text")).containsExactly("a2", "b");
        assertThat(RoomMessages.toRest(listed.get(1).latest(), listed.get(1).summary()).get("reactions"))
                .isEqualTo(Map.of("unique", Map.of(), "multiple", Map.of(),
                        "distinct", Map.of("👍", Map.of("total", 1, "clientIds", List.of("bob"), "clipped", false))));
    }

    @Test
    void clientReactionsKeepOnlyTheNamesTheClientUsedAndItself() {
        Map<String, Object> summary = Map.of(
                "reaction:distinct.v1", Map.of("👍", Map.of("total", 2, "clientIds", List.of("a", "b"), "clipped", false),
                        "🎉", Map.of("total", 1, "clientIds", List.of("b"), "clipped", false)),
                "reaction:multiple.v1", Map.of("⭐", Map.of("total", 4, "clientIds", Map.of("a", 3, "b", 1), "totalUnidentified", 0,
                        "clipped", false, "totalClientIds", 2)));
        Map<String, Object> mine = RoomMessages.clientReactions(summary, "a");
        assertThat(mine.get("distinct")).isEqualTo(Map.of("👍", Map.of("total", 2, "clientIds", List.of("a"), "clipped", false)));
        assertThat(((Map<?, ?>) ((Map<?, ?>) mine.get("multiple")).get("⭐")).get("clientIds")).isEqualTo(Map.of("a", 3));
        assertThat(mine.get("unique")).isEqualTo(Map.of());
        assertThatThrownBy(() -> RoomMessages.annotationType("sum")).isInstanceOf(SwitchboardException.class);
    }
}
