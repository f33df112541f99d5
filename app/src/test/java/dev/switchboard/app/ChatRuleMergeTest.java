package dev.switchboard.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.protocol.WireFormat;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The chat's own persistence rule and the configured rules (issue: a `rules` key used to drop the chat's rule). */
class ChatRuleMergeTest {
    private static List<String> ids(JsonNode file) {
        List<String> ids = new ArrayList<>();
        file.path("rules").forEach(r -> ids.add(r.path("id").asText()));
        return ids;
    }

    private static JsonNode json(String text) throws Exception { return WireFormat.jsonMapper().readTree(text); }

    @Test
    void theChatRuleIsAddedToConfiguredRules() throws Exception {
        JsonNode merged = SwitchboardApp.withChatRule(json("{\"rules\": [{\"id\": \"audit\", \"channelFilter\": \"^orders$\"}]}"));
        assertThat(ids(merged)).containsExactly("audit", SwitchboardApp.CHAT_RULE_ID);
        assertThat(ids(SwitchboardApp.withChatRule(json("{}")))).containsExactly(SwitchboardApp.CHAT_RULE_ID);
    }

    @Test
    void aConfiguredRuleWithTheChatRulesIdTakesItsPlace() throws Exception {
        JsonNode merged = SwitchboardApp.withChatRule(json("{\"rules\": [{\"id\": \"chat-persistence\", \"channelFilter\": \"^x$\"}]}"));
        assertThat(ids(merged)).containsExactly(SwitchboardApp.CHAT_RULE_ID);
        assertThat(merged.path("rules").get(0).path("channelFilter").asText()).isEqualTo("^x$");
    }

    @Test
    void rulesThatAreNotAListAreLeftForTheirParserToRefuse() throws Exception {
        assertThat(SwitchboardApp.withChatRule(json("{\"rules\": 5}")).path("rules").asInt()).isEqualTo(5);
    }
}
