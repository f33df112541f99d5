package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.SwitchboardException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChannelNameTest {

    @Test
    void plainNameHasNoParams() {
        assertThat(ChannelName.parse("chat:room-1")).isEqualTo(new ChannelName("chat:room-1", Map.of()));
    }

    @Test
    void aFilterQualifierCarriesTheDecodedExpressionWithOrWithoutParams() {
        String expression = "name == `\"x\"` && headers.n > `2`";
        String b64 = java.util.Base64.getEncoder().encodeToString(expression.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(ChannelName.parse("[filter=" + b64 + "]room")).isEqualTo(new ChannelName("room", Map.of("filter", expression)));
        ChannelName withRewind = ChannelName.parse("[filter=" + b64 + "?rewind=1]room");
        assertThat(withRewind.name()).isEqualTo("room");
        assertThat(withRewind.qualifierParams()).containsExactly(Map.entry("filter", expression), Map.entry("rewind", "1"));
        assertThatThrownBy(() -> ChannelName.parse("[filter=@@@]room")).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).isEqualTo(40010));
    }

    @Test
    void qualifierParamsAreSplitOffTheName() {
        ChannelName n = ChannelName.parse("[?rewind=2m]incoming-chat");
        assertThat(n.name()).isEqualTo("incoming-chat");
        assertThat(n.qualifierParams()).containsExactly(Map.entry("rewind", "2m"));
    }

    @Test
    void severalParamsInOrderAndEmptyPairsSkipped() {
        ChannelName n = ChannelName.parse("[?&rewind=1&&delta=vcdiff&]x");
        assertThat(n.name()).isEqualTo("x");
        assertThat(n.qualifierParams()).containsExactly(Map.entry("rewind", "1"), Map.entry("delta", "vcdiff"));
        assertThat(ChannelName.parse("[?]x")).isEqualTo(new ChannelName("x", Map.of()));
    }

    @Test
    void paramsAreUrlDecoded() {
        assertThat(ChannelName.parse("[?a%20b=c%26d%3D]x").qualifierParams()).containsExactly(Map.entry("a b", "c&d="));
        assertThat(ChannelName.parse("[?a=]x").qualifierParams()).containsExactly(Map.entry("a", ""));
    }

    @Test
    void otherQualifiersStayPartOfTheName() {
        assertThat(ChannelName.parse("[meta]log").name()).isEqualTo("[meta]log");
    }

    @Test
    void nameOfExactlyTheLimitIsAccepted() {
        assertThat(ChannelName.parse("x".repeat(2048)).name()).hasSize(2048);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"[?rewind=1", "[?rewind]x", "[?=1]x", "[?rewind=1]", "a\nb", "a\u0000b", "[?a=1]b\u007f", ":hell", "::", "[?rewind=1]:x"})
    void invalidNamesAre40010(String raw) {
        assertInvalid(raw);
    }

    /** A bad escape is the client's error on that channel (40010), not an internal error that ends the connection. */
    @ParameterizedTest
    @ValueSource(strings = {"[?rewind=%zz]x", "[?%=1]x", "[?a=%E]x"})
    void malformedPercentEncodingIs40010(String raw) {
        assertInvalid(raw);
    }

    @Test
    void tooLongNameIs40010() {
        assertInvalid("x".repeat(2049));
    }

    static void assertInvalid(String raw) {
        assertThatThrownBy(() -> ChannelName.parse(raw)).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).isEqualTo(40010));
    }
}
