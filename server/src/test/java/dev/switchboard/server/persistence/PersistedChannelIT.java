package dev.switchboard.server.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.config.ServerConfig;
import dev.switchboard.server.config.SettingsException;
import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.database.TestDataDirectories;
import dev.switchboard.server.protocol.Flags;
import dev.switchboard.server.rules.RuleFunctions;
import dev.switchboard.server.testing.RawWebSocket;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Persisted namespaces: messages committed before the ACK, history from the store, epoch and ids kept across a restart. */
class PersistedChannelIT {
    private static final String KEY = "papp.root:persisted-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path dir;
    private EmbeddedDatabase db;
    private PgMessageStore store;
    private SwitchboardServer server;
    private final List<AblyRealtime> clients = new ArrayList<>();

    @BeforeEach
    void startDatabase() throws Exception {
        dir = TestDataDirectories.fresh("persisted-channels");
        db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dir).withSetting("fsync", "off"));
    }

    @AfterEach
    void stopAll() {
        clients.forEach(AblyRealtime::close);
        stopServer();
        if (db != null) db.close();
        TestDataDirectories.delete(dir);
    }

    private void startServer() {
        startServer(dev.switchboard.server.history.RetentionPolicy.defaults());
    }

    private void startServer(dev.switchboard.server.history.RetentionPolicy memoryWindow) {
        store = new PgMessageStore(db.endpoint(), Clock.systemUTC());
        ServerConfig config = ServerConfig.defaults(KEY, dir.getParent()).toBuilder().history(memoryWindow).build().withFile(json(
                "{\"channelRules\": [{\"namespace\": \"orders\", \"persisted\": true, \"retention\": \"7d\"}]}"));
        server = SwitchboardServer.start(config, Clock.systemUTC(), List.of(), new RuleFunctions(), new dev.switchboard.server.Storage(store, null));
    }

    private void stopServer() {
        if (server != null) server.close();
        if (store != null) store.close();
        server = null;
        store = null;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private AblyRealtime client() {
        try {
            ClientOptions o = new ClientOptions(KEY);
            o.restHost = o.realtimeHost = "localhost";
            o.port = server.port();
            o.tls = false;
            o.fallbackHosts = new String[0];
            AblyRealtime r = new AblyRealtime(o);
            clients.add(r);
            return r;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompletableFuture<ErrorInfo> publish(Channel channel, Message m) throws Exception {
        CompletableFuture<ErrorInfo> done = new CompletableFuture<>();
        channel.publish(m, new CompletionListener() {
            @Override public void onSuccess() { done.complete(null); }

            @Override public void onError(ErrorInfo reason) { done.complete(reason); }
        });
        return done;
    }

    /** Every message of a channel through REST history, oldest first, following the Link header. */
    private List<JsonNode> restHistory(String channel) throws Exception {
        return dev.switchboard.server.testing.RestHistory.oldestFirst(server.port(), KEY, channel, 1000);
    }

    @Test
    void historyResumeAndIdempotencyOutliveARestart() throws Exception {
        startServer();
        AblyRealtime publisher = client();
        Channel orders = publisher.channels.get("orders:42");
        List<String> live = new CopyOnWriteArrayList<>();
        AblyRealtime subscriberClient = client();
        Channel subscribed = subscriberClient.channels.get("orders:42");
        CompletableFuture<Void> attached = new CompletableFuture<>();
        subscribed.subscribe(m -> live.add(m.id));
        subscribed.attach(new CompletionListener() {
            @Override public void onSuccess() { attached.complete(null); }

            @Override public void onError(ErrorInfo reason) { attached.completeExceptionally(new AssertionError(reason.message)); }
        });
        attached.get(10, TimeUnit.SECONDS);

        List<CompletableFuture<ErrorInfo>> acks = new ArrayList<>();
        for (int i = 1; i <= 1000; i++) {
            Message m = new Message("order", "order " + i);
            m.id = "order-" + i;
            acks.add(publish(orders, m));
        }
        for (CompletableFuture<ErrorInfo> ack : acks) assertThat(ack.get(30, TimeUnit.SECONDS)).isNull();
        List<String> expected = IntStream.rangeClosed(1, 1000).mapToObj(i -> "order-" + i).toList();
        await().atMost(java.time.Duration.ofSeconds(20)).until(() -> live.size() >= 1000);
        assertThat(live).as("live delivery, once and in order").isEqualTo(expected);
        try (var c = db.endpoint().connect(); var s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*), max(seq) FROM switchboard_messages WHERE channel = 'orders:42'")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1000);
        }
        List<JsonNode> before = restHistory("orders:42");
        assertThat(before).extracting(m -> m.path("id").asText()).isEqualTo(expected);
        String serialOf990 = before.get(989).path("serial").asText();
        String lastSerial = before.get(999).path("serial").asText();

        clients.forEach(AblyRealtime::close);
        clients.clear();
        stopServer();
        startServer();

        List<JsonNode> after = restHistory("orders:42");
        assertThat(after).extracting(m -> m.path("id").asText()).as("history after the restart").isEqualTo(expected);
        assertThat(after.get(999).path("serial").asText()).isEqualTo(lastSerial);

        // A client that saw message 990 re-attaches with its channelSerial: the same epoch, so RESUMED with 991..1000.
        try (RawWebSocket ws = RawWebSocket.connect("ws://localhost:" + server.port() + "/", KEY)) {
            ws.send(RawWebSocket.frame(10).put("channel", "orders:42").put("channelSerial", serialOf990).put("flags", Flags.ATTACH_RESUME));
            JsonNode attachedFrame = ws.awaitFrame(f -> f.path("action").asInt() == 11);
            assertThat(attachedFrame.path("flags").asLong() & Flags.RESUMED).as("RESUMED").isNotZero();
            await().until(() -> ws.received().stream().filter(f -> f.path("action").asInt() == 15)
                    .mapToInt(f -> f.path("messages").size()).sum() >= 10);
            List<String> replayed = new ArrayList<>();
            ws.received().stream().filter(f -> f.path("action").asInt() == 15).forEach(f -> f.path("messages").forEach(m -> replayed.add(m.path("id").asText())));
            assertThat(replayed).isEqualTo(expected.subList(990, 1000));
        }

        // Idempotent publishing across the restart: the same id is ACKed with its original serial and not stored again.
        Channel again = client().channels.get("orders:42");
        Message repeat = new Message("order", "order 1000 again");
        repeat.id = "order-1000";
        assertThat(publish(again, repeat).get(10, TimeUnit.SECONDS)).isNull();
        Message fresh = new Message("order", "order 1001");
        fresh.id = "order-1001";
        assertThat(publish(again, fresh).get(10, TimeUnit.SECONDS)).isNull();
        List<JsonNode> finalHistory = restHistory("orders:42");
        assertThat(finalHistory).hasSize(1001);
        assertThat(finalHistory.get(1000).path("id").asText()).isEqualTo("order-1001");
        assertThat(finalHistory.get(1000).path("serial").asText()).isGreaterThan(lastSerial);
    }

    @Test
    void rewindAndResumeReachBeyondTheMemoryWindowIntoTheStore() throws Exception {
        startServer(new dev.switchboard.server.history.RetentionPolicy(60_000, 10, 20)); // memory keeps 20 messages
        Channel orders = client().channels.get("orders:deep");
        List<CompletableFuture<ErrorInfo>> acks = new ArrayList<>();
        for (int i = 1; i <= 300; i++) {
            Message m = new Message("order", "order " + i);
            m.id = "deep-" + i;
            acks.add(publish(orders, m));
        }
        for (CompletableFuture<ErrorInfo> ack : acks) assertThat(ack.get(30, TimeUnit.SECONDS)).isNull();
        List<JsonNode> history = restHistory("orders:deep");
        assertThat(history).hasSize(300);
        var deep = server.context().channels().channel(KEY.substring(0, KEY.indexOf('.')), "orders:deep");
        assertThat(server.context().channels().inspect(deep, c -> c.retainedEvents(System.currentTimeMillis()).size()).get(5, TimeUnit.SECONDS))
                .as("messages memory still holds").isLessThanOrEqualTo(20);
        String wsBase = "ws://localhost:" + server.port() + "/";

        try (RawWebSocket ws = RawWebSocket.connect(wsBase, KEY)) {
            var attach = RawWebSocket.frame(10).put("channel", "orders:deep");
            attach.putObject("params").put("rewind", "250");
            ws.send(attach);
            ws.awaitFrame(f -> f.path("action").asInt() == 11);
            assertThat(awaitIds(ws, 250)).isEqualTo(IntStream.rangeClosed(51, 300).mapToObj(i -> "deep-" + i).toList());
        }
        try (RawWebSocket ws = RawWebSocket.connect(wsBase, KEY)) {
            var attach = RawWebSocket.frame(10).put("channel", "orders:deep");
            attach.putObject("params").put("rewind", "1h");
            ws.send(attach);
            ws.awaitFrame(f -> f.path("action").asInt() == 11);
            assertThat(awaitIds(ws, 300)).isEqualTo(IntStream.rangeClosed(1, 300).mapToObj(i -> "deep-" + i).toList());
        }
        try (RawWebSocket ws = RawWebSocket.connect(wsBase, KEY)) {
            ws.send(RawWebSocket.frame(10).put("channel", "orders:deep").put("channelSerial", history.get(99).path("serial").asText())
                    .put("flags", Flags.ATTACH_RESUME));
            JsonNode attached = ws.awaitFrame(f -> f.path("action").asInt() == 11);
            assertThat(attached.path("flags").asLong() & Flags.RESUMED).as("RESUMED from beyond the memory window").isNotZero();
            assertThat(awaitIds(ws, 200)).isEqualTo(IntStream.rangeClosed(101, 300).mapToObj(i -> "deep-" + i).toList());
        }
    }

    /** The message ids the socket received, once {@code count} have arrived. */
    private static List<String> awaitIds(RawWebSocket ws, int count) {
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> ids(ws).size() >= count);
        return ids(ws);
    }

    private static List<String> ids(RawWebSocket ws) {
        List<String> ids = new ArrayList<>();
        ws.received().stream().filter(f -> f.path("action").asInt() == 15).forEach(f -> f.path("messages").forEach(m -> ids.add(m.path("id").asText())));
        return ids;
    }

    @Test
    void aStoreThatCannotCommitNacksRetriablyAndNothingIsDelivered() throws Exception {
        startServer();
        Channel orders = client().channels.get("orders:down");
        Message first = new Message("order", "kept");
        first.id = "kept";
        assertThat(publish(orders, first).get(10, TimeUnit.SECONDS)).isNull();

        db.close(); // the database goes away (closing also stops its supervisor, so it stays away)
        Message lost = new Message("order", "not stored");
        lost.id = "not-stored";
        ErrorInfo error = publish(orders, lost).get(30, TimeUnit.SECONDS);
        assertThat(error).isNotNull();
        assertThat(error.code).isEqualTo(50003);
        assertThat(error.message).contains("could not be stored");

        db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dir).withSetting("fsync", "off").withPort(db.port()));
        Message later = new Message("order", "stored later");
        later.id = "later";
        assertThat(publish(orders, later).get(30, TimeUnit.SECONDS)).isNull();
        assertThat(restHistory("orders:down")).extracting(m -> m.path("id").asText()).containsExactly("kept", "later");
    }

    @Test
    void persistedNamespacesWithoutADatabaseAreAConfigurationError() {
        ServerConfig config = ServerConfig.defaults(KEY, dir.getParent()).withFile(json("{\"channelRules\": [{\"namespace\": \"orders\", \"persisted\": true}]}"));
        assertThatThrownBy(() -> SwitchboardServer.start(config, Clock.systemUTC(), List.of(), new RuleFunctions(), dev.switchboard.server.Storage.NONE))
                .isInstanceOf(SettingsException.class).hasMessageContaining("channelRules");
    }
}
