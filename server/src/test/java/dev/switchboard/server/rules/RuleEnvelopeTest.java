package dev.switchboard.server.rules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.PresenceMessage;
import dev.switchboard.server.protocol.WireFormat;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RuleEnvelopeTest {
    private static final Message TEXT = new Message("m1", "chatMsg", "alice", "c1", 1000L,
            new Payload("{\"username\":\"alice\",\"content\":\"hi\"}", null), null, "s1");
    private static final Message BINARY = new Message("m2", "blob", null, "c1", 1001L,
            new Payload(new byte[]{1, 2, (byte) 0xff}, "cipher"), Map.of("headers", Map.of("k", "v")), "s2");

    private static JsonNode tree(byte[] json) throws Exception {
        return WireFormat.jsonMapper().readTree(json);
    }

    @Test
    void envelopedMessagesKeepJsonTextAsAStringAndBase64Binary() throws Exception {
        RuleEnvelope env = RuleEnvelope.ofMessages("app1", "outgoing-chat", "r1", List.of(TEXT, BINARY));
        JsonNode json = tree(env.toJson(true));

        assertThat(json.get("source").asText()).isEqualTo("channel.message");
        assertThat(json.get("appId").asText()).isEqualTo("app1");
        assertThat(json.get("channel").asText()).isEqualTo("outgoing-chat");
        assertThat(json.get("ruleId").asText()).isEqualTo("r1");
        assertThat(json.has("presence")).isFalse();
        JsonNode first = json.get("messages").get(0);
        assertThat(first.get("id").asText()).isEqualTo("m1");
        assertThat(first.get("clientId").asText()).isEqualTo("alice");
        assertThat(first.get("connectionId").asText()).isEqualTo("c1");
        assertThat(first.get("timestamp").asLong()).isEqualTo(1000L);
        assertThat(first.get("name").asText()).isEqualTo("chatMsg");
        assertThat(first.get("data").isTextual()).isTrue();
        assertThat(first.get("data").asText()).isEqualTo("{\"username\":\"alice\",\"content\":\"hi\"}");
        assertThat(first.has("encoding")).isFalse();
        assertThat(first.has("serial")).isFalse();

        JsonNode second = json.get("messages").get(1);
        assertThat(second.get("data").asText()).isEqualTo(Base64.getEncoder().encodeToString(new byte[]{1, 2, (byte) 0xff}));
        assertThat(second.get("encoding").asText()).isEqualTo("cipher/base64");
        assertThat(second.has("clientId")).isFalse();
        assertThat(second.get("extras").get("headers").get("k").asText()).isEqualTo("v");
        assertThat(RuleEnvelope.dataBytes(env.messages().get(1))).containsExactly(1, 2, 0xff);
        assertThat(env.ids()).containsExactly("m1", "m2");
    }

    @Test
    void bareFormIsTheArrayOfMessages() throws Exception {
        JsonNode json = tree(RuleEnvelope.ofMessages("app1", "c", "r1", List.of(TEXT)).toJson(false));
        assertThat(json.isArray()).isTrue();
        assertThat(json).hasSize(1);
        assertThat(json.get(0).get("id").asText()).isEqualTo("m1");
        assertThat(json.get(0).get("name").asText()).isEqualTo("chatMsg");
    }

    @Test
    void presenceGoesInPresenceWithItsAction() throws Exception {
        PresenceMessage enter = new PresenceMessage("c1:0:0", PresenceMessage.ENTER, "alice", "c1", 5L, new Payload("{\"username\":\"alice\"}", "json"), null);
        JsonNode json = tree(RuleEnvelope.ofPresence("app1", "outgoing-chat", "p", List.of(enter)).toJson(true));
        assertThat(json.get("source").asText()).isEqualTo("channel.presence");
        assertThat(json.has("messages")).isFalse();
        JsonNode item = json.get("presence").get(0);
        assertThat(item.get("action").asInt()).isEqualTo(2);
        assertThat(item.get("clientId").asText()).isEqualTo("alice");
        assertThat(item.get("data").asText()).isEqualTo("{\"username\":\"alice\"}");
        assertThat(item.get("encoding").asText()).isEqualTo("json");
    }

    @Test
    void signatureIsHmacSha256OfTimestampDotBody() throws Exception {
        byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("k3y".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = Base64.getEncoder().encodeToString(mac.doFinal("1700000000000.{\"a\":1}".getBytes(StandardCharsets.UTF_8)));

        assertThat(WebhookSignature.sign("k3y", 1_700_000_000_000L, body)).isEqualTo(expected);
        assertThat(WebhookSignature.verify("k3y", 1_700_000_000_000L, body, expected)).isTrue();
        assertThat(WebhookSignature.verify("k3y", 1_700_000_000_001L, body, expected)).isFalse();
        assertThat(WebhookSignature.verify("other", 1_700_000_000_000L, body, expected)).isFalse();
        assertThat(WebhookSignature.verify("k3y", 1_700_000_000_000L, body, null)).isFalse();
    }
}
