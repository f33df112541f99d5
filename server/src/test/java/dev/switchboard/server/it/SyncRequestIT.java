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
 * A client that sends SYNC (16) on an attached channel, as ably-js does when it has lost track of the members, gets the
 * members as SYNC frames (an empty, complete SYNC when there are none); the connection stays up. Before, the server
 * ended the connection with 40000.
 */
class SyncRequestIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();

    private static void attach(RawWebSocket ws, String channel) {
        try {
            ws.send(RawWebSocket.frame(10).put("channel", channel));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        ws.awaitFrame(f -> f.path("action").asInt() == 11 && channel.equals(f.path("channel").asText()));
    }

    @Test
    void aRequestedSyncListsTheMembersAndAnEmptyOneCompletesAtOnce() throws Exception {
        try (RawWebSocket member = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY);
             RawWebSocket asking = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            attach(member, "sync-requested");
            ObjectNode enter = RawWebSocket.frame(14).put("channel", "sync-requested").put("msgSerial", 0);
            for (String id : List.of("ann", "bob")) enter.withArray("presence").addObject().put("action", 2).put("clientId", id).put("data", "x");
            member.send(enter);
            member.awaitFrame(f -> f.path("action").asInt() == 1);

            attach(asking, "sync-requested");
            // The attach's own SYNC first (the channel has members), so that only the requested one is counted below.
            asking.awaitFrame(f -> f.path("action").asInt() == 16 && f.path("channelSerial").asText().endsWith(":"));
            int before = asking.received().size();
            asking.send(RawWebSocket.frame(16).put("channel", "sync-requested"));
            JsonNode last = asking.awaitFrame(f -> f.path("action").asInt() == 16 && asking.received().indexOf(f) >= before
                    && f.path("channelSerial").asText().endsWith(":"));
            List<String> members = new ArrayList<>();
            asking.received().subList(before, asking.received().size()).stream().filter(f -> f.path("action").asInt() == 16)
                    .forEach(f -> f.path("presence").forEach(p -> members.add(p.path("clientId").asText())));
            assertThat(members).containsExactlyInAnyOrder("ann", "bob");
            assertThat(last.path("channel").asText()).isEqualTo("sync-requested");

            attach(asking, "sync-empty");
            asking.send(RawWebSocket.frame(16).put("channel", "sync-empty"));
            JsonNode empty = asking.awaitFrame(f -> f.path("action").asInt() == 16 && "sync-empty".equals(f.path("channel").asText()));
            assertThat(empty.path("presence")).isEmpty();
            assertThat(empty.path("channelSerial").asText()).endsWith(":");
            assertThat(asking.isClosed()).isFalse();
        }
    }
}
