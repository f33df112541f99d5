package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.EncodedFrame;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.SwitchboardException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubscriptionFilterTest {
    private static final SubscriptionFilter FILTER = SubscriptionFilter.compile("name == `\"filtered\"` && headers.number == `26095`");

    private static Message message(String name, Map<String, Object> headers) {
        return new Message(name + headers, name, "c", null, null, Payload.fromWire("d", null, dev.switchboard.server.protocol.WireFormat.JSON),
                headers == null ? null : Map.of("headers", headers), null);
    }

    @Test
    void aMessageMatchesOnItsNameAndHeaders() {
        assertThat(FILTER.matches(message("filtered", Map.of("number", 26095)))).isTrue();
        assertThat(FILTER.matches(message("filtered", Map.of("number", 12345)))).isFalse();
        assertThat(FILTER.matches(message("filtered", null))).as("no headers").isFalse();
        assertThat(FILTER.matches(message("other", Map.of("number", 26095)))).isFalse();
        assertThat(SubscriptionFilter.compile("clientId == 'c'").matches(message("x", null))).isTrue();
    }

    @Test
    void aFrameKeepsOnlyItsMatchingMessagesOrIsDropped() {
        ProtocolMessage pm = ProtocolMessage.of(Action.MESSAGE, "[filter=x]chan");
        pm.messages = List.of(message("filtered", Map.of("number", 26095)), message("filtered", Map.of("number", 1)));
        EncodedFrame frame = new EncodedFrame(pm);
        EncodedFrame reduced = FILTER.apply(frame);
        assertThat(reduced.message().messages).extracting(Message::id).containsExactly(pm.messages.get(0).id());
        assertThat(reduced.message().channel).isEqualTo("[filter=x]chan");

        pm.messages = List.of(message("filtered", Map.of("number", 1)));
        assertThat(FILTER.apply(new EncodedFrame(pm))).isNull();
        ProtocolMessage presence = ProtocolMessage.of(Action.PRESENCE, "chan");
        EncodedFrame presenceFrame = new EncodedFrame(presence);
        assertThat(FILTER.apply(presenceFrame)).as("presence passes").isSameAs(presenceFrame);
    }

    @Test
    void aMalformedExpressionIs40010() {
        assertThatThrownBy(() -> SubscriptionFilter.compile("name == ")).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).isEqualTo(40010));
    }
}
