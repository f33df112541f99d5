package dev.switchboard.app;

import dev.switchboard.server.cdc.config.ConnectorConfig;
import dev.switchboard.server.cdc.config.ConnectorConfigLoader;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A connector config adds to the chat's own mappings (before: its `users` mapping silently replaced them). */
class ChatMappingMergeTest {
    private static ConnectorConfig config(String json) { return ConnectorConfigLoader.fromJson(json); }

    @Test
    void otherTablesAreAddedToTheChatsMappings() {
        ConnectorConfig merged = SwitchboardApp.withChatMappings(config(
                "{\"connector\": [{\"tablename\": \"users\", \"ablychannelname\": \"users\", \"operation\": \"INSERT\"}]}"));
        assertThat(merged.mappings()).extracting(m -> m.table().toString() + "/" + m.operation())
                .containsExactly("users/INSERT", "chat_data/INSERT", "chat_data/UPDATE", "chat_data/DELETE");
    }

    @Test
    void aConfigThatMapsChatDataOrWatchesAnotherDatabaseIsLeftAsItIs() {
        ConnectorConfig own = config("{\"connector\": [{\"tablename\": \"chat_data\", \"ablychannelname\": \"elsewhere\", \"operation\": \"INSERT\"}]}");
        assertThat(SwitchboardApp.withChatMappings(own)).isEqualTo(own);
        ConnectorConfig remote = config("{\"dbConfig\": {\"host\": \"db\", \"port\": 5432, \"user\": \"u\", \"password\": \"p\", \"database\": \"d\"},"
                + " \"connector\": [{\"tablename\": \"users\", \"ablychannelname\": \"users\", \"operation\": \"INSERT\"}]}");
        assertThat(SwitchboardApp.withChatMappings(remote)).isEqualTo(remote);
    }
}
