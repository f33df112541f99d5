package dev.switchboard.server.cdc.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectorConfigLoaderTest {

    private static final String ORIGINAL = """
            {
              "dbConfig": {"host": "db.local", "port": 5433, "user": "chat", "password": "pw", "database": "chatdb"},
              "connector": [
                {"tablename": "chat_data", "ablychannelname": "incoming-chat", "operation": "INSERT"},
                {"tablename": "chat_data", "ablychannelname": "incoming-chat", "operation": "UPDATE"}
              ],
              "ably": {"apiKey": "app.key:secret"}
            }
            """;

    @Test
    void aFileProblemNamesTheFileAndForMalformedJsonItsLineAndColumn(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("connector.json");
        Files.writeString(file, "{\n  \"connector\": [\n    {\"tablename\": \"chat_data\", \"ablychannelname\": \"c\", \"operation\": \"INSERT\"},\n  ]\n}\n");
        assertThatThrownBy(() -> ConnectorConfigLoader.fromFile(file)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file.toString()).hasMessageContaining("is not valid JSON at line 4, column");

        Files.writeString(file, "{\"connector\": [{\"tablename\": \"chat_data\", \"ablychannelname\": \"c\", \"operation\": \"UPSERT\"}]}");
        assertThatThrownBy(() -> ConnectorConfigLoader.fromFile(file)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + " connector[0].operation");
        assertThatThrownBy(() -> ConnectorConfigLoader.fromFile(dir.resolve("missing.json"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("missing.json").hasMessageContaining("cannot be read");
    }

    @Test
    void readsTheOriginalFileUnchanged(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, ORIGINAL);

        ConnectorConfig config = ConnectorConfigLoader.fromFile(file);

        assertThat(config.database()).contains(new DbConfig("db.local", 5433, "chat", "pw", "chatdb"));
        assertThat(config.database().get().toEndpoint().jdbcUrl()).isEqualTo("jdbc:postgresql://db.local:5433/chatdb");
        assertThat(config.mappings()).containsExactly(
                new TableMapping(TableName.parse("chat_data"), Operation.INSERT, List.of("incoming-chat"), "db-change"),
                new TableMapping(TableName.parse("chat_data"), Operation.UPDATE, List.of("incoming-chat"), "db-change"));
        assertThat(config.ablyApiKey()).contains("app.key:secret");
        assertThat(config.slotName()).isEqualTo("switchboard_cdc");
        assertThat(config.publicationName()).isEqualTo("switchboard_cdc");
    }

    @Test
    void dbConfigIsOptionalAndExtrasAreRead() {
        ConnectorConfig config = ConnectorConfigLoader.fromJson("""
                {"connector": [{"tablename": "app.events", "ablychannelname": ["a", "b"], "operation": ["insert", "Delete", "TRUNCATE"],
                                "name": "event-row"}],
                 "replication": {"slotName": "events_slot", "publicationName": "events_pub"}}
                """);

        assertThat(config.database()).isEmpty();
        assertThat(config.ablyApiKey()).isEmpty();
        assertThat(config.mappings()).extracting(TableMapping::operation)
                .containsExactly(Operation.INSERT, Operation.DELETE, Operation.TRUNCATE);
        TableMapping first = config.mappings().get(0);
        assertThat(first.table()).isEqualTo(new TableName(Optional.of("app"), "events"));
        assertThat(first.channels()).containsExactly("a", "b");
        assertThat(first.messageName()).isEqualTo("event-row");
        assertThat(config.slotName()).isEqualTo("events_slot");
        assertThat(config.publicationName()).isEqualTo("events_pub");
    }

    @Test
    void readsTheEnvironmentForm() {
        Map<String, String> env = Map.of("DB_HOST", "pg", "DB_PORT", "6432", "DB_USER", "u", "DB_PASSWORD", "p", "DB_NAME", "d",
                "ABLY_API_KEY", "k", "ABLY_CONNECTOR",
                "[{\"tablename\":\"chat_data\",\"ablychannelname\":\"incoming-chat\",\"operation\":\"INSERT\"}]");

        ConnectorConfig config = ConnectorConfigLoader.fromEnvironment(env);

        assertThat(config.database()).contains(new DbConfig("pg", 6432, "u", "p", "d"));
        assertThat(config.ablyApiKey()).contains("k");
        assertThat(config.mappings()).hasSize(1);
    }

    @Test
    void environmentWithoutDbVariablesUsesTheApplicationDatabase() {
        ConnectorConfig config = ConnectorConfigLoader.fromEnvironment(Map.of("ABLY_CONNECTOR",
                "[{\"tablename\":\"t\",\"ablychannelname\":\"c\",\"operation\":\"UPDATE\"}]", "SWITCHBOARD_CDC_SLOT", "s2"));
        assertThat(config.database()).isEmpty();
        assertThat(config.slotName()).isEqualTo("s2");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not json                                                                                       | (config)
            []                                                                                             | (config)
            {}                                                                                             | connector
            {"connector": []}                                                                              | connector
            {"connector": [1]}                                                                             | connector[0]
            {"connector": [{"ablychannelname": "c", "operation": "INSERT"}]}                               | connector[0].tablename
            {"connector": [{"tablename": "a.b.c", "ablychannelname": "c", "operation": "INSERT"}]}        | connector[0].tablename
            {"connector": [{"tablename": "t", "operation": "INSERT"}]}                                     | connector[0].ablychannelname
            {"connector": [{"tablename": "t", "ablychannelname": [], "operation": "INSERT"}]}              | connector[0].ablychannelname
            {"connector": [{"tablename": "t", "ablychannelname": "c"}]}                                    | connector[0].operation
            {"connector": [{"tablename": "t", "ablychannelname": "c", "operation": "UPSERT"}]}             | connector[0].operation
            {"connector": [{"tablename": "t", "ablychannelname": "c", "operation": "INSERT", "name": {}}]} | connector[0].name
            {"dbConfig": 5, "connector": []}                                                               | dbConfig
            {"dbConfig": {"port": 1, "user": "u", "database": "d"}, "connector": []}                       | dbConfig.host
            {"dbConfig": {"host": "h", "port": "x", "user": "u", "database": "d"}, "connector": []}        | dbConfig.port
            {"dbConfig": {"host": "h", "port": 70000, "user": "u", "database": "d"}, "connector": []}      | dbConfig.port
            {"dbConfig": {"host": "h", "database": "d"}, "connector": []}                                  | dbConfig.user
            {"dbConfig": {"host": "h", "user": "u"}, "connector": []}                                      | dbConfig.database
            {"ably": "key", "connector": [{"tablename": "t", "ablychannelname": "c", "operation": "INSERT"}]} | ably
            {"replication": {"slotName": "Bad-Name"}, "connector": [{"tablename": "t", "ablychannelname": "c", "operation": "INSERT"}]} | replication.slotName
            """)
    void everyProblemNamesItsKey(String json, String key) {
        assertThatThrownBy(() -> ConnectorConfigLoader.fromJson(json))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key))
                .hasMessageStartingWith(key + ": ");
    }

    @Test
    void environmentProblemsNameTheVariable() {
        assertThatThrownBy(() -> ConnectorConfigLoader.fromEnvironment(Map.of())).hasMessageStartingWith("ABLY_CONNECTOR: ");
        assertThatThrownBy(() -> ConnectorConfigLoader.fromEnvironment(Map.of("ABLY_CONNECTOR", "{oops")))
                .hasMessageStartingWith("ABLY_CONNECTOR: ").hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> ConnectorConfigLoader.fromEnvironment(Map.of("ABLY_CONNECTOR",
                "[{\"tablename\":\"t\",\"ablychannelname\":\"c\",\"operation\":\"nope\"}]")))
                .hasMessageStartingWith("ABLY_CONNECTOR[0].operation: ");
        Map<String, String> env = new HashMap<>(Map.of("ABLY_CONNECTOR", "[{\"tablename\":\"t\",\"ablychannelname\":\"c\",\"operation\":\"INSERT\"}]"));
        env.put("DB_HOST", "h");
        assertThatThrownBy(() -> ConnectorConfigLoader.fromEnvironment(env)).hasMessageStartingWith("DB_USER: ");
        env.putAll(Map.of("DB_USER", "u", "DB_NAME", "d", "DB_PORT", "abc"));
        assertThatThrownBy(() -> ConnectorConfigLoader.fromEnvironment(env)).hasMessageStartingWith("DB_PORT: ");
    }
}
