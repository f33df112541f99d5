package dev.switchboard.server.rules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.rules.RulesTestSupport.Received;
import dev.switchboard.server.rules.RulesTestSupport.Receiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.switchboard.server.rules.RulesTestSupport.publish;
import static dev.switchboard.server.rules.RulesTestSupport.stats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RulesWebhookIT {
    @TempDir
    Path dir;
    private SwitchboardServer server;
    private Receiver receiver;

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (receiver != null) receiver.close();
    }

    private static String hmac(String key, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void webhookFailingTwiceThenSucceedingGetsEachEventOnceInOrderSigned() throws Exception {
        receiver = new Receiver(n -> n < 2 ? 503 : 200);
        server = RulesTestSupport.start(dir, "[{'id':'hook','channelFilter':'^orders:','source':'channel.message',"
                + "'target':{'type':'webhook','url':'" + receiver.url("/hook") + "','signingKey':'s3cret','timeoutMs':5000,'headers':{'X-Custom':'v'}},"
                + "'retry':{'maxAttempts':5,'initialBackoffMs':20,'maxBackoffMs':100}}]", new RuleFunctions());

        // Queued behind the failing first event, the others must wait for it.
        publish(server, "orders:1", "created", "{\"n\":1}");
        publish(server, "orders:1", "paid", "{\"n\":2}");
        publish(server, "orders:1", "shipped", "{\"n\":3}").get(5, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> stats(server, "hook").delivered() == 3);
        RuleStats s = stats(server, "hook");
        assertThat(s.retried()).isEqualTo(2);
        assertThat(s.failed()).isZero();
        assertThat(s.overflowed()).isZero();
        assertThat(s.queued()).isZero();

        List<Received> all = receiver.requests;
        assertThat(all).extracting(Received::status).containsExactly(503, 503, 200, 200, 200);
        // The failed attempts were the first event, retried with the same event id.
        assertThat(all.subList(0, 3)).extracting(r -> r.header("X-Switchboard-Event-Id")).containsOnly(all.get(0).header("X-Switchboard-Event-Id"));
        assertThat(all.subList(0, 3)).extracting(r -> r.header("X-Switchboard-Attempt")).containsExactly("1", "2", "3");

        List<Received> ok = receiver.delivered();
        assertThat(ok).extracting(r -> r.json().get("messages").get(0).get("name").asText()).containsExactly("created", "paid", "shipped");
        for (Received r : ok) {
            assertThat(r.path()).isEqualTo("/hook");
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            assertThat(r.header("X-Custom")).isEqualTo("v");
            assertThat(r.header("X-Switchboard-Rule")).isEqualTo("hook");
            String ts = r.header("X-Switchboard-Timestamp");
            assertThat(r.header("X-Switchboard-Signature")).isEqualTo(hmac("s3cret", ts + "." + new String(r.body(), StandardCharsets.UTF_8)));
            JsonNode env = r.json();
            assertThat(env.get("source").asText()).isEqualTo("channel.message");
            assertThat(env.get("appId").asText()).isEqualTo("app1");
            assertThat(env.get("channel").asText()).isEqualTo("orders:1");
            assertThat(env.get("ruleId").asText()).isEqualTo("hook");
            JsonNode m = env.get("messages").get(0);
            assertThat(m.get("id").asText()).isNotBlank();
            assertThat(m.get("clientId").asText()).isEqualTo("tester");
            assertThat(m.get("timestamp").asLong()).isPositive();
            assertThat(m.get("data").isTextual()).isTrue();
        }
        assertThat(ok.get(1).json().get("messages").get(0).get("data").asText()).isEqualTo("{\"n\":2}");
    }

    @Test
    void nonMatchingChannelsAreNotDelivered() throws Exception {
        receiver = new Receiver(n -> 200);
        server = RulesTestSupport.start(dir, "[{'id':'hook','channelFilter':'^orders:',"
                + "'target':{'type':'webhook','url':'" + receiver.url("/hook") + "'}}]", new RuleFunctions());

        // The listener decides on the channel owner before the publish completes, so these checks need no waiting.
        publish(server, "invoices:1", "x", "a").get(5, TimeUnit.SECONDS);
        publish(server, "my-orders:1", "x", "b").get(5, TimeUnit.SECONDS);
        publish(server, "ORDERS:1", "x", "c").get(5, TimeUnit.SECONDS);
        RuleStats none = stats(server, "hook");
        assertThat(none.queued() + none.delivered() + none.failed() + none.overflowed()).isZero();

        publish(server, "orders:9", "x", "d").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> stats(server, "hook").delivered() == 1);
        assertThat(receiver.requests).extracting(r -> r.header("X-Switchboard-Channel")).containsExactly("orders:9");
    }

    @Test
    void unenvelopedRuleSendsTheBareMessagesArray() throws Exception {
        receiver = new Receiver(n -> 204);
        server = RulesTestSupport.start(dir, "[{'id':'bare','channelFilter':'^raw$','enveloped':false,"
                + "'target':{'type':'webhook','url':'" + receiver.url("/bare") + "'}}]", new RuleFunctions());

        publish(server, "raw", "bin", new byte[]{0, 1, 2, (byte) 250}).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> stats(server, "bare").delivered() == 1);

        Received r = receiver.requests.get(0);
        JsonNode body = r.json();
        assertThat(body.isArray()).isTrue();
        assertThat(body).hasSize(1);
        assertThat(body.get(0).get("name").asText()).isEqualTo("bin");
        assertThat(body.get(0).get("data").asText()).isEqualTo(Base64.getEncoder().encodeToString(new byte[]{0, 1, 2, (byte) 250}));
        assertThat(body.get(0).get("encoding").asText()).isEqualTo("base64");
        // Unsigned (no key) but the context travels in headers.
        assertThat(r.header("X-Switchboard-Signature")).isNull();
        assertThat(r.header("X-Switchboard-Channel")).isEqualTo("raw");
        assertThat(r.header("X-Switchboard-App")).isEqualTo("app1");
    }

    @Test
    void restPublishReachesTheWebhookWithObjectDataAsJsonText() throws Exception {
        receiver = new Receiver(n -> 200);
        server = RulesTestSupport.start(dir, "[{'id':'hook','channelFilter':'^orders:',"
                + "'target':{'type':'webhook','url':'" + receiver.url("/hook") + "'}}]", new RuleFunctions());

        String auth = Base64.getEncoder().encodeToString("app1.root:secret".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/channels/orders:7/messages"))
                .header("Authorization", "Basic " + auth)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"order-7-created\",\"name\":\"created\",\"data\":{\"total\":12}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(10)).until(() -> stats(server, "hook").delivered() == 1);
        JsonNode m = receiver.requests.get(0).json().get("messages").get(0);
        assertThat(m.get("id").asText()).isEqualTo("order-7-created");
        assertThat(m.get("data").asText()).isEqualTo("{\"total\":12}");
        assertThat(m.get("encoding").asText()).isEqualTo("json");
    }

    @Test
    void unreachableWebhookIsRetriedThenCountedAsFailed() throws Exception {
        // A port with nothing listening: connection refused, each attempt fails fast.
        int deadPort;
        try (var s = new java.net.ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        server = RulesTestSupport.start(dir, "[{'id':'dead','channelFilter':'^d$','target':{'type':'webhook','url':'http://127.0.0.1:" + deadPort
                + "/x','timeoutMs':500},'retry':{'maxAttempts':2,'initialBackoffMs':5,'maxBackoffMs':5}}]", new RuleFunctions());
        publish(server, "d", "x", "1").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> stats(server, "dead").failed() == 1);
        assertThat(stats(server, "dead").retried()).isEqualTo(1);
        assertThat(stats(server, "dead").queued()).isZero();
    }

    @Test
    void webhookThatDoesNotAnswerTimesOutAndIsRetried() throws Exception {
        receiver = new Receiver(n -> n == 0 ? 0 : 200);
        server = RulesTestSupport.start(dir, "[{'id':'slow','channelFilter':'^s$','target':{'type':'webhook','url':'" + receiver.url("/s")
                + "','timeoutMs':300},'retry':{'maxAttempts':3,'initialBackoffMs':5,'maxBackoffMs':5}}]", new RuleFunctions());
        publish(server, "s", "x", "1").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> stats(server, "slow").delivered() == 1);
        assertThat(stats(server, "slow").retried()).isEqualTo(1);
        assertThat(receiver.requests).extracting(Received::status).containsExactly(0, 200);
    }
}
