package dev.switchboard.server.channel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.Storage;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.config.ServerConfig;
import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.database.TestDataDirectories;
import dev.switchboard.server.persistence.PgMessageStore;
import dev.switchboard.server.protocol.Flags;
import dev.switchboard.server.rules.RuleFunctions;
import dev.switchboard.server.testing.MovableClock;
import dev.switchboard.server.testing.RawWebSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real server with a movable clock: channels nobody uses lose their retention floor after the history TTL and are
 * freed once idle, channels in use keep it, and a freed persisted channel still serves its history and continues its
 * serials. Tests share the server; each asserts only on its own channels.
 */
class IdleChannelIT {
    private static final String APP = "idleapp";
    private static final String KEY = APP + ".root:idle-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int ACTION_ACK = 1, ACTION_ATTACH = 10, ACTION_ATTACHED = 11, ACTION_DETACH = 12, ACTION_DETACHED = 13,
            ACTION_PRESENCE = 14, ACTION_MESSAGE = 15;

    private static Path dir;
    private static EmbeddedDatabase db;
    private static PgMessageStore store;
    private static SwitchboardServer server;
    private static MovableClock clock;
    private static ChannelRegistry channels;
    private static long historyTtlMs;
    private final List<RawWebSocket> sockets = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = TestDataDirectories.fresh("idle-channels");
        db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dir).withSetting("fsync", "off"));
        clock = new MovableClock(System.currentTimeMillis());
        store = new PgMessageStore(db.endpoint(), clock);
        // A long presence grace: a dropped member must still be in its grace period when the test sweeps.
        ServerConfig config = ServerConfig.defaults(KEY, dir.getParent()).withPresenceGraceMs(600_000).withFile(JSON.readTree(
                "{\"channelRules\": [{\"namespace\": \"orders\", \"persisted\": true, \"retention\": \"7d\"}]}"));
        server = SwitchboardServer.start(config, clock, List.of(), new RuleFunctions(), new Storage(store, null));
        channels = server.context().channels();
        historyTtlMs = config.history().maxAgeMs();
        assertThat(channels.idleBeforeFreeingMs()).as("idle time covers the TTL").isGreaterThan(historyTtlMs);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (store != null) store.close();
        if (db != null) db.close();
        TestDataDirectories.delete(dir);
    }

    @AfterEach
    void closeSockets() {
        sockets.forEach(RawWebSocket::close);
        sockets.clear();
    }

    private RawWebSocket connect() throws Exception {
        RawWebSocket ws = RawWebSocket.connect("ws://localhost:" + server.port() + "/", KEY);
        sockets.add(ws);
        return ws;
    }

    private static int sweep() throws Exception { return channels.sweepNow().get(30, TimeUnit.SECONDS); }

    /** Moves the clock just past the idle time, from the channels' last activity now. */
    private static void advancePastIdleTime() { clock.advance(channels.idleBeforeFreeingMs() + 1); }

    private static HttpResponse<String> rest(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(KEY.getBytes()))
                .header("Content-Type", "application/json");
        request = body == null ? request.GET() : request.method(method, HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Publishes {@code count} messages to a channel over REST, one request each, with ids {@code <prefix>-<n>}. */
    private static void publish(String channel, String idPrefix, int from, int count) throws Exception {
        for (int n = from; n < from + count; n++) {
            ObjectNode m = JSON.createObjectNode().put("id", idPrefix + "-" + n).put("name", "m").put("data", "d" + n);
            HttpResponse<String> res = rest("POST", "/channels/" + channel + "/messages", m.toString());
            assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        }
    }

    /** A channel's history over REST, oldest first. */
    private static List<JsonNode> history(String channel) throws Exception {
        HttpResponse<String> res = rest("GET", "/channels/" + channel + "/messages?limit=1000", null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        List<JsonNode> oldestFirst = new ArrayList<>();
        JSON.readTree(res.body()).forEach(m -> oldestFirst.add(0, m));
        return oldestFirst;
    }

    private static List<String> ids(List<JsonNode> messages) { return messages.stream().map(m -> m.path("id").asText()).toList(); }

    private static long countFrames(List<RawWebSocket> sockets, int action, Set<String> channelNames) {
        return sockets.stream().flatMap(ws -> ws.received().stream())
                .filter(f -> f.path("action").asInt() == action && channelNames.contains(f.path("channel").asText())).count();
    }

    private static void enterPresence(RawWebSocket ws, String channel, String clientId) throws Exception {
        ObjectNode frame = RawWebSocket.frame(ACTION_PRESENCE).put("channel", channel).put("msgSerial", 0);
        frame.putArray("presence").addObject().put("action", 2).put("clientId", clientId).put("data", "here");
        ws.send(frame);
        ws.awaitFrame(f -> f.path("action").asInt() == ACTION_ACK && f.path("msgSerial").asLong() == 0);
    }

    @Test
    void thousandsOfChannelsUsedOnceLoseTheirFloorAfterTheTtlAndAreFreedOnceIdle() throws Exception {
        String prefix = "many-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        List<String> names = IntStream.range(0, 2_000).mapToObj(i -> prefix + i).toList();
        Set<String> nameSet = new HashSet<>(names);
        // A hundred channels per connection: well inside any per-connection channel limit.
        List<RawWebSocket> subscribers = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (i % 100 == 0) subscribers.add(connect());
            subscribers.get(i / 100).send(RawWebSocket.frame(ACTION_ATTACH).put("channel", names.get(i)));
        }
        await().atMost(java.time.Duration.ofSeconds(30)).until(() -> countFrames(subscribers, ACTION_ATTACHED, nameSet) == names.size());

        ObjectNode batch = JSON.createObjectNode();
        ArrayNode list = batch.putArray("channels");
        names.forEach(list::add);
        batch.putObject("messages").put("name", "once").put("data", "hello");
        HttpResponse<String> published = rest("POST", "/messages", batch.toString());
        assertThat(published.statusCode()).as(published.body()).isEqualTo(201);
        assertThat(JSON.readTree(published.body()).path("successCount").asInt()).isEqualTo(names.size());
        await().atMost(java.time.Duration.ofSeconds(30)).until(() -> countFrames(subscribers, ACTION_MESSAGE, nameSet) == names.size());

        for (int i = 0; i < names.size(); i++) subscribers.get(i / 100).send(RawWebSocket.frame(ACTION_DETACH).put("channel", names.get(i)));
        await().atMost(java.time.Duration.ofSeconds(30)).until(() -> countFrames(subscribers, ACTION_DETACHED, nameSet) == names.size());
        int inMemory = channels.channelCount();
        assertThat(inMemory).isGreaterThanOrEqualTo(names.size());

        clock.advance(historyTtlMs + 1);
        sweep();
        assertThat(names).allSatisfy(name -> assertThat(channels.existing(APP, name)).as(name).isNotNull());
        assertThat(history(names.get(0))).as("nobody uses the channel: the floor no longer keeps the expired message").isEmpty();

        clock.advance(channels.idleBeforeFreeingMs() - historyTtlMs);
        assertThat(sweep()).isGreaterThanOrEqualTo(names.size());
        assertThat(names).allSatisfy(name -> assertThat(channels.existing(APP, name)).as(name).isNull());
        assertThat(channels.channelCount()).isLessThanOrEqualTo(inMemory - names.size());
    }

    @Test
    void channelsInUseKeepTheirFloorAndStayUntilNobodyUsesThem() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String attachedName = "attached-" + tag, presentName = "present-" + tag, graceName = "grace-" + tag;
        RawWebSocket subscriber = connect();
        subscriber.send(RawWebSocket.frame(ACTION_ATTACH).put("channel", attachedName));
        subscriber.awaitFrame(f -> f.path("action").asInt() == ACTION_ATTACHED);
        RawWebSocket member = connect();
        enterPresence(member, presentName, "bob");
        RawWebSocket leaving = connect();
        enterPresence(leaving, graceName, "carol");
        leaving.close(); // a dropped transport: carol stays for the presence grace period
        awaitTransportGone(leaving);
        publish(attachedName, "a", 1, 150);
        publish(presentName, "p", 1, 150);
        Channel attached = channels.existing(APP, attachedName), present = channels.existing(APP, presentName),
                grace = channels.existing(APP, graceName);

        clock.advance(channels.idleBeforeFreeingMs() * 3);
        sweep();
        assertThat(channels.existing(APP, attachedName)).as("attached subscriber").isSameAs(attached);
        assertThat(channels.existing(APP, presentName)).as("present member").isSameAs(present);
        assertThat(channels.existing(APP, graceName)).as("member in its leave grace period").isSameAs(grace);
        assertThat(ids(history(attachedName))).as("the floor, while in use").isEqualTo(IntStream.rangeClosed(51, 150).mapToObj(n -> "a-" + n).toList());
        assertThat(ids(history(presentName))).as("the floor, while in use").hasSize(100).endsWith("p-150");
        HttpResponse<String> members = rest("GET", "/channels/" + graceName + "/presence", null);
        assertThat(JSON.readTree(members.body()).findValuesAsText("clientId")).containsExactly("carol");

        // Nobody uses the first two any more: after the TTL the floor goes, after the idle time the channel.
        subscriber.send(RawWebSocket.frame(ACTION_DETACH).put("channel", attachedName));
        subscriber.awaitFrame(f -> f.path("action").asInt() == ACTION_DETACHED);
        ObjectNode leave = RawWebSocket.frame(ACTION_PRESENCE).put("channel", presentName).put("msgSerial", 1);
        leave.putArray("presence").addObject().put("action", 3).put("clientId", "bob");
        member.send(leave);
        member.awaitFrame(f -> f.path("action").asInt() == ACTION_ACK && f.path("msgSerial").asLong() == 1);
        clock.advance(historyTtlMs + 1);
        sweep();
        assertThat(channels.existing(APP, attachedName)).isSameAs(attached);
        assertThat(history(attachedName)).isEmpty();
        assertThat(history(presentName)).isEmpty();
        clock.advance(channels.idleBeforeFreeingMs());
        sweep();
        assertThat(channels.existing(APP, attachedName)).isNull();
        assertThat(channels.existing(APP, presentName)).isNull();
        assertThat(channels.existing(APP, graceName)).as("carol is still in her grace period").isSameAs(grace);
    }

    @Test
    void aFreedPersistedChannelServesItsHistoryFromTheStoreResumesAndContinuesItsSerials() throws Exception {
        String name = "orders:" + UUID.randomUUID().toString().substring(0, 8);
        publish(name, "o", 1, 5);
        List<JsonNode> before = history(name);
        assertThat(ids(before)).containsExactly("o-1", "o-2", "o-3", "o-4", "o-5");

        advancePastIdleTime();
        sweep();
        assertThat(channels.existing(APP, name)).as("freed from memory").isNull();

        List<JsonNode> after = history(name);
        assertThat(after).as("the same messages and serials, from the store").isEqualTo(before);

        RawWebSocket ws = connect();
        ws.send(RawWebSocket.frame(ACTION_ATTACH).put("channel", name).put("channelSerial", before.get(1).path("serial").asText())
                .put("flags", Flags.ATTACH_RESUME));
        JsonNode attachedFrame = ws.awaitFrame(f -> f.path("action").asInt() == ACTION_ATTACHED);
        assertThat(attachedFrame.path("flags").asLong() & Flags.RESUMED).as("RESUMED from the store").isNotZero();
        publish(name, "o", 6, 1);
        await().until(() -> receivedIds(ws).size() >= 4);
        assertThat(receivedIds(ws)).as("the missed messages from the store, then the live one").containsExactly("o-3", "o-4", "o-5", "o-6");

        List<JsonNode> all = history(name);
        assertThat(ids(all)).containsExactly("o-1", "o-2", "o-3", "o-4", "o-5", "o-6");
        ChannelSerial last = ChannelSerial.parse(before.get(4).path("serial").asText());
        ChannelSerial next = ChannelSerial.parse(all.get(5).path("serial").asText());
        assertThat(next.epoch()).isEqualTo(last.epoch());
        assertThat(next.seq()).isEqualTo(last.seq() + 1);
    }

    @Test
    void aResumeAfterAnEphemeralChannelWasFreedIsNotResumedAndSkipsNothingSilently() throws Exception {
        String name = "resume-" + UUID.randomUUID().toString().substring(0, 8);
        RawWebSocket first = connect();
        first.send(RawWebSocket.frame(ACTION_ATTACH).put("channel", name));
        first.awaitFrame(f -> f.path("action").asInt() == ACTION_ATTACHED);
        publish(name, "e", 1, 1);
        String seen = first.awaitFrame(f -> f.path("action").asInt() == ACTION_MESSAGE).path("channelSerial").asText();
        first.close(); // the transport drops: the connection is resumable for the connection state TTL only
        awaitTransportGone(first);
        assertThat(channels.inspect(channels.existing(APP, name), Channel::attachmentCount).get(5, TimeUnit.SECONDS)).isZero();
        advancePastIdleTime();
        sweep();
        assertThat(channels.existing(APP, name)).isNull();
        publish(name, "e", 2, 3); // a fresh instance: its serials number from 1 again, in a new epoch

        RawWebSocket second = connect();
        second.send(RawWebSocket.frame(ACTION_ATTACH).put("channel", name).put("channelSerial", seen).put("flags", Flags.ATTACH_RESUME));
        JsonNode attachedFrame = second.awaitFrame(f -> f.path("action").asInt() == ACTION_ATTACHED);
        assertThat(attachedFrame.path("flags").asLong() & Flags.RESUMED).as("continuity cannot be promised").isZero();
        publish(name, "e", 5, 1);
        await().until(() -> !receivedIds(second).isEmpty());
        assertThat(receivedIds(second)).as("no backlog replayed as if continuous, only the live message").containsExactly("e-5");
    }

    /** Waits until the server has noticed that the socket's transport is gone (and detached its channels). */
    private static void awaitTransportGone(RawWebSocket ws) {
        String connectionId = ws.received().stream().filter(f -> f.path("action").asInt() == 4).findFirst().orElseThrow()
                .path("connectionId").asText();
        await().until(() -> server.context().connections().get(connectionId) == null);
    }

    private static List<String> receivedIds(RawWebSocket ws) {
        List<String> ids = new ArrayList<>();
        ws.received().stream().filter(f -> f.path("action").asInt() == ACTION_MESSAGE)
                .forEach(f -> f.path("messages").forEach(m -> ids.add(m.path("id").asText())));
        return ids;
    }
}
