package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.connection.ClientConnection;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.StalledWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Rewind, resume and SYNC backlogs go through the same per-socket bound as live frames (40 rewinds of a 6 MB backlog
 * by a client that never read held +560 MB before): they are written as the socket drains, so the socket's buffer
 * stays within one buffer and a frame, what waits beyond that is bounded per connection, and a reader still gets
 * the whole backlog in order with live messages after it.
 */
class BacklogBoundIT {
    private static final long MAX_BACKLOG = 8L << 20;
    /** The socket buffer (1 MiB) plus the largest frame of the backlog (eight 60,000-character messages). */
    private static final long SOCKET_BOUND = (1 << 20) + 8 * 61_000;
    private static final int MESSAGES = 40;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension()
            .withConfig(c -> c.withLimits(c.limits().withMaxBacklogBytes(MAX_BACKLOG)));

    /** 40 messages of 60,000 characters (2.4 MB) on {@code big}, eight per frame. */
    @BeforeAll
    static void fillHistory() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            for (int frame = 0; frame < MESSAGES / 8; frame++) {
                ObjectNode publish = RawWebSocket.frame(15).put("channel", "big").put("msgSerial", frame);
                ArrayNode messages = publish.putArray("messages");
                for (int i = 0; i < 8; i++) messages.addObject().put("name", "m" + (frame * 8 + i)).put("data", "x".repeat(60_000));
                ws.send(publish);
                long serial = frame;
                ws.awaitFrame(f -> f.path("action").asInt() == 1 && f.path("msgSerial").asLong() == serial);
            }
        }
    }

    private static StalledWebSocket stalled() throws Exception {
        return StalledWebSocket.open(server.port(), "format=json&v=6&key=" + URLEncoder.encode(SwitchboardExtension.ROOT_KEY, StandardCharsets.UTF_8));
    }

    private static ClientConnection serverSide(StalledWebSocket ws) throws Exception {
        String id = JSON.readTree(ws.firstFrame()).path("connectionId").asText();
        return server.server().context().connections().get(id);
    }

    private static void rewindUnderAliases(StalledWebSocket ws, int aliases) throws Exception {
        for (int i = 0; i < aliases; i++) ws.sendText("{\"action\":10,\"channel\":\"[?rewind=100&alias=" + i + "]big\"}");
    }

    @Test
    void aClientThatNeverReadsHoldsOneSocketBufferNotItsBacklogs() throws Exception {
        try (StalledWebSocket ws = stalled()) {
            ClientConnection connection = serverSide(ws);
            rewindUnderAliases(ws, 3); // 7.2 MB of backlog, under the 8 MiB that may wait
            await().atMost(Duration.ofSeconds(10)).until(() -> connection.socketBufferedBytes() > 0);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> connection.socketBufferedBytes() <= SOCKET_BOUND);
            assertThat(ws.isClosedByServer()).as("within its backlog bound the connection stays").isFalse();
        }
    }

    @Test
    void aClientWhoseWaitingBacklogPassesTheBoundIsCutOff() throws Exception {
        try (StalledWebSocket ws = stalled()) {
            // 16.8 MB: beyond what the kernel send buffer (up to 4 MB), the socket buffer and the 8 MiB that may wait take
            rewindUnderAliases(ws, 7);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(ws::isClosedByServer);
        }
    }

    @Test
    void aSubscriberThatStopsReadingLiveMessagesIsCutOff() throws Exception {
        try (StalledWebSocket ws = stalled();
             RawWebSocket publisher = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            double cutBefore = slowSubscribersCut();
            ws.sendText("{\"action\":10,\"channel\":\"live-flood\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.server().context().channels().channel("sbtest", "live-flood").subscriberCount() > 0);
            // 9.6 MB of live messages: more than the kernel's send buffer (up to 4 MB here) and the 1 MiB socket buffer hold.
            for (int frame = 0; frame < 20 && !ws.isClosedByServer(); frame++) {
                ObjectNode publish = RawWebSocket.frame(15).put("channel", "live-flood").put("msgSerial", frame);
                ArrayNode messages = publish.putArray("messages");
                for (int i = 0; i < 8; i++) messages.addObject().put("data", "y".repeat(60_000));
                publisher.send(publish);
                long serial = frame;
                publisher.awaitFrame(f -> f.path("action").asInt() == 1 && f.path("msgSerial").asLong() == serial);
            }
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(ws::isClosedByServer);
            assertThat(slowSubscribersCut() - cutBefore).as("counted in /metrics").isGreaterThanOrEqualTo(1);
        }
    }

    private static double slowSubscribersCut() {
        return new dev.switchboard.server.testing.PrometheusText(server.server().context().metrics().scrape())
                .value("switchboard_slow_subscribers_cut_total");
    }

    @Test
    void aReaderGetsTheWholeBacklogInOrderThenLiveMessages() throws Exception {
        try (RawWebSocket reader = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY);
             RawWebSocket publisher = RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)) {
            reader.send(RawWebSocket.frame(10).put("channel", "[?rewind=100]big"));
            reader.awaitFrame(f -> f.path("action").asInt() == 11);
            ObjectNode live = RawWebSocket.frame(15).put("channel", "big").put("msgSerial", 0);
            live.putArray("messages").addObject().put("name", "live").put("data", "after the backlog");
            publisher.send(live);
            reader.awaitFrame(f -> f.path("action").asInt() == 15 && f.path("messages").path(0).path("name").asText().equals("live"));
            List<String> names = reader.received().stream().filter(f -> f.path("action").asInt() == 15)
                    .flatMap(f -> toList(f.path("messages")).stream()).map(m -> m.path("name").asText()).toList();
            assertThat(names).hasSize(MESSAGES + 1);
            for (int i = 0; i < MESSAGES; i++) assertThat(names.get(i)).isEqualTo("m" + i);
            assertThat(names.get(MESSAGES)).isEqualTo("live");
        }
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> out = new java.util.ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
