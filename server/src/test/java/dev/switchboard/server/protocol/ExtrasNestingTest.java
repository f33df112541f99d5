package dev.switchboard.server.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Found by DecoderFuzzTest: a REST body {@code {"extras": <998 nested objects>}} decoded, but the MESSAGE frame the channel
 * then builds is deeper than the JSON writer's 1,000 levels — an IllegalStateException on the channel owner. Extras are
 * now refused (40000) beyond {@link Message#MAX_EXTRAS_DEPTH} levels, so every envelope around them can be written.
 */
class ExtrasNestingTest {

    /** {@code levels} one-key objects nested around a 0. */
    private static String nestedObjects(int levels) {
        return "{\"a\":".repeat(levels) + "0" + "}".repeat(levels);
    }

    @Test
    void theRestBodyTheFuzzerFoundIsRefusedWith40000() {
        String body = "{\"name\":\"\",\"timestamp\":0,\"extras\":" + nestedObjects(998) + "}";
        Object tree = WireFormat.JSON.readTree(body.getBytes(StandardCharsets.UTF_8)); // within the parser's 1,000 levels

        assertThatThrownBy(() -> Message.fromTree(tree, WireFormat.JSON))
                .isInstanceOfSatisfying(SwitchboardException.class, e -> {
                    assertThat(e.error().code()).isEqualTo(40000);
                    assertThat(e.error().message()).contains("extras must not nest more than 64 levels");
                });
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void extrasAtTheLimitAreAcceptedAndEveryFrameAroundThemIsWritable(WireFormat format) {
        Object tree = WireFormat.JSON.readTree(("{\"name\":\"n\",\"extras\":" + nestedObjects(Message.MAX_EXTRAS_DEPTH) + "}")
                .getBytes(StandardCharsets.UTF_8));
        Message m = Message.fromTree(tree, format);

        ProtocolMessage frame = ProtocolMessage.of(Action.MESSAGE, "x");
        frame.messages = List.of(m);
        Object roundTripped = ProtocolMessage.decode(frame.encode(format), format).messages.get(0).extras();
        assertThat(WireFormat.JSON.writeTree(roundTripped)).isEqualTo(WireFormat.JSON.writeTree(m.extras()));
    }

    @Test
    void oneLevelMoreIsRefused() {
        Map<String, Object> tooDeep = Trees.mapOrNull(WireFormat.JSON.readTree(
                ("{\"extras\":" + nestedObjects(Message.MAX_EXTRAS_DEPTH + 1) + "}").getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> Message.fromTree(tooDeep, WireFormat.JSON)).isInstanceOf(SwitchboardException.class);
    }

    @Test
    void deepPresenceExtrasInAFrameAreRefusedToo() {
        String frame = "{\"action\":14,\"channel\":\"x\",\"presence\":[{\"action\":2,\"extras\":[" + nestedObjects(900) + "]}]}";
        assertThatThrownBy(() -> ProtocolMessage.decode(frame.getBytes(StandardCharsets.UTF_8), WireFormat.JSON))
                .isInstanceOfSatisfying(SwitchboardException.class, e -> assertThat(e.error().code()).isEqualTo(40000));
    }

    @Test
    void nestingIsCountedInObjectsAndArraysAlike() {
        assertThat(Trees.nestedDeeperThan("text", 0)).isFalse();
        assertThat(Trees.nestedDeeperThan(Map.of(), 1)).isFalse();
        assertThat(Trees.nestedDeeperThan(Map.of(), 0)).isTrue();
        assertThat(Trees.nestedDeeperThan(List.of(Map.of("a", List.of())), 2)).isTrue();
        assertThat(Trees.nestedDeeperThan(List.of(Map.of("a", List.of())), 3)).isFalse();
    }
}
