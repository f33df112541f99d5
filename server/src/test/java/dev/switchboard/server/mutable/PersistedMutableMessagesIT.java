package dev.switchboard.server.mutable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.config.ServerConfig;
import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.database.TestDataDirectories;
import dev.switchboard.server.persistence.PgMessageStore;
import dev.switchboard.server.rules.RuleFunctions;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Updates and appends on a persisted namespace with the mutableMessages rule: every version is committed to
 * PostgreSQL, so a message's latest version, its versions and history read the same after a restart, and an append
 * after the restart builds on the stored text. REST as any HTTP client sends it; ably-java subscribes.
 */
class PersistedMutableMessagesIT {
    private static final String KEY = "mmapp.root:mutable-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private Path dir;
    private EmbeddedDatabase db;
    private PgMessageStore store;
    private SwitchboardServer server;
    private final List<AblyRealtime> clients = new ArrayList<>();

    @BeforeEach
    void startDatabase() throws Exception {
        dir = TestDataDirectories.fresh("persisted-mutable");
        db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dir).withSetting("fsync", "off"));
    }

    @AfterEach
    void stopAll() {
        clients.forEach(AblyRealtime::close);
        stopServer();
        if (db != null) db.close();
        TestDataDirectories.delete(dir);
    }

    private void startServer() throws Exception {
        store = new PgMessageStore(db.endpoint(), Clock.systemUTC());
        ServerConfig config = ServerConfig.defaults(KEY, dir.getParent()).withFile(JSON.readTree(
                "{\"channelRules\": [{\"namespace\": \"docs\", \"persisted\": true, \"retention\": \"7d\", \"mutableMessages\": true}]}"));
        server = SwitchboardServer.start(config, Clock.systemUTC(), List.of(), new RuleFunctions(), new dev.switchboard.server.Storage(store, null));
    }

    private void stopServer() {
        if (server != null) server.close();
        if (store != null) store.close();
        server = null;
        store = null;
    }

    private JsonNode call(String method, String path, String body, int expectedStatus) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(KEY.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> res = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(method + " " + path + ": " + res.body()).isEqualTo(expectedStatus);
        return JSON.readTree(res.body());
    }

    @Test
    void versionsSurviveARestartAndAnAppendAfterItBuildsOnTheStoredText() throws Exception {
        startServer();
        String path = "/channels/docs:readme/messages";
        String serial = call("POST", path, "{\"name\": \"note\", \"data\": \"Hello\"}", 201).path("serials").get(0).asText();
        String appended = call("PATCH", path + "/" + serial, "{\"action\": 5, \"data\": \" world\"}", 200).path("versionSerial").asText();
        String renamed = call("PATCH", path + "/" + serial,
                "{\"action\": 1, \"name\": \"greeting\", \"version\": {\"description\": \"rename\"}}", 200).path("versionSerial").asText();
        assertThat(appended).isGreaterThan(serial);
        assertThat(renamed).isGreaterThan(appended);

        stopServer();
        startServer();

        JsonNode latest = call("GET", path + "/" + serial, null, 200);
        assertThat(latest.path("serial").asText()).isEqualTo(serial);
        assertThat(latest.path("action").asInt()).isEqualTo(1);
        assertThat(latest.path("name").asText()).isEqualTo("greeting");
        assertThat(latest.path("data").asText()).isEqualTo("Hello world");
        assertThat(latest.path("version").path("serial").asText()).isEqualTo(renamed);
        assertThat(latest.path("version").path("description").asText()).isEqualTo("rename");

        JsonNode versions = call("GET", path + "/" + serial + "/versions?direction=forwards", null, 200);
        List<String> texts = new ArrayList<>();
        versions.forEach(v -> texts.add(v.path("action").asInt() + ":" + v.path("data").asText()));
        assertThat(texts).containsExactly("0:Hello", "1:Hello world", "1:Hello world");

        JsonNode history = call("GET", path, null, 200);
        List<String> past = new ArrayList<>();
        history.forEach(m -> past.add(m.path("name").asText() + ":" + m.path("data").asText()));
        assertThat(past).containsExactly("greeting:Hello world", "note:Hello world", "note:Hello");

        // A live subscriber gets only what an append adds; the message read back has it all.
        List<Message> live = new CopyOnWriteArrayList<>();
        Channel channel = subscriber().channels.get("docs:readme");
        channel.subscribe(live::add);
        await().until(() -> channel.state == io.ably.lib.realtime.ChannelState.attached);
        call("PATCH", path + "/" + serial, "{\"action\": 5, \"data\": \"!\"}", 200);
        await().until(() -> !live.isEmpty());
        assertThat(live.get(0).data).isEqualTo("!");
        assertThat(call("GET", path + "/" + serial, null, 200).path("data").asText()).isEqualTo("Hello world!");
    }

    private AblyRealtime subscriber() throws Exception {
        ClientOptions o = new ClientOptions(KEY);
        o.restHost = o.realtimeHost = "localhost";
        o.port = server.port();
        o.tls = false;
        o.fallbackHosts = new String[0];
        AblyRealtime r = new AblyRealtime(o);
        clients.add(r);
        return r;
    }
}
