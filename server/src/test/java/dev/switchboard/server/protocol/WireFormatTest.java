package dev.switchboard.server.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@SuppressWarnings("unchecked")
class WireFormatTest {

    private static Map<String, Object> sampleTree() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("list", Arrays.asList("a", 2L, null, true));
        inner.put("deeper", Map.of("x", 1.5));
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("s", "héllo €");
        tree.put("n", 42L);
        tree.put("neg", -7L);
        tree.put("f", 0.25);
        tree.put("t", true);
        tree.put("nil", null);
        tree.put("nested", inner);
        return tree;
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void roundTripsNestedTrees(WireFormat format) {
        Object back = format.readTree(format.writeTree(sampleTree()));

        Map<String, Object> m = Trees.mapOrNull(back);
        assertThat(m).containsKeys("s", "n", "neg", "f", "t", "nil", "nested");
        assertThat(m.get("s")).isEqualTo("héllo €");
        assertThat(Trees.longOrNull(m.get("n"))).isEqualTo(42L);
        assertThat(Trees.longOrNull(m.get("neg"))).isEqualTo(-7L);
        assertThat(m.get("f")).isEqualTo(0.25);
        assertThat(m.get("t")).isEqualTo(true);
        assertThat(m.get("nil")).isNull();
        Map<String, Object> nested = Trees.mapOrNull(m.get("nested"));
        assertThat((List<Object>) nested.get("list")).hasSize(4).startsWith("a").endsWith(true);
        assertThat(Trees.mapOrNull(nested.get("deeper"))).containsEntry("x", 1.5);
        // Key order survives, so frames are stable.
        assertThat(m.keySet()).containsExactly("s", "n", "neg", "f", "t", "nil", "nested");
    }

    @Test
    void msgpackKeepsBinaryAsBytes() {
        byte[] bytes = {0, 1, (byte) 0xff, 127, -128};
        Object back = WireFormat.MSGPACK.readTree(WireFormat.MSGPACK.writeTree(Map.of("b", bytes)));
        assertThat(Trees.mapOrNull(back).get("b")).isInstanceOf(byte[].class).isEqualTo(bytes);
    }

    @Test
    void jsonWritesBinaryAsBase64Text() {
        byte[] bytes = {0, 1, (byte) 0xff};
        String json = new String(WireFormat.JSON.writeTree(Map.of("b", bytes)), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"b\":\"" + Base64.getEncoder().encodeToString(bytes) + "\"}");
    }

    @Test
    void msgpackIntegersBeyondLongComeBackAsBigInteger() {
        BigInteger maxUnsigned = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
        BigInteger justAboveLong = BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE);
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("max", Long.MAX_VALUE);
        tree.put("min", Long.MIN_VALUE);
        tree.put("u64", maxUnsigned);
        tree.put("above", justAboveLong);
        tree.put("int", 5);

        Map<String, Object> back = Trees.mapOrNull(WireFormat.MSGPACK.readTree(WireFormat.MSGPACK.writeTree(tree)));

