package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.switchboard.server.testing.AblyJava.TIMEOUT;
import static dev.switchboard.server.testing.SwitchboardExtension.uniqueChannel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Frames no SDK sends get an ERROR with a code; an ably-java client on the same server keeps working. */
class MalformedFramesIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();
    private final AblyJava ably = new AblyJava(server);

    private AblyRealtime bystander;
    private Channel bystanderChannel;
    private final List<Message> bystanderGot = new CopyOnWriteArrayList<>();

    @BeforeEach
    void connectBystander() throws Exception {
        bystander = ably.connected(ably.options(WireProtocol.MSGPACK, SwitchboardExtension.ROOT_KEY));
        bystanderChannel = bystander.channels.get(uniqueChannel("bystander"));
        bystanderChannel.subscribe(bystanderGot::add);
        assertThat(AblyJava.attach(bystanderChannel)).isNull();
    }

    private void assertBystanderStillWorks(String name) throws Exception {
        assertThat(bystander.connection.state).isEqualTo(ConnectionState.connected);
        assertThat(AblyJava.publish(bystanderChannel, name, "still here")).isNull();
        await().atMost(TIMEOUT).until(() -> bystanderGot.stream().anyMatch(m -> name.equals(m.name)));
    }

    private RawWebSocket raw() throws Exception {
        return server.closeAfterEach(RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY));
    }

    private static boolean isConnectionError(JsonNode f) {
        return f.path("action").asInt() == 9 && !f.has("channel");
    }

    private static ObjectNode publish(String channel, int msgSerial, String name, String data) {
        ObjectNode pm = RawWebSocket.frame(15).put("channel", channel).put("msgSerial", msgSerial);
        pm.putArray("messages").addObject().put("name", name).put("data", data);
        return pm;
    }

    @ParameterizedTest
    @ValueSource(strings = {"this is not json", "{\"action\":", "[1,2,3]", "42", "\"a string\"", "null", "{\"noAction\":true}"})
    void unreadableFrameGetsError40000(String garbage) throws Exception {
        RawWebSocket ws = raw();

        ws.sendText(garbage);

        JsonNode error = ws.awaitFrame(MalformedFramesIT::isConnectionError);
        assertThat(error.path("error").path("code").asInt()).isEqualTo(40000);
        assertThat(error.path("error").path("statusCode").asInt()).isEqualTo(400);
        assertThat(error.path("error").path("message").asText()).isNotBlank();
        assertThat(ws.awaitClosed()).isEqualTo(1000);
        assertBystanderStillWorks("after-" + Integer.toHexString(garbage.hashCode()));
    }

    @Test
    void unknownActionGetsAnErrorWithACode() throws Exception {
        RawWebSocket ws = raw();

        ws.send(RawWebSocket.frame(99));

        JsonNode error = ws.awaitFrame(MalformedFramesIT::isConnectionError);
        assertThat(error.path("error").path("code").asInt()).isEqualTo(40000);
        assertBystanderStillWorks("after-unknown-action");
    }

    @Test
    void messageWithMessagesNotAnArrayGetsAnError() throws Exception {
        RawWebSocket ws = raw();

        ws.send(RawWebSocket.frame(15).put("channel", "x").put("msgSerial", 0).put("messages", "not an array"));

        JsonNode reply = ws.awaitFrame(f -> f.path("action").asInt() == 9 || f.path("action").asInt() == 2);
        assertThat(reply.path("error").path("code").asInt()).isEqualTo(40000);
        assertBystanderStillWorks("after-bad-messages");
    }

    @Test
    void oversizedPublishIsNackedByTheServerAndTheConnectionStays() throws Exception {
        RawWebSocket ws = raw();
        String channel = uniqueChannel("raw-big");

        ws.send(publish(channel, 0, "big", "x".repeat(65_537)));
        JsonNode nack = ws.awaitFrame(f -> f.path("action").asInt() == 2);
        assertThat(nack.path("msgSerial").asLong()).isZero();
        assertThat(nack.path("count").asInt()).isEqualTo(1);
        assertThat(nack.path("error").path("code").asInt()).isEqualTo(40009);

        ws.send(publish(channel, 1, "small", "ok"));
        JsonNode ack = ws.awaitFrame(f -> f.path("action").asInt() == 1);
        assertThat(ack.path("msgSerial").asLong()).isEqualTo(1);
        assertThat(ack.path("count").asInt()).isEqualTo(1);
        assertThat(ws.isClosed()).isFalse();
    }
}
