package dev.switchboard.server.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PresenceMessageTest {

    private static Map<String, Object> tree(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void roundTrips(WireFormat format) {
        PresenceMessage p = new PresenceMessage("c:1:0", PresenceMessage.ENTER, "alice", "c", 10L,
                new Payload(new byte[]{1, 2}, null), Map.of("k", "v"));
        PresenceMessage back = PresenceMessage.fromTree(format.readTree(format.writeTree(p.toTree(format))), format);
        assertThat(back.id()).isEqualTo("c:1:0");
        assertThat(back.action()).isEqualTo(PresenceMessage.ENTER);
        assertThat(back.clientId()).isEqualTo("alice");
        assertThat(back.connectionId()).isEqualTo("c");
        assertThat(back.timestamp()).isEqualTo(10L);
        assertThat(back.payload().data()).isEqualTo(new byte[]{1, 2});
        assertThat(back.extras()).isEqualTo(Map.of("k", "v"));
    }

    @Test
    void actionIsAlwaysWritten() {
        PresenceMessage p = new PresenceMessage(null, PresenceMessage.ABSENT, null, null, null, Payload.EMPTY, null);
        assertThat(p.toTree(WireFormat.JSON)).containsExactly(Map.entry("action", 0));
    }

    @Test
    void fieldValidationCodes() {
        assertCode(40000, () -> PresenceMessage.fromTree("enter", WireFormat.JSON));
        assertCode(40000, () -> PresenceMessage.fromTree(tree(), WireFormat.JSON));
        assertCode(40000, () -> PresenceMessage.fromTree(tree("action", 5L), WireFormat.JSON));
        assertCode(40000, () -> PresenceMessage.fromTree(tree("action", -1L), WireFormat.JSON));
        assertCode(40000, () -> PresenceMessage.fromTree(tree("action", "enter"), WireFormat.JSON));
        assertCode(40013, () -> PresenceMessage.fromTree(tree("action", 2L, "encoding", 3L), WireFormat.JSON));
        assertCode(40012, () -> PresenceMessage.fromTree(tree("action", 2L, "clientId", 3L), WireFormat.JSON));
        assertCode(40013, () -> PresenceMessage.fromTree(tree("action", 2L, "data", false), WireFormat.JSON));
    }

    @Test
    void objectDataTravelsAsJsonText() {
        PresenceMessage p = PresenceMessage.fromTree(tree("action", 4L, "data", Map.of("status", "away")), WireFormat.JSON);
        assertThat(p.payload()).isEqualTo(new Payload("{\"status\":\"away\"}", "json"));
    }

    @Test
    void withReplacesIdentityAndKeepsData() {
        PresenceMessage p = new PresenceMessage(null, 2, "a", null, null, new Payload("d", null), null);
        PresenceMessage w = p.with("id", PresenceMessage.LEAVE, "b", "conn", 7L);
        assertThat(w).isEqualTo(new PresenceMessage("id", 3, "b", "conn", 7L, new Payload("d", null), null));
        assertThat(w.size()).isEqualTo(2);
    }

    private static void assertCode(int code, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).as(e.getMessage()).isEqualTo(code));
    }
}
