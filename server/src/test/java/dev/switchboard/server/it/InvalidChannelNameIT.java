package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A channel name with a leading colon names no namespace and is refused as the hosted service refuses it: the
 * channel fails with 40010 (attach, publish, REST), the connection stays up and other channels keep working.
 * ably-js's own suite tests this with ':hell' and '::'.
 */
class InvalidChannelNameIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void attachingOrPublishingOnALeadingColonNameFailsTheChannelWith40010AndKeepsTheConnection(WireProtocol protocol) throws Exception {
        AblyJava ably = new AblyJava(server);
        AblyRealtime client = ably.connected(ably.options(protocol, SwitchboardExtension.ROOT_KEY));
        Channel hell = client.channels.get(":hell");
        ErrorInfo refused = AblyJava.attach(hell);
        assertThat(refused).isNotNull();
        assertThat(refused.code).isEqualTo(40010);
        assertThat(hell.state).isEqualTo(ChannelState.failed);
        assertThat(hell.reason.code).isEqualTo(40010);
        assertThat(AblyJava.attach(hell)).as("a second attempt fails the same way").extracting(e -> e.code).isEqualTo(40010);

        ErrorInfo published = AblyJava.publish(client.channels.get("::"), "n", "x");
        assertThat(published).isNotNull();
        assertThat(published.code).isEqualTo(40010);

        assertThat(client.connection.state.name()).isEqualTo("connected");
        assertThat(AblyJava.attach(client.channels.get("fine:name"))).as("other channels still attach").isNull();

        AblyRest rest = ably.rest(ably.options(protocol, SwitchboardExtension.ROOT_KEY));
        AblyException restRefused = catchThrowableOfType(() -> rest.channels.get(":hell").publish(new Message[]{new Message("n", "x")}),
                AblyException.class);
        assertThat(restRefused.errorInfo.code).isEqualTo(40010);
        assertThat(restRefused.errorInfo.statusCode).isEqualTo(400);
    }

    @Test
    void aMessageSentOnALeadingColonNameWithoutAttachingIsNackedWith40010() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            var frame = RawWebSocket.frame(15).put("channel", ":x").put("msgSerial", 0);
            frame.putArray("messages").addObject().put("name", "n").put("data", "d");
            ws.send(frame);
            JsonNode nack = ws.awaitFrame(f -> f.path("action").asInt() == 2 || f.path("action").asInt() == 9);
            assertThat(nack.path("action").asInt()).isEqualTo(2);
            assertThat(nack.path("error").path("code").asInt()).isEqualTo(40010);
            ws.send(RawWebSocket.frame(10).put("channel", "after-the-nack"));
            ws.awaitFrame(f -> f.path("action").asInt() == 11);
            assertThat(ws.isClosed()).isFalse();
        }
    }
}
