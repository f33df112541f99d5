package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static dev.switchboard.server.testing.SwitchboardExtension.uniqueChannel;
import static org.assertj.core.api.Assertions.assertThat;

/** A connection publishing faster than maxInboundRate gets NACK 42911; another connection is not limited by it. */
class InboundRateLimitIT {
    private static final int RATE = 5;
    private static final int BURST = 30;

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension().withMaxInboundRate(RATE);

    private static ObjectNode publish(String channel, int msgSerial) {
        ObjectNode pm = RawWebSocket.frame(15).put("channel", channel).put("msgSerial", msgSerial);
        pm.putArray("messages").addObject().put("name", "n" + msgSerial).put("data", "d");
        return pm;
    }

    @Test
    void burstOverTheRateIsNackedWith42911() throws Exception {
        RawWebSocket flooder = server.closeAfterEach(RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY));
        String channel = uniqueChannel("flood");

        for (int i = 0; i < BURST; i++) flooder.send(publish(channel, i));

        // Every message is answered, ACK or NACK, and the burst exceeds the bucket, so some are NACKed.
        flooder.awaitFrame(f -> f.path("msgSerial").asInt(-1) == BURST - 1 && (f.path("action").asInt() == 1 || f.path("action").asInt() == 2));
        JsonNode nack = flooder.awaitFrame(f -> f.path("action").asInt() == 2);
        assertThat(nack.path("error").path("code").asInt()).isEqualTo(42911);
        assertThat(nack.path("error").path("statusCode").asInt()).isEqualTo(429);
        long acked = flooder.received().stream().filter(f -> f.path("action").asInt() == 1).count();
        assertThat(acked).isBetween(1L, (long) BURST - 1);
        assertThat(flooder.isClosed()).isFalse();

        // The limit is per connection: a fresh connection publishes right away.
        RawWebSocket other = server.closeAfterEach(RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY));
        other.send(publish(channel, 0));
        JsonNode reply = other.awaitFrame(f -> f.path("action").asInt() == 1 || f.path("action").asInt() == 2);
        assertThat(reply.path("action").asInt()).as("reply %s", reply).isEqualTo(1);
    }
}
