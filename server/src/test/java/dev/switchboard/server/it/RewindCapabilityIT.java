package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Rewind delivers retained messages only to an attachment that may subscribe (a publish-only key got them before). */
class RewindCapabilityIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();

    private static void publishTwo(String channel) throws Exception {
        try (RawWebSocket root = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            ObjectNode publish = RawWebSocket.frame(15).put("channel", channel).put("msgSerial", 0);
            publish.putArray("messages").addObject().put("name", "retained").put("data", "first");
            publish.withArray("messages").addObject().put("name", "retained").put("data", "second");
            root.send(publish);
            root.awaitFrame(f -> f.path("action").asInt() == 1);
        }
    }

    /** Attaches as {@code wireName} and returns every frame for it received before a later ATTACH's answer. */
    private static List<JsonNode> attachWithRewind(String key, String wireName, boolean asParam) throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(server, key)) {
            ObjectNode attach = RawWebSocket.frame(10).put("channel", wireName);
            if (asParam) attach.putObject("params").put("rewind", "10");
            ws.send(attach);
            ws.awaitFrame(f -> f.path("action").asInt() == 11 && f.path("channel").asText().equals(wireName));
            // Frames go out in order: once the barrier's answer is here, anything the first attach would send has arrived.
            ws.send(RawWebSocket.frame(10).put("channel", "barrier-" + System.nanoTime()));
            ws.awaitFrame(f -> f.path("channel").asText().startsWith("barrier-"));
            return ws.received().stream().filter(f -> f.path("action").asInt() == 15 && f.path("channel").asText().equals(wireName)).toList();
        }
    }

    @Test
    void aKeyWithoutSubscribeGetsNoRetainedMessagesThroughRewind() throws Exception {
        publishTwo("secret-rewind");
        assertThat(attachWithRewind(SwitchboardExtension.PUBLISH_ONLY_KEY, "[?rewind=10]secret-rewind", false)).as("qualifier").isEmpty();
        assertThat(attachWithRewind(SwitchboardExtension.PUBLISH_ONLY_KEY, "secret-rewind", true)).as("params.rewind").isEmpty();
        // The same request with subscribe gets both: the test sees rewound messages when they are sent.
        List<JsonNode> allowed = attachWithRewind(SwitchboardExtension.ROOT_KEY, "secret-rewind", true);
        assertThat(allowed.stream().mapToInt(f -> f.path("messages").size()).sum()).isEqualTo(2);
    }
}
