package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Presence changes a client sends in one PRESENCE arrive at the other members in one PRESENCE, as they were sent:
 * ably-js takes one enter to mean all of them have arrived (before, the log that channels share split them into a
 * frame each, and a client reading the members after the first enter saw only some).
 */
class PresenceFramesIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();

    @Test
    void enterClientsSentTogetherArriveTogether() throws Exception {
        String channel = SwitchboardExtension.uniqueChannel("presence-frames");
        try (RawWebSocket member = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY);
             RawWebSocket watcher = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            for (RawWebSocket ws : List.of(member, watcher)) {
                ws.send(RawWebSocket.frame(10).put("channel", channel));
                ws.awaitFrame(f -> f.path("action").asInt() == 11);
            }
            ObjectNode enter = RawWebSocket.frame(14).put("channel", channel).put("msgSerial", 0);
            for (int i = 0; i < 10; i++) enter.withArray("presence").addObject().put("action", 2).put("clientId", "client_" + i).put("data", "x");
            member.send(enter);
            member.awaitFrame(f -> f.path("action").asInt() == 1);

            JsonNode frame = watcher.awaitFrame(f -> f.path("action").asInt() == 14);
            List<String> members = new ArrayList<>();
            frame.path("presence").forEach(p -> members.add(p.path("clientId").asText()));
            assertThat(members).as("all ten in the first PRESENCE").hasSize(10).startsWith("client_0").endsWith("client_9");
        }
    }
}
