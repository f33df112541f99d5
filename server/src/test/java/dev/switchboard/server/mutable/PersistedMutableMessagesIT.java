package dev.switchboard.server.mutable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.server.testing.SwitchboardExtension;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension().withDatabase().withConfigFile(
            "{\"channelRules\": [{\"namespace\": \"docs\", \"persisted\": true, \"retention\": \"7d\", \"mutableMessages\": true}]}");
    private final List<AblyRealtime> clients = new ArrayList<>();

    @AfterEach
    void closeClients() { clients.forEach(AblyRealtime::close); }

    private JsonNode call(String method, String path, String body, int expectedStatus) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.httpBase() + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(SwitchboardExtension.ROOT_KEY.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> res = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(method + " " + path + ": " + res.body()).isEqualTo(expectedStatus);
        return JSON.readTree(res.body());
    }

    @Test
    void versionsSurviveARestartAndAnAppendAfterItBuildsOnTheStoredText() throws Exception {
        String path = "/channels/docs:readme/messages";
        String serial = call("POST", path, "{\"name\": \"note\", \"data\": \"Hello\"}", 201).path("serials").get(0).asText();
        String appended = call("PATCH", path + "/" + serial, "{\"action\": 5, \"data\": \" world\"}", 200).path("versionSerial").asText();
        String renamed = call("PATCH", path + "/" + serial,
                "{\"action\": 1, \"name\": \"greeting\", \"version\": {\"description\": \"rename\"}}", 200).path("versionSerial").asText();
        assertThat(appended).isGreaterThan(serial);
        assertThat(renamed).isGreaterThan(appended);

        server.restart();

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
        ClientOptions o = new ClientOptions(SwitchboardExtension.ROOT_KEY);
        o.restHost = o.realtimeHost = "localhost";
        o.port = server.port();
        o.tls = false;
        o.fallbackHosts = new String[0];
        AblyRealtime r = new AblyRealtime(o);
        clients.add(r);
        return r;
    }
}
