package dev.switchboard.server.channel;

import dev.switchboard.server.config.SettingsException;
import dev.switchboard.server.protocol.WireFormat;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChannelRulesTest {
    private static ChannelRules parse(String json) throws Exception {
        return ChannelRules.parse(WireFormat.jsonMapper().readTree(json));
    }

    @Test
    void mutableMessagesIsPerNamespaceAndIndependentOfPersistence() throws Exception {
        ChannelRules rules = parse("{\"channelRules\": [{\"namespace\": \"docs\", \"mutableMessages\": true},"
                + " {\"namespace\": \"orders\", \"persisted\": true}]}");
        assertThat(rules.mutableMessages("docs:readme")).isTrue();
        assertThat(rules.mutableMessages("docs")).isTrue();
        assertThat(rules.mutableMessages("orders:1")).isFalse();
        assertThat(rules.mutableMessages("documents")).isFalse();
        assertThat(rules.retentionMs("docs:readme")).isEmpty();
        assertThat(rules.retentionMs("orders:1")).contains(ChannelRules.DEFAULT_RETENTION_MS);
    }

    @Test
    void aMalformedMutableMessagesNamesItsKey() {
        assertThatThrownBy(() -> parse("{\"channelRules\": [{\"namespace\": \"docs\", \"mutableMessages\": \"yes\"}]}"))
                .isInstanceOf(SettingsException.class).hasMessageContaining("channelRules[0].mutableMessages");
        assertThatThrownBy(() -> parse("{\"channelRules\": [{\"namespace\": \"docs\", \"mutable\": true}]}"))
                .isInstanceOf(SettingsException.class).hasMessageContaining("channelRules[0].mutable").hasMessageContaining("mutableMessages");
    }

    @Test
    void aConfiguredRuleWinsOverADefault() throws Exception {
        ChannelRules rules = parse("{\"channelRules\": [{\"namespace\": \"docs\", \"persisted\": true}]}")
                .withDefault(new ChannelRules.Rule("docs", false, 1000, true));
        assertThat(rules.mutableMessages("docs:x")).isFalse();
    }
}
