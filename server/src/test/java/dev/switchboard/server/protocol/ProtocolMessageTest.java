package dev.switchboard.server.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProtocolMessageTest {

    private static Map<String, Object> tree(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void encodeDecodeRoundTrip(WireFormat format) {
        ProtocolMessage pm = ProtocolMessage.of(Action.MESSAGE, "chat");
        pm.flags = (long) Flags.RESUMED;
        pm.id = "conn:4";
        pm.timestamp = 99L;
        pm.connectionId = "conn";
        pm.channelSerial = "ep:7";
        pm.msgSerial = 4L;
        pm.error = ErrorCode.BAD_REQUEST.info("x");
        pm.params = Map.of("rewind", "1");
        pm.accessToken = "tok";
        pm.messages = List.of(new Message("m1", "n", null, null, null, new Payload(new byte[]{1}, null), null, null));
        pm.presence = List.of(new PresenceMessage("p1", 2, "alice", null, null, new Payload("hi", null), null));

        ProtocolMessage back = ProtocolMessage.decode(pm.encode(format), format);

        assertThat(back.action).isEqualTo(Action.MESSAGE);
        assertThat(back.channel).isEqualTo("chat");
        assertThat(back.flags).isEqualTo(Flags.RESUMED);
        assertThat(back.hasFlag(Flags.RESUMED)).isTrue();
        assertThat(back.hasFlag(Flags.HAS_PRESENCE)).isFalse();
        assertThat(back.id).isEqualTo("conn:4");
        assertThat(back.timestamp).isEqualTo(99L);
        assertThat(back.connectionId).isEqualTo("conn");
        assertThat(back.channelSerial).isEqualTo("ep:7");
        assertThat(back.msgSerial).isEqualTo(4L);
        assertThat(back.error).isEqualTo(pm.error);
        assertThat(back.params).isEqualTo(Map.of("rewind", "1"));
        assertThat(back.accessToken).isEqualTo("tok");
        assertThat(back.messages).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo("m1");
            assertThat(m.payload().data()).isEqualTo(new byte[]{1});
        });
        assertThat(back.presence).singleElement().satisfies(p -> assertThat(p.clientId()).isEqualTo("alice"));
    }

    @Test
    void serverFieldsAreWrittenInWireShape() {
        ProtocolMessage pm = new ProtocolMessage(Action.ACK);
        pm.msgSerial = 3L;
        pm.count = 2;
        pm.res = List.of(List.of("ep:1", "ep:2"));
        pm.connectionKey = "key";
        pm.connectionDetails = new LinkedHashMap<>(Map.of("maxMessageSize", 65536));
        assertThat(new String(pm.encode(WireFormat.JSON), StandardCharsets.UTF_8)).isEqualTo(
                "{\"action\":1,\"count\":2,\"connectionKey\":\"key\",\"msgSerial\":3,"
                        + "\"connectionDetails\":{\"maxMessageSize\":65536},\"res\":[{\"serials\":[\"ep:1\",\"ep:2\"]}]}");
        assertThat(pm.toString()).startsWith("{\"action\":1");
    }

    @Test
    void onlyTheActionIsRequired() {
        ProtocolMessage pm = ProtocolMessage.fromTree(tree("action", 0L), WireFormat.JSON);
        assertThat(pm.action).isZero();
        assertThat(pm.messages).isNull();
        assertThat(pm.presence).isNull();
        assertThat(pm.toTree(WireFormat.JSON)).containsExactly(Map.entry("action", 0));
        assertThat(ProtocolMessage.fromTree(tree("action", "10"), WireFormat.JSON).action).isEqualTo(Action.ATTACH);
    }

    @Test
    void paramsValuesAreStringified() {
        ProtocolMessage pm = ProtocolMessage.fromTree(tree("action", 10L, "params", Map.of("rewind", 5L, "flag", true)), WireFormat.JSON);
        assertThat(pm.params).containsEntry("rewind", "5").containsEntry("flag", "true");
    }

    @Test
    void wronglyTypedOptionalFieldsAreIgnored() {
        ProtocolMessage pm = ProtocolMessage.fromTree(tree("action", 10L, "channel", 5L, "params", "x",
                "auth", "tok", "error", "bad", "flags", "many"), WireFormat.JSON);
        assertThat(pm.channel).isNull();
        assertThat(pm.params).isNull();
        assertThat(pm.accessToken).isNull();
        assertThat(pm.error).isNull();
        assertThat(pm.flags).isNull();
    }

    @Test
    void validationCodes() {
        assertCode(40000, () -> ProtocolMessage.fromTree(List.of(1), WireFormat.JSON));
        assertCode(40000, () -> ProtocolMessage.fromTree(tree("channel", "x"), WireFormat.JSON));
        assertCode(40000, () -> ProtocolMessage.fromTree(tree("action", "attach"), WireFormat.JSON));
        assertCode(40000, () -> ProtocolMessage.fromTree(tree("action", 15L, "messages", Map.of()), WireFormat.JSON));
        assertCode(40000, () -> ProtocolMessage.fromTree(tree("action", 14L, "presence", "x"), WireFormat.JSON));
        // item errors surface with the item's code
        assertCode(40013, () -> ProtocolMessage.fromTree(tree("action", 15L, "messages", List.of(Map.of("data", 1L))), WireFormat.JSON));
        assertCode(40000, () -> ProtocolMessage.fromTree(tree("action", 14L, "presence", List.of(Map.of("action", 9L))), WireFormat.JSON));
        assertCode(40000, () -> ProtocolMessage.decode("{\"action\":".getBytes(StandardCharsets.UTF_8), WireFormat.JSON));
    }

    @Test
    void copyForChannelChangesOnlyTheName() {
        ProtocolMessage pm = ProtocolMessage.of(Action.MESSAGE, "x");
        pm.channelSerial = "s";
        pm.messages = List.of();
        ProtocolMessage c = pm.copyForChannel("[?rewind=1]x");
        assertThat(c.channel).isEqualTo("[?rewind=1]x");
        assertThat(c).usingRecursiveComparison().ignoringFields("channel").isEqualTo(pm);
        assertThat(pm.channel).isEqualTo("x");
    }

    @Test
    void encodedFrameEncodesOncePerFormatAndRenames() {
        ProtocolMessage pm = ProtocolMessage.error(Action.ERROR, "x", ErrorCode.OPERATION_NOT_PERMITTED.info());
        EncodedFrame f = new EncodedFrame(pm);
        assertThat(f.bytes(WireFormat.JSON)).isSameAs(f.bytes(WireFormat.JSON));
        assertThat(f.bytes(WireFormat.MSGPACK)).isSameAs(f.bytes(WireFormat.MSGPACK));
        assertThat(ProtocolMessage.decode(f.bytes(WireFormat.MSGPACK), WireFormat.MSGPACK).error.code()).isEqualTo(40160);
        assertThat(f.forChannelName("x")).isSameAs(f);
        assertThat(f.forChannelName("[?rewind=1]x").json()).contains("\"channel\":\"[?rewind=1]x\"");
    }

    private static void assertCode(int code, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).as(e.getMessage()).isEqualTo(code));
    }
}