        assertThat(back.get("max")).isEqualTo(Long.MAX_VALUE);
        assertThat(back.get("min")).isEqualTo(Long.MIN_VALUE);
        assertThat(back.get("u64")).isEqualTo(maxUnsigned);
        assertThat(back.get("above")).isEqualTo(justAboveLong);
        assertThat(back.get("int")).isEqualTo(5L);
    }

    @Test
    void jsonIntegersBeyondLongComeBackAsBigInteger() {
        Map<String, Object> back = Trees.mapOrNull(WireFormat.JSON.readTree(
                "{\"big\":123456789012345678901234567890,\"max\":9223372036854775807}".getBytes(StandardCharsets.UTF_8)));
        assertThat(back.get("big")).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(back.get("max")).isEqualTo(Long.MAX_VALUE);
        assertThat(new String(WireFormat.JSON.writeTree(back), StandardCharsets.UTF_8))
                .isEqualTo("{\"big\":123456789012345678901234567890,\"max\":9223372036854775807}");
    }

    /** JSON readers may hand any integer to a MessagePack writer (extras published over JSON, fanned out as msgpack). */
    @Test
    void integersOutsideMsgpackRangeAreWrittenAsDoubles() {
        BigInteger huge = new BigInteger("123456789012345678901234567890");
        BigInteger hugeNegative = BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE);
        Object json = WireFormat.JSON.readTree(("{\"big\":" + huge + ",\"neg\":" + hugeNegative + "}").getBytes(StandardCharsets.UTF_8));

        Map<String, Object> back = Trees.mapOrNull(WireFormat.MSGPACK.readTree(WireFormat.MSGPACK.writeTree(json)));

        assertThat(back.get("big")).isEqualTo(huge.doubleValue());
        assertThat(back.get("neg")).isEqualTo(hugeNegative.doubleValue());
    }

    @Test
    void msgpackMapKeysOfOtherTypesBecomeStrings() throws Exception {
        try (var packer = org.msgpack.core.MessagePack.newDefaultBufferPacker()) {
            packer.packMapHeader(2).packInt(7).packString("seven").packBoolean(true).packNil();
            Map<String, Object> back = Trees.mapOrNull(WireFormat.MSGPACK.readTree(packer.toByteArray()));
            assertThat(back).containsEntry("7", "seven").containsEntry("true", null);
        }
    }

    @Test
    void msgpackExtensionValuesReadAsNull() throws Exception {
        try (var packer = org.msgpack.core.MessagePack.newDefaultBufferPacker()) {
            packer.packArrayHeader(2).packExtensionTypeHeader((byte) 3, 2).writePayload(new byte[]{1, 2}).packString("after");
            assertThat((List<Object>) WireFormat.MSGPACK.readTree(packer.toByteArray())).containsExactly(null, "after");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "{\"a\":}", "[1,2", "nul", "{'a':1}"})
    void malformedJsonIs40000(String text) {
        assertBadRequest(() -> WireFormat.JSON.readTree(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** A frame nested 200,000 deep is a 40000, not a StackOverflowError; the bound is the one JSON has. */
    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void deeplyNestedFramesAre40000InBothFormatsWhileTheBoundItselfParses(WireFormat format) {
        assertBadRequest(() -> format.readTree(nested(format, 200_000)));
        assertBadRequest(() -> format.readTree(nested(format, WireFormat.MAX_NESTING + 2)));
        Object ok = format.readTree(nested(format, WireFormat.MAX_NESTING - 1));
        assertThat(ok).isInstanceOf(List.class);
    }

    /** {@code depth} arrays inside each other around a 1. */
    private static byte[] nested(WireFormat format, int depth) {
        if (format == WireFormat.JSON) return ("[".repeat(depth) + "1" + "]".repeat(depth)).getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[depth + 1];
        Arrays.fill(bytes, 0, depth, (byte) 0x91); // fixarray of one element
        bytes[depth] = 0x01;
        return bytes;
    }

    /** A few bytes claiming a huge array or binary must not make the server allocate for the claim. */
    @Test
    void msgpackLengthHeadersBeyondTheFrameAre40000NotAnAllocation() {
        assertBadRequest(() -> WireFormat.MSGPACK.readTree(new byte[]{(byte) 0xdd, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        assertBadRequest(() -> WireFormat.MSGPACK.readTree(new byte[]{(byte) 0xc6, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0}));
        assertBadRequest(() -> WireFormat.MSGPACK.readTree(new byte[]{(byte) 0xdf, 0x3f, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        assertBadRequest(() -> WireFormat.MSGPACK.readTree(new byte[]{(byte) 0xc9, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 1}));
        // nested inside a valid map, too
        assertBadRequest(() -> WireFormat.MSGPACK.readTree(new byte[]{(byte) 0x81, (byte) 0xa1, 'a', (byte) 0xdc, (byte) 0xff, (byte) 0xff}));
    }

    @Test
    void msgpackArrayAndBinaryOfExactlyTheFrameLengthStillRead() {
        assertThat((List<Object>) WireFormat.MSGPACK.readTree(new byte[]{(byte) 0x92, 1, 2})).containsExactly(1L, 2L);
        assertThat((byte[]) WireFormat.MSGPACK.readTree(new byte[]{(byte) 0xc4, 2, 9, 8})).containsExactly(9, 8);
        assertThat((List<Object>) WireFormat.MSGPACK.readTree(new byte[]{(byte) 0x90})).isEmpty();
    }

    @Test
    void emptyMsgpackIs40000() {
        assertBadRequest(() -> WireFormat.MSGPACK.readTree(new byte[0]));
    }

    @Test
    void truncatedMsgpackIs40000() {
        byte[] whole = WireFormat.MSGPACK.writeTree(sampleTree());
        for (int len = 1; len < whole.length; len++) {
            byte[] part = Arrays.copyOf(whole, len);
            assertBadRequest(() -> WireFormat.MSGPACK.readTree(part));
        }
    }

    @Test
    void neverUsedMsgpackByteIs40000() {
        assertBadRequest(() -> WireFormat.MSGPACK.readTree(new byte[]{(byte) 0xc1}));
    }

    @Test
    void formatFromQueryParam() {
        assertThat(WireFormat.fromParam(null)).isEqualTo(WireFormat.JSON);
        assertThat(WireFormat.fromParam("")).isEqualTo(WireFormat.JSON);
        assertThat(WireFormat.fromParam("json")).isEqualTo(WireFormat.JSON);
        assertThat(WireFormat.fromParam("msgpack")).isEqualTo(WireFormat.MSGPACK);
        assertThatThrownBy(() -> WireFormat.fromParam("xml"))
                .isInstanceOfSatisfying(SwitchboardException.class, e -> assertThat(e.error().code()).isEqualTo(40003));
    }

    @Test
    void formatFromMediaType() {
        assertThat(WireFormat.fromMediaType("application/x-msgpack")).isEqualTo(WireFormat.MSGPACK);
        assertThat(WireFormat.fromMediaType("Application/JSON; charset=utf-8")).isEqualTo(WireFormat.JSON);
        assertThat(WireFormat.fromMediaType("*/*")).isEqualTo(WireFormat.JSON);
        assertThat(WireFormat.fromMediaType("text/html")).isNull();
        assertThat(WireFormat.fromMediaType(null)).isNull();
        assertThat(WireFormat.MSGPACK.isBinary()).isTrue();
        assertThat(WireFormat.JSON.contentType()).isEqualTo("application/json");
    }

    static void assertBadRequest(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).isEqualTo(40000));
    }
}
