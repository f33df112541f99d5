package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.protocol.Flags;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Channel modes as ably-js's own tests expect them: ATTACHED carries the modes granted — what the attach asked for
 * ({@code params.modes} winning over the ATTACH's flags; the default set when it asked for nothing), narrowed by the
 * capability — and an attached channel is held to them: publishing or entering presence without the mode is 40160.
 * Its other flag a client reads: HAS_BACKLOG when a rewind found messages.
 */
class ChannelModesIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();
    private final AtomicLong msgSerial = new AtomicLong();

    private static JsonNode attach(RawWebSocket ws, String channel, Long flags, String paramsModes) throws Exception {
        ObjectNode frame = RawWebSocket.frame(10).put("channel", channel);
        if (flags != null) frame.put("flags", flags);
        if (paramsModes != null) frame.putObject("params").put("modes", paramsModes);
        ws.send(frame);
        return ws.awaitFrame(f -> channel.equals(f.path("channel").asText()) && (f.path("action").asInt() == 11 || f.path("action").asInt() == 9));
    }

    private static long modes(JsonNode attached) { return attached.path("flags").asLong() & Flags.MODES; }

    /** Sends a MESSAGE (15) or PRESENCE enter (14) and returns its ACK (1) or NACK (2). */
    private JsonNode send(RawWebSocket ws, String channel, boolean presence) throws Exception {
        long serial = msgSerial.getAndIncrement();
        ObjectNode frame = RawWebSocket.frame(presence ? 14 : 15).put("channel", channel).put("msgSerial", serial);
        if (presence) frame.putArray("presence").addObject().put("action", 2).put("clientId", "member-" + serial).put("data", "x");
        else frame.putArray("messages").addObject().put("name", "n").put("data", "d");
        ws.send(frame);
        return ws.awaitFrame(f -> (f.path("action").asInt() == 1 || f.path("action").asInt() == 2) && f.path("msgSerial").asLong() == serial);
    }

    @Test
    void attachedCarriesTheGrantedModesAndTheChannelIsHeldToThem() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            assertThat(modes(attach(ws, "modes-default", null, null))).as("nothing asked: the default set").isEqualTo(Flags.DEFAULT_MODES);

            assertThat(modes(attach(ws, "modes-subscribe", null, "subscribe"))).isEqualTo(Flags.MODE_SUBSCRIBE);
            JsonNode publish = send(ws, "modes-subscribe", false);
            assertThat(publish.path("action").asInt()).isEqualTo(2);
            assertThat(publish.path("error").path("code").asInt()).isEqualTo(40160);
            JsonNode enter = send(ws, "modes-subscribe", true);
            assertThat(enter.path("action").asInt()).isEqualTo(2);
            assertThat(enter.path("error").path("code").asInt()).isEqualTo(40160);

            long flags = Flags.MODE_PUBLISH | Flags.MODE_PRESENCE_SUBSCRIBE;
            assertThat(modes(attach(ws, "modes-params-win", flags, "presence,subscribe")))
                    .as("params.modes wins over the flags").isEqualTo(Flags.MODE_PRESENCE | Flags.MODE_SUBSCRIBE);
            assertThat(send(ws, "modes-params-win", true).path("action").asInt()).isEqualTo(1);
            assertThat(send(ws, "modes-params-win", false).path("action").asInt()).isEqualTo(2);

            assertThat(modes(attach(ws, "modes-flags", flags, null))).isEqualTo(flags);
            assertThat(send(ws, "modes-flags", false).path("action").asInt()).isEqualTo(1);

            JsonNode unknown = attach(ws, "modes-unknown", null, "susribe");
            assertThat(unknown.path("action").asInt()).isEqualTo(9);
            assertThat(unknown.path("error").path("code").asInt()).isEqualTo(40003);
            assertThat(ws.isClosed()).isFalse();
        }
    }

    @Test
    void theCapabilityNarrowsWhatWasAskedFor() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(server, SwitchboardExtension.SUBSCRIBE_ONLY_KEY)) {
            assertThat(modes(attach(ws, "modes-capped", null, "publish,subscribe"))).isEqualTo(Flags.MODE_SUBSCRIBE);
            assertThat(modes(attach(ws, "modes-capped-default", null, null))).isEqualTo(Flags.MODE_SUBSCRIBE | Flags.MODE_PRESENCE_SUBSCRIBE);
        }
    }

    /** RTL2i: ATTACHED says HAS_BACKLOG when a rewind found messages to send, and not when it found none. */
    @Test
    void aRewindThatFindsMessagesIsAttachedWithHasBacklog() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            ObjectNode empty = RawWebSocket.frame(10).put("channel", "backlog-none");
            empty.putObject("params").put("rewind", "5");
            ws.send(empty);
            JsonNode none = ws.awaitFrame(f -> f.path("action").asInt() == 11 && "backlog-none".equals(f.path("channel").asText()));
            assertThat(none.path("flags").asLong() & Flags.HAS_BACKLOG).isZero();

            assertThat(modes(attach(ws, "backlog-some", null, null))).isNotZero();
            assertThat(send(ws, "backlog-some", false).path("action").asInt()).isEqualTo(1);
            ObjectNode rewind = RawWebSocket.frame(10).put("channel", "[?rewind=5]backlog-some");
            ws.send(rewind);
            JsonNode some = ws.awaitFrame(f -> f.path("action").asInt() == 11 && "[?rewind=5]backlog-some".equals(f.path("channel").asText()));
            assertThat(some.path("flags").asLong() & Flags.HAS_BACKLOG).isNotZero();
        }
    }
}
