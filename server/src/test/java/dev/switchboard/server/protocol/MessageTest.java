package dev.switchboard.server.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageTest {

    private static Map<String, Object> tree(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void readsEveryField() {
        Message m = Message.fromTree(tree("id", "abc:0", "name", "chatMsg", "clientId", "alice", "connectionId", "c1",
                "timestamp", 1234L, "data", "hi", "encoding", "utf-8", "extras", Map.of("headers", Map.of("k", "v"))), WireFormat.JSON);
        assertThat(m.id()).isEqualTo("abc:0");
        assertThat(m.name()).isEqualTo("chatMsg");
        assertThat(m.clientId()).isEqualTo("alice");
        assertThat(m.connectionId()).isEqualTo("c1");
        assertThat(m.timestamp()).isEqualTo(1234L);
        assertThat(m.payload()).isEqualTo(new Payload("hi", "utf-8"));
        assertThat(m.extras()).isEqualTo(Map.of("headers", Map.of("k", "v")));
        assertThat(m.serial()).as("a client cannot choose the serial").isNull();
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void roundTripsWithBinaryData(WireFormat format) {
        byte[] bytes = {9, 8, 7};
        Message m = new Message("id1", "n", "cid", "conn", 5L, new Payload(bytes, "cipher"), Map.of("x", true), "ep:3");
        Message back = Message.fromTree(format.readTree(format.writeTree(m.toTree(format))), format);
        assertThat(back.payload().data()).isEqualTo(bytes);
        assertThat(back.payload().encoding()).isEqualTo("cipher");
        assertThat(back.withId("id1")).usingRecursiveComparison().ignoringFields("serial", "payload").isEqualTo(m);
    }

    @Test
    void absentFieldsAreLeftOut() {
        Message m = Message.fromTree(Map.of(), WireFormat.JSON);
        assertThat(m.toTree(WireFormat.JSON)).isEmpty();
        assertThat(m.size()).isZero();
    }

    @Test
    void treeOrderAndJsonBinaryEncoding() {
        Message m = new Message("i", "n", null, null, 1L, new Payload(new byte[]{1}, null), null, "s");
        assertThat(m.toTree(WireFormat.JSON)).containsExactly(Map.entry("id", "i"), Map.entry("name", "n"),
                Map.entry("timestamp", 1L), Map.entry("data", "AQ=="), Map.entry("encoding", "base64"), Map.entry("serial", "s"));
    }

    @Test
    void fieldValidationCodes() {
        assertCode(40000, () -> Message.fromTree("text", WireFormat.JSON));
        assertCode(40000, () -> Message.fromTree(List.of(), WireFormat.JSON));
        assertCode(40000, () -> Message.fromTree(tree("name", 5L), WireFormat.JSON));
        assertCode(40007, () -> Message.fromTree(tree("id", 5L), WireFormat.JSON));
        assertCode(40012, () -> Message.fromTree(tree("clientId", List.of("a")), WireFormat.JSON));
        assertCode(40013, () -> Message.fromTree(tree("encoding", 1L, "data", "x"), WireFormat.JSON));
        assertCode(40000, () -> Message.fromTree(tree("extras", "x"), WireFormat.JSON));
        assertCode(40013, () -> Message.fromTree(tree("data", 12L), WireFormat.JSON));
        assertCode(40013, () -> Message.fromTree(tree("data", "%%%", "encoding", "base64"), WireFormat.JSON));
    }

    @Test
    void nonNumericTimestampIsIgnored() {
        assertThat(Message.fromTree(tree("timestamp", "soon"), WireFormat.JSON).timestamp()).isNull();
        assertThat(Message.fromTree(tree("timestamp", "17"), WireFormat.JSON).timestamp()).isEqualTo(17L);
    }

    @Test
    void sizeCountsNameClientIdDataAndExtras() {
        Message m = new Message(null, "né", "cl", null, null, new Payload("€", null), Map.of("a", 1), null);
        // "né" 3 + "cl" 2 + "€" 3 + {"a":1} 7
        assertThat(m.size()).isEqualTo(15);
    }

    @Test
    void acceptedFixesIdentityOriginTimeAndSerial() {
        Message m = new Message(null, "n", null, "spoofed", 1L, new Payload("d", null), null, null);
        Message a = m.accepted("id", "alice", "conn", 99L, "ep:1");
        assertThat(a).isEqualTo(new Message("id", "n", "alice", "conn", 99L, new Payload("d", null), null, "ep:1"));
    }

    private static void assertCode(int code, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).as(e.getMessage()).isEqualTo(code));
    }
}
