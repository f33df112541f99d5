package dev.switchboard.server.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PayloadTest {
    private static final byte[] BYTES = {1, 2, 3, (byte) 0xfe};
    private static final String B64 = Base64.getEncoder().encodeToString(BYTES);

    @Test
    void jsonBase64IsUndoneToBytes() {
        Payload p = Payload.fromWire(B64, "base64", WireFormat.JSON);
        assertThat(p.data()).isEqualTo(BYTES);
        assertThat(p.encoding()).isNull();
    }

    @Test
    void jsonBase64KeepsTheEarlierSteps() {
        Payload p = Payload.fromWire(B64, "utf-8/cipher+aes-128-cbc/base64", WireFormat.JSON);
        assertThat(p.data()).isEqualTo(BYTES);
        assertThat(p.encoding()).isEqualTo("utf-8/cipher+aes-128-cbc");
    }

    @Test
    void base64NotAsTheLastStepStaysText() {
        Payload p = Payload.fromWire("abc", "base64/json", WireFormat.JSON);
        assertThat(p.data()).isEqualTo("abc");
        assertThat(p.encoding()).isEqualTo("base64/json");
    }

    @Test
    void msgpackBase64TextIsRelayedAsIs() {
        // Only JSON transports base64 binary; over MessagePack a base64 string is the publisher's own text.
        Payload p = Payload.fromWire(B64, "base64", WireFormat.MSGPACK);
        assertThat(p.data()).isEqualTo(B64);
        assertThat(p.encoding()).isEqualTo("base64");
    }

    @Test
    void invalidBase64Is40013() {
        assertCode(40013, () -> Payload.fromWire("not base64!!", "base64", WireFormat.JSON));
    }

    @Test
    void binaryIsReencodedPerFormat() {
        Payload p = Payload.fromWire(BYTES, null, WireFormat.MSGPACK);
        assertThat(p.wireData(WireFormat.MSGPACK)).isEqualTo(BYTES);
        assertThat(p.wireEncoding(WireFormat.MSGPACK)).isNull();
        assertThat(p.wireData(WireFormat.JSON)).isEqualTo(B64);
        assertThat(p.wireEncoding(WireFormat.JSON)).isEqualTo("base64");
    }

    @Test
    void binaryWithAnEncodingGetsBase64Appended() {
        Payload p = Payload.fromWire(BYTES, "cipher+aes-256-cbc", WireFormat.MSGPACK);
        assertThat(p.wireEncoding(WireFormat.JSON)).isEqualTo("cipher+aes-256-cbc/base64");
        assertThat(p.wireEncoding(WireFormat.MSGPACK)).isEqualTo("cipher+aes-256-cbc");
    }

    @Test
    void jsonBase64RoundTripsThroughBothFormats() {
        Payload p = Payload.fromWire(B64, "utf-8/base64", WireFormat.JSON);
        assertThat(p.wireData(WireFormat.JSON)).isEqualTo(B64);
        assertThat(p.wireEncoding(WireFormat.JSON)).isEqualTo("utf-8/base64");
        assertThat(p.wireData(WireFormat.MSGPACK)).isEqualTo(BYTES);
        assertThat(p.wireEncoding(WireFormat.MSGPACK)).isEqualTo("utf-8");
    }

    @Test
    void textIsRelayedExactly() {
        Payload p = Payload.fromWire("{\"a\":1}", "json", WireFormat.JSON);
        assertThat(p.wireData(WireFormat.MSGPACK)).isEqualTo("{\"a\":1}");
        assertThat(p.wireEncoding(WireFormat.MSGPACK)).isEqualTo("json");
        assertThat(p.wireEncoding(WireFormat.JSON)).isEqualTo("json");
    }

    @Test
    void objectDataBecomesJsonTextWithJsonEncoding() {
        Payload p = Payload.fromWire(Map.of("a", 1), null, WireFormat.JSON);
        assertThat(p.data()).isEqualTo("{\"a\":1}");
        assertThat(p.encoding()).isEqualTo("json");

        Payload list = Payload.fromWire(List.of(1, "x"), null, WireFormat.MSGPACK);
        assertThat(list.data()).isEqualTo("[1,\"x\"]");
        assertThat(list.encoding()).isEqualTo("json");

        Payload withEncoding = Payload.fromWire(Map.of(), "utf-8", WireFormat.JSON);
        assertThat(withEncoding.encoding()).isEqualTo("utf-8/json");
    }

    @Test
    void invalidDataTypesAre40013() {
        assertCode(40013, () -> Payload.fromWire(42L, null, WireFormat.JSON));
        assertCode(40013, () -> Payload.fromWire(1.5, null, WireFormat.MSGPACK));
        assertCode(40013, () -> Payload.fromWire(true, null, WireFormat.JSON));
    }

    @Test
    void emptyEncodingIsAbsent() {
        assertThat(Payload.fromWire("x", "", WireFormat.JSON).encoding()).isNull();
        assertThat(Payload.fromWire(null, "", WireFormat.JSON)).isEqualTo(Payload.EMPTY);
        assertThat(Payload.fromWire("", "base64", WireFormat.JSON).encoding()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ascii", "é", "€uro", "😀", "a😀b€é", "日本語"})
    void utf8LengthMatchesTheEncodedBytes(String s) {
        assertThat(Payload.utf8Length(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void sizeCountsBytesOrUtf8() {
        assertThat(Payload.utf8Length(null)).isZero();
        assertThat(Payload.fromWire("€", null, WireFormat.JSON).size()).isEqualTo(3);
        assertThat(Payload.fromWire(B64, "base64", WireFormat.JSON).size()).isEqualTo(BYTES.length);
        assertThat(Payload.EMPTY.size()).isZero();
    }

    @Test
    void dataAsTextDecodesBinaryAsUtf8() {
        assertThat(new Payload("é".getBytes(StandardCharsets.UTF_8), null).dataAsText()).isEqualTo("é");
        assertThat(new Payload("plain", null).dataAsText()).isEqualTo("plain");
    }

    private static void assertCode(int code, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).as(e.getMessage()).isEqualTo(code));
    }
}
