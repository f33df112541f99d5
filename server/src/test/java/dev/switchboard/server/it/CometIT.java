package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.server.protocol.WireFormat;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The comet transport at the HTTP level, for what ably-js's own tests of it (comet.test.mjs) cannot provoke: a client
 * that stops receiving (its members leave, its connection stays resumable), one that receives nothing while its
 * channel floods (cut off at the bound), requests for a key the server does not know, a send that cannot be read,
 * and MessagePack clients.
 */
class CometIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long PRESENCE_GRACE_MS = 500;

    /** A 1 s idle interval makes the receiver grace its floor, 5 s. */
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension().withPresenceGraceMs(PRESENCE_GRACE_MS)
            .withConfig(c -> c.toBuilder().maxIdleIntervalMs(1_000).build());

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static String key() { return URLEncoder.encode(SwitchboardExtension.ROOT_KEY, StandardCharsets.UTF_8); }

    private HttpResponse<byte[]> get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpBase() + pathAndQuery)).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> send(String connectionKey, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpBase() + "/comet/" + connectionKey + "/send?key=" + key()))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode frames(HttpResponse<byte[]> response) throws Exception {
        JsonNode tree = JSON.readTree(response.body());
        assertThat(tree.isArray()).as(new String(response.body(), StandardCharsets.UTF_8)).isTrue();
        return tree;
    }

    /** A long-poll connection's CONNECTED frame. */
    private JsonNode connectPolling(String extra) throws Exception {
        HttpResponse<byte[]> response = get("/comet/connect?v=6&format=json&stream=false&key=" + key() + extra);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode connected = frames(response).get(0);
        assertThat(connected.path("action").asInt()).isEqualTo(4);
        return connected;
    }

    private static String connectionKey(JsonNode connected) { return connected.path("connectionDetails").path("connectionKey").asText(); }

    private JsonNode members(String channel) throws Exception {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(server.httpBase() + "/channels/" + channel + "/presence"))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(SwitchboardExtension.ROOT_KEY.getBytes(StandardCharsets.UTF_8)))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        return JSON.readTree(response.body());
    }

    @Test
    void aClientThatStopsReceivingIsTakenToBeGoneItsMembersLeaveAndItsConnectionStillResumes() throws Exception {
        String channel = SwitchboardExtension.uniqueChannel("comet-gone");
        JsonNode connected = connectPolling("&clientId=dora");
        String connectionKey = connectionKey(connected);
        send(connectionKey, "[{\"action\":10,\"channel\":\"" + channel + "\"},"
                + "{\"action\":14,\"channel\":\"" + channel + "\",\"msgSerial\":0,\"presence\":[{\"action\":2,\"data\":\"hi\"}]}]");
        await().atMost(Duration.ofSeconds(5)).until(() -> members(channel).size() == 1);

        // No recv follows: after the receiver grace (5 s) the transport is gone, after the presence grace the member.
        long since = System.nanoTime();
        await().atMost(Duration.ofSeconds(15)).until(() -> members(channel).isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - since)).as("not before the receiver grace").isGreaterThan(Duration.ofSeconds(3));

        JsonNode resumed = connectPolling("&clientId=dora&resume=" + URLEncoder.encode(connectionKey, StandardCharsets.UTF_8));
        assertThat(resumed.path("connectionId").asText()).isEqualTo(connected.path("connectionId").asText());
        assertThat(resumed.has("error")).as(resumed.toString()).isFalse();
    }

    @Test
    void aClientThatReceivesNothingWhileItsChannelFloodsIsCutOffAtTheBoundAndCanResume() throws Exception {
        String channel = SwitchboardExtension.uniqueChannel("comet-flood");
        JsonNode connected = connectPolling("");
        String connectionId = connected.path("connectionId").asText();
        send(connectionKey(connected), "[{\"action\":10,\"channel\":\"" + channel + "\"}]");
        JsonNode attached = frames(get("/comet/" + connectionKey(connected) + "/recv?key=" + key())).get(0);
        assertThat(attached.path("action").asInt()).as(attached.toString()).isEqualTo(11);
        long lastReceive = System.nanoTime();

        String data = "x".repeat(60_000);
        var rest = HttpRequest.newBuilder(URI.create(server.httpBase() + "/channels/" + channel + "/messages"))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(SwitchboardExtension.ROOT_KEY.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json");
        // More than the 1 MiB a subscriber may fall behind by, while nobody receives.
        for (int i = 0; i < 25; i++) {
            HttpResponse<String> published = http.send(rest.POST(HttpRequest.BodyPublishers.ofString(
                    JSON.writeValueAsString(Map.of("name", "n", "data", data)))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(published.statusCode()).as(published.body()).isEqualTo(201);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.server().context().connections().get(connectionId) == null);
        assertThat(Duration.ofNanos(System.nanoTime() - lastReceive)).as("cut off by the bound, before the 5 s receiver grace")
                .isLessThan(Duration.ofSeconds(4));
        JsonNode resumed = connectPolling("&resume=" + URLEncoder.encode(connectionKey(connected), StandardCharsets.UTF_8));
        assertThat(resumed.path("connectionId").asText()).as("cut off, not ended: the client resumes").isEqualTo(connectionId);
    }

    @Test
    void requestsForAKeyThisServerDoesNotKnowAreAnsweredWithDisconnected80008() throws Exception {
        for (HttpResponse<byte[]> response : List.of(get("/comet/AAAAAAAAAA!BBBBBBBBBBBBBBBB/recv?key=" + key()),
                send("AAAAAAAAAA!BBBBBBBBBBBBBBBB", "[{\"action\":0}]"))) {
            JsonNode frame = frames(response).get(0);
            assertThat(frame.path("action").asInt()).as("DISCONNECTED: the client reconnects and tries to resume").isEqualTo(6);
            assertThat(frame.path("error").path("code").asInt()).isEqualTo(80008);
        }
    }

    @Test
    void aSendThatCannotBeReadFailsTheConnectionWithAnErrorItsReceiverGets() throws Exception {
        JsonNode connected = connectPolling("");
        String connectionKey = connectionKey(connected);
        assertThat(send(connectionKey, "{\"action\":10}").statusCode()).isEqualTo(200);

        JsonNode error = frames(get("/comet/" + connectionKey + "/recv?key=" + key())).get(0);
        assertThat(error.path("action").asInt()).as(error.toString()).isEqualTo(9);
        assertThat(error.path("error").path("code").asInt()).isEqualTo(40000);
        assertThat(error.path("error").path("message").asText()).contains("array of protocol messages");
        await().until(() -> server.server().context().connections().get(connected.path("connectionId").asText()) == null);
    }

    @Test
    void aMessagePackClientPollsWithMessagePackArraysEvenWhenItAsksToStream() throws Exception {
        HttpResponse<byte[]> response = get("/comet/connect?v=6&format=msgpack&key=" + key());
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-msgpack");
        assertThat(response.headers().firstValue("Content-Length")).as("a poll answer, not a stream").isPresent();
        Object tree = WireFormat.MSGPACK.readTree(response.body());
        assertThat(tree).isInstanceOf(List.class);
        @SuppressWarnings("unchecked") Map<String, Object> connected = (Map<String, Object>) ((List<Object>) tree).get(0);
        assertThat(((Number) connected.get("action")).intValue()).isEqualTo(4);
    }
}
