package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.types.ErrorInfo;
import dev.switchboard.server.testing.WireProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One connection holds a bounded number of channels, each qualified alias of a channel counted (one client attached
 * one channel under thousands of {@code [?z=i]} names before, making attaches quadratic and one message be written
 * thousands of times to its socket). The refusal fails that channel only; the connection stays usable.
 */
class ChannelLimitIT {
    private static final int LIMIT = 5;

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension()
            .withConfig(c -> c.withLimits(c.limits().withMaxChannelsPerConnection(LIMIT)));

    private static JsonNode attach(RawWebSocket ws, String wireName) throws Exception {
        ws.send(RawWebSocket.frame(10).put("channel", wireName));
        return ws.awaitFrame(f -> wireName.equals(f.path("channel").asText()) && (f.path("action").asInt() == 11 || f.path("action").asInt() == 9));
    }

    @Test
    void aliasesOfOneChannelCountAndTheOneOverTheLimitFailsWith90010() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            assertThat(attach(ws, "limited").path("action").asInt()).isEqualTo(11);
            for (int i = 1; i < LIMIT; i++) {
                assertThat(attach(ws, "[?z=" + i + "]limited").path("action").asInt()).as("alias " + i).isEqualTo(11);
            }
            JsonNode refused = attach(ws, "[?z=99]limited");
            assertThat(refused.path("action").asInt()).isEqualTo(9);
            assertThat(refused.path("error").path("code").asInt()).isEqualTo(90010);
            assertThat(refused.path("error").path("message").asText()).contains("Maximum number of channels per connection (5)");

            // Attaching one already held is not a new channel; after a detach there is room again.
            assertThat(attach(ws, "limited").path("action").asInt()).isEqualTo(11);
            ws.send(RawWebSocket.frame(12).put("channel", "[?z=1]limited"));
            ws.awaitFrame(f -> f.path("action").asInt() == 13 && "[?z=1]limited".equals(f.path("channel").asText()));
            assertThat(attach(ws, "another").path("action").asInt()).isEqualTo(11);
            assertThat(ws.isClosed()).as("the connection survives the refusal").isFalse();
        }
    }

    @Test
    void theOfficialSdkSeesTheChannelFailWithTheCode() throws Exception {
        AblyJava ably = new AblyJava(server);
        AblyRealtime client = ably.connected(ably.options(WireProtocol.JSON, SwitchboardExtension.ROOT_KEY));
        for (int i = 0; i < LIMIT; i++) assertThat(AblyJava.attach(client.channels.get("sdk-" + i))).as("channel " + i).isNull();
        ErrorInfo refused = AblyJava.attach(client.channels.get("sdk-over"));
        assertThat(refused).isNotNull();
        assertThat(refused.code).isEqualTo(90010);
        assertThat(client.connection.state.name()).isEqualTo("connected");
    }
}
