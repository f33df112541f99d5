package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Recovering a connection (a client that restarted, {@code recover=<key>}): the same connection with a new key
 * (RTN16d), so the old key cannot take it again — before, two clients recovering one key took the connection from
 * each other for ever; a key of another shape is 80018, a well-formed unknown one 80008, each on a new connection.
 */
class RecoverIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();

    private static RawWebSocket open(String extra) throws Exception {
        return RawWebSocket.open(server.wsBase(), "format=json&v=6&key=" + URLEncoder.encode(SwitchboardExtension.ROOT_KEY, StandardCharsets.UTF_8) + extra);
    }

    private static JsonNode connected(RawWebSocket ws) { return ws.awaitFrame(f -> f.path("action").asInt() == 4); }

    @Test
    void aRecoveredConnectionKeepsItsIdWithANewKeyAndTheOldKeyNoLongerRecoversIt() throws Exception {
        String connectionId, oldKey;
        try (RawWebSocket first = open("")) {
            JsonNode c = connected(first);
            connectionId = c.path("connectionId").asText();
            oldKey = c.path("connectionDetails").path("connectionKey").asText();
        }
        await().until(() -> server.server().context().connections().get(connectionId) == null);

        try (RawWebSocket recovered = open("&recover=" + URLEncoder.encode(oldKey, StandardCharsets.UTF_8))) {
            JsonNode c = connected(recovered);
            assertThat(c.path("connectionId").asText()).isEqualTo(connectionId);
            assertThat(c.has("error")).as(c.toString()).isFalse();
            String newKey = c.path("connectionDetails").path("connectionKey").asText();
            assertThat(newKey).isNotEqualTo(oldKey).startsWith(connectionId + "!");

            try (RawWebSocket second = open("&recover=" + URLEncoder.encode(oldKey, StandardCharsets.UTF_8))) {
                JsonNode other = connected(second);
                assertThat(other.path("connectionId").asText()).as("a new connection, not the recovered one").isNotEqualTo(connectionId);
                assertThat(other.path("error").path("code").asInt()).isEqualTo(80008);
            }
            assertThat(recovered.isClosed()).as("the recovered connection was not taken").isFalse();
        }
    }

    @Test
    void aMalformedKeyIs80018AndAnUnknownWellFormedOne80008() throws Exception {
        try (RawWebSocket ws = open("&recover=" + URLEncoder.encode("_____!ablyjs_test_fake-key____", StandardCharsets.UTF_8))) {
            JsonNode c = connected(ws);
            assertThat(c.path("error").path("code").asInt()).isEqualTo(80018);
            assertThat(c.path("connectionDetails").path("connectionKey").asText()).doesNotContain("ablyjs_test_fake");
        }
        try (RawWebSocket ws = open("&recover=AAAAAAAAAA!BBBBBBBBBBBBBBBB")) {
            assertThat(connected(ws).path("error").path("code").asInt()).isEqualTo(80008);
        }
    }
}
