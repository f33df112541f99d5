package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rewind is applied when a channel is first attached, not again when the client re-sends its ATTACH with the
 * RESUME flag (RTL4j; ably-js does so after a transport change): that attach gets no rewound messages and no
 * HAS_BACKLOG, where a fresh one with the same params does.
 */
class RewindOnResumeIT {
    private static final int ATTACH_RESUME = 1 << 5;
    private static final int HAS_BACKLOG = 1 << 1;

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();

    @Test
    void anAttachWithTheResumeFlagIgnoresTheRewindAFreshOneHonours() throws Exception {
        String channel = SwitchboardExtension.uniqueChannel("rewind-resume");
        try (RawWebSocket publisher = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            var publish = RawWebSocket.frame(15).put("channel", channel).put("msgSerial", 0);
            publish.withArray("messages").addObject().put("name", "n").put("data", "earlier");
            publisher.send(publish);
            publisher.awaitFrame(f -> f.path("action").asInt() == 1);
        }

        try (RawWebSocket fresh = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY);
             RawWebSocket resuming = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            var attach = RawWebSocket.frame(10).put("channel", channel);
            attach.putObject("params").put("rewind", "1");
            fresh.send(attach);
            JsonNode attached = fresh.awaitFrame(f -> f.path("action").asInt() == 11);
            assertThat(attached.path("flags").asLong() & HAS_BACKLOG).isNotZero();
            fresh.awaitFrame(f -> f.path("action").asInt() == 15 && "earlier".equals(f.path("messages").path(0).path("data").asText()));

            resuming.send(attach.deepCopy().put("flags", ATTACH_RESUME));
            JsonNode resumedAttach = resuming.awaitFrame(f -> f.path("action").asInt() == 11);
            assertThat(resumedAttach.path("flags").asLong() & HAS_BACKLOG).isZero();
            // A message published now is the first one it gets: nothing was rewound before it.
            var now = RawWebSocket.frame(15).put("channel", channel).put("msgSerial", 0);
            now.withArray("messages").addObject().put("data", "now");
            fresh.send(now);
            resuming.awaitFrame(f -> f.path("action").asInt() == 15);
            List<String> got = resuming.received().stream().filter(f -> f.path("action").asInt() == 15)
                    .map(f -> f.path("messages").path(0).path("data").asText()).toList();
            assertThat(got).containsExactly("now");
        }
    }
}
