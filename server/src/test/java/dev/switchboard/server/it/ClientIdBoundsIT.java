package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A clientId is bounded wherever a client names one (connection, message, presence member, token request), and
 * presence extras count towards the message size as message extras do; before, both were unbounded.
 */
class ClientIdBoundsIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOO_LONG = "c".repeat(257);

    private static JsonNode answer(RawWebSocket ws, long msgSerial) {
        return ws.awaitFrame(f -> (f.path("action").asInt() == 1 || f.path("action").asInt() == 2) && f.path("msgSerial").asLong() == msgSerial);
    }

    @Test
    void aConnectionAskingForATooLongClientIdIsRefused() throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(server.wsBase(), "format=json&v=6&clientId=" + TOO_LONG + "&key="
                + URLEncoder.encode(SwitchboardExtension.ROOT_KEY, StandardCharsets.UTF_8))) {
            JsonNode error = ws.awaitFrame(f -> f.path("action").asInt() == 9);
            assertThat(error.path("error").path("code").asInt()).isEqualTo(40012);
            assertThat(error.path("error").path("message").asText()).contains("limit is 256");
        }
    }

    @Test
    void messagesAndPresenceMembersWithATooLongClientIdAreRefused() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            ObjectNode publish = RawWebSocket.frame(15).put("channel", "bounded").put("msgSerial", 0);
            publish.putArray("messages").addObject().put("clientId", TOO_LONG).put("data", "x");
            ws.send(publish);
            JsonNode nack = answer(ws, 0);
            assertThat(nack.path("action").asInt()).isEqualTo(2);
            assertThat(nack.path("error").path("code").asInt()).isEqualTo(40012);

            ws.send(RawWebSocket.frame(10).put("channel", "bounded"));
            ws.awaitFrame(f -> f.path("action").asInt() == 11);
            ObjectNode enter = RawWebSocket.frame(14).put("channel", "bounded").put("msgSerial", 1);
            enter.putArray("presence").addObject().put("action", 2).put("clientId", TOO_LONG);
            ws.send(enter);
            assertThat(answer(ws, 1).path("error").path("code").asInt()).isEqualTo(40012);

            // Presence extras are counted in the size limit (65,536 bytes by default), as for messages.
            ObjectNode big = RawWebSocket.frame(14).put("channel", "bounded").put("msgSerial", 2);
            ObjectNode member = big.putArray("presence").addObject().put("action", 2).put("clientId", "ok");
            member.putObject("extras").put("padding", "p".repeat(70_000));
            ws.send(big);
            assertThat(answer(ws, 2).path("error").path("code").asInt()).isEqualTo(40009);

            ObjectNode fine = RawWebSocket.frame(14).put("channel", "bounded").put("msgSerial", 3);
            fine.putArray("presence").addObject().put("action", 2).put("clientId", "c".repeat(256));
            ws.send(fine);
            assertThat(answer(ws, 3).path("action").asInt()).as("256 characters are allowed").isEqualTo(1);
        }
    }

    @Test
    void aTokenForATooLongClientIdIsNotIssued() throws Exception {
        String keyName = SwitchboardExtension.ROOT_KEY.substring(0, SwitchboardExtension.ROOT_KEY.indexOf(':'));
        String basic = Base64.getEncoder().encodeToString(SwitchboardExtension.ROOT_KEY.getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.httpBase() + "/keys/" + keyName + "/requestToken"))
                .header("Content-Type", "application/json").header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString("{\"keyName\":\"" + keyName + "\",\"timestamp\":" + System.currentTimeMillis() + ",\"clientId\":\"" + TOO_LONG + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("error").path("code").asInt()).isEqualTo(40012);
    }
}
