package dev.switchboard.server.auth;

import dev.switchboard.server.protocol.SwitchboardException;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenRequestTest {
    private static final ApiKey KEY = ApiKey.parse("app.key:secret", Capability.ALL);
    private static final String CAP = "{\"chat\": [\"publish\"]}";

    private static String independentMac(String secret, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void signedTextHasEveryFieldOnItsOwnLineEmptyWhenAbsent() {
        TokenRequest full = new TokenRequest("app.key", 60_000L, CAP, "alice", 1000L, "nonce", null);
        assertThat(full.signedText()).isEqualTo("app.key\n60000\n" + CAP + "\nalice\n1000\nnonce\n");
        TokenRequest bare = new TokenRequest("app.key", null, null, null, 1000L, null, null);
        assertThat(bare.signedText()).isEqualTo("app.key\n\n\n\n1000\n\n");
    }

    @Test
    void macIsHmacSha256OverTheExactText() throws Exception {
        TokenRequest r = TokenRequest.sign(KEY, 60_000L, CAP, "alice", 1000L, "0123456789abcdef");
        assertThat(r.mac()).isEqualTo(independentMac("secret", "app.key\n60000\n" + CAP + "\nalice\n1000\n0123456789abcdef\n"));
        assertThat(r.macMatches("secret")).isTrue();
        assertThat(r.macMatches("other")).isFalse();
    }

    @Test
    void anyChangedFieldBreaksTheMac() {
        TokenRequest r = TokenRequest.sign(KEY, 60_000L, CAP, "alice", 1000L, "0123456789abcdef");
        List<TokenRequest> changed = List.of(
                new TokenRequest("app.other", r.ttl(), r.capability(), r.clientId(), r.timestamp(), r.nonce(), r.mac()),
                new TokenRequest(r.keyName(), 60_001L, r.capability(), r.clientId(), r.timestamp(), r.nonce(), r.mac()),
                new TokenRequest(r.keyName(), null, r.capability(), r.clientId(), r.timestamp(), r.nonce(), r.mac()),
                // the same capability written differently is a different text
                new TokenRequest(r.keyName(), r.ttl(), "{\"chat\":[\"publish\"]}", r.clientId(), r.timestamp(), r.nonce(), r.mac()),
                new TokenRequest(r.keyName(), r.ttl(), r.capability(), "bob", r.timestamp(), r.nonce(), r.mac()),
                new TokenRequest(r.keyName(), r.ttl(), r.capability(), null, r.timestamp(), r.nonce(), r.mac()),
                new TokenRequest(r.keyName(), r.ttl(), r.capability(), r.clientId(), 1001L, r.nonce(), r.mac()),
                new TokenRequest(r.keyName(), r.ttl(), r.capability(), r.clientId(), r.timestamp(), "0123456789abcdeF", r.mac()));
        for (TokenRequest c : changed) assertThat(c.macMatches("secret")).as(c.toString()).isFalse();
    }

    @Test
    void missingOrUnreadableMacDoesNotMatch() {
        assertThat(new TokenRequest("app.key", null, null, null, 1L, "n", null).macMatches("secret")).isFalse();
        assertThat(new TokenRequest("app.key", null, null, null, 1L, "n", "***").macMatches("secret")).isFalse();
    }

    @Test
    void treeRoundTripKeepsTheCapabilityText() {
        TokenRequest r = TokenRequest.sign(KEY, null, CAP, null, 1000L, "0123456789abcdef");
        Map<String, Object> tree = r.toTree();
        assertThat(tree).doesNotContainKeys("ttl", "clientId").containsEntry("capability", CAP);
        TokenRequest back = TokenRequest.fromTree(tree);
        assertThat(back).isEqualTo(r);
        assertThat(back.macMatches("secret")).isTrue();
    }

    @Test
    void fromTreeAcceptsNumbersAsTextAndCapabilityAsObject() {
        Map<String, Object> tree = new HashMap<>();
        tree.put("keyName", "app.key");
        tree.put("timestamp", "1000");
        tree.put("ttl", 5000);
        tree.put("capability", Map.of("chat", List.of("publish")));
        TokenRequest r = TokenRequest.fromTree(tree);
        assertThat(r.timestamp()).isEqualTo(1000L);
        assertThat(r.ttl()).isEqualTo(5000L);
        assertThat(r.capability()).isEqualTo("{\"chat\":[\"publish\"]}");
    }

    @Test
    void fromTreeValidation() {
        assertCode40001(() -> TokenRequest.fromTree("x"));
        assertCode40001(() -> TokenRequest.fromTree(Map.of("timestamp", 1L)));
        assertCode40001(() -> TokenRequest.fromTree(Map.of("keyName", "app.key")));
        assertCode40001(() -> TokenRequest.fromTree(Map.of("keyName", "app.key", "timestamp", "soon")));
    }

    private static void assertCode40001(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SwitchboardException.class, e -> assertThat(e.error().code()).isEqualTo(40001));
    }
}
