package dev.switchboard.server.config;

import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.history.RetentionPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {
    @TempDir
    Path dir;

    private Map<String, String> envWithFile(String json, String... kv) throws IOException {
        Path file = dir.resolve("switchboard.json");
        Files.writeString(file, json);
        Map<String, String> env = new HashMap<>();
        env.put(Settings.CONFIG_FILE_ENV, file.toString());
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return env;
    }

    @Test
    void defaults() {
        ServerConfig c = Settings.load(Map.of());
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.rootKey()).isNull();
        assertThat(c.dataDir()).isEqualTo(Path.of("./switchboard-data"));
        assertThat(c.maxMessageSize()).isEqualTo(65536);
        assertThat(c.maxFrameSize()).isEqualTo(524288);
        assertThat(c.maxInboundRate()).isEqualTo(1000);
        assertThat(c.connectionStateTtlMs()).isEqualTo(120_000);
        assertThat(c.maxIdleIntervalMs()).isEqualTo(15_000);
        assertThat(c.tokenTtlMs()).isEqualTo(3_600_000);
        assertThat(c.tokenRequestWindowMs()).isEqualTo(600_000);
        assertThat(c.presenceGraceMs()).isEqualTo(15_000);
        assertThat(c.history()).isEqualTo(RetentionPolicy.defaults());
        assertThat(c.sandbox()).isFalse();
        assertThat(c.extraKeys()).isEmpty();
        assertThat(c.file().isMissingNode()).isTrue();
    }

    @Test
    void environmentOverFileOverDefault() throws IOException {
        ServerConfig c = Settings.load(envWithFile(
                "{\"port\": 9000, \"host\": \"10.0.0.1\", \"historyTtl\": 5000, \"sandbox\": true, \"rules\": []}",
                "SWITCHBOARD_PORT", "9100", "SWITCHBOARD_HISTORY_MIN_MESSAGES", "7"));
        assertThat(c.port()).as("env wins over file").isEqualTo(9100);
        assertThat(c.host()).as("file wins over default").isEqualTo("10.0.0.1");
        assertThat(c.history()).isEqualTo(new RetentionPolicy(5000, 7, 20_000));
        assertThat(c.sandbox()).isTrue();
        assertThat(c.maxInboundRate()).as("default").isEqualTo(1000);
        assertThat(c.file().path("rules").isArray()).as("the raw file is kept for other sections").isTrue();
    }

    @Test
    void limitsHaveDefaultsAndCheckEachOther() {
        Limits limits = Settings.load(Map.of()).limits();
        assertThat(limits.maxChannelsPerConnection()).isEqualTo(200);
        assertThat(limits.handshakeTimeoutMs()).isEqualTo(10_000);
        assertThat(limits.idleTimeoutMs()).isEqualTo(30_000);
        assertThat(limits.tokenRequestsPerMinute()).isEqualTo(300);
        assertThat(limits.allowedOrigins()).isEmpty();
        assertThat(Settings.load(Map.of("SWITCHBOARD_ALLOWED_ORIGINS", "https://App.example.com, http://localhost:3000")).limits()
                .allowedOrigins()).containsExactly("https://app.example.com", "http://localhost:3000");
        // An idle timeout inside the heartbeat interval would close live realtime connections: refused at start.
        assertThatThrownBy(() -> Settings.load(Map.of("SWITCHBOARD_IDLE_TIMEOUT_MS", "20000")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("SWITCHBOARD_IDLE_TIMEOUT_MS (20000 ms) must be at least twice");
        assertThatThrownBy(() -> Settings.load(Map.of("SWITCHBOARD_ALLOWED_ORIGINS", "evil.example.net")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("is not an origin");
    }

    @Test
    void nullInTheFileMeansTheDefault() throws IOException {
        assertThat(Settings.load(envWithFile("{\"port\": null}")).port()).isEqualTo(8080);
    }

    @Test
    void valuesAreTrimmedAndBooleansReadLeniently() {
        ServerConfig c = Settings.load(Map.of("SWITCHBOARD_PORT", " 81 ", "SWITCHBOARD_SANDBOX", "Yes",
                "SWITCHBOARD_ROOT_KEY", "app.root:secret"));
        assertThat(c.port()).isEqualTo(81);
        assertThat(c.sandbox()).isTrue();
        assertThat(c.rootKey()).isEqualTo("app.root:secret");
        assertThat(Settings.load(Map.of("SWITCHBOARD_SANDBOX", "off")).sandbox()).isFalse();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "SWITCHBOARD_PORT|-1", "SWITCHBOARD_PORT|65536", "SWITCHBOARD_PORT|http", "SWITCHBOARD_PORT|''",
            "SWITCHBOARD_DATA_DIR|'  '",
            "SWITCHBOARD_MAX_MESSAGE_SIZE|255", "SWITCHBOARD_MAX_FRAME_SIZE|1k",
            "SWITCHBOARD_MAX_INBOUND_RATE|0", "SWITCHBOARD_CONNECTION_STATE_TTL_MS|999",
            "SWITCHBOARD_MAX_IDLE_INTERVAL_MS|1.5", "SWITCHBOARD_TOKEN_TTL_MS|86400001",
            "SWITCHBOARD_TOKEN_REQUEST_WINDOW_MS|-5", "SWITCHBOARD_PRESENCE_GRACE_MS|3600001",
            "SWITCHBOARD_HISTORY_TTL_MS|0", "SWITCHBOARD_HISTORY_MIN_MESSAGES|-1", "SWITCHBOARD_HISTORY_MAX_MESSAGES|0",
            "SWITCHBOARD_SANDBOX|maybe",
    })
    void invalidValueNamesTheEnvironmentVariable(String env, String value) {
        assertThatThrownBy(() -> Settings.load(Map.of(env, value)))
                .isInstanceOf(SettingsException.class)
                .hasMessageStartingWith(env + " ")
                .hasMessageContaining("'" + value + "'");
    }

    @Test
    void malformedRootKeyNamesTheEnvironmentVariable() throws IOException {
        assertThatThrownBy(() -> Settings.load(Map.of("SWITCHBOARD_ROOT_KEY", "not-a-key")))
                .isInstanceOf(SettingsException.class)
                .hasMessageStartingWith("SWITCHBOARD_ROOT_KEY ")
                .hasMessageContaining("'not-a-key'");
        Map<String, String> env = envWithFile("{\"rootKey\": \"app:secret\"}");
        assertThatThrownBy(() -> Settings.load(env)).isInstanceOf(SettingsException.class).hasMessageContaining("'rootKey'");
    }

    @Test
    void invalidValueFromTheFileNamesTheVariableAndTheKey() throws IOException {
        Map<String, String> env = envWithFile("{\"maxInboundRate\": \"lots\"}");
        assertThatThrownBy(() -> Settings.load(env)).isInstanceOf(SettingsException.class)
                .hasMessageContaining("SWITCHBOARD_MAX_INBOUND_RATE").hasMessageContaining("'maxInboundRate'");
        Map<String, String> objectValue = envWithFile("{\"port\": {\"n\": 1}}");
        assertThatThrownBy(() -> Settings.load(objectValue)).isInstanceOf(SettingsException.class).hasMessageContaining("SWITCHBOARD_PORT");
    }

    @Test
    void missingConfigFile() {
        String missing = dir.resolve("nope.json").toString();
        assertThatThrownBy(() -> Settings.load(Map.of(Settings.CONFIG_FILE_ENV, missing)))
                .isInstanceOf(SettingsException.class)
                .hasMessageStartingWith(Settings.CONFIG_FILE_ENV)
                .hasMessageContaining(missing);
    }

    @Test
    void blankConfigFileVariableMeansNoFile() {
        assertThat(Settings.load(Map.of(Settings.CONFIG_FILE_ENV, " ")).file().isMissingNode()).isTrue();
    }

    @Test
    void configFileMustHoldAnObject() throws IOException {
        for (String content : new String[]{"[1, 2]", "\"text\"", "42", "", "{\"port\": "}) {
            Map<String, String> env = envWithFile(content);
            assertThatThrownBy(() -> Settings.load(env)).as(content)
                    .isInstanceOf(SettingsException.class).hasMessageStartingWith(Settings.CONFIG_FILE_ENV);
        }
    }

    @Test
    void keysFromTheFile() throws IOException {
        ServerConfig c = Settings.load(envWithFile("{\"keys\": ["
                + "{\"key\": \"app.sub:s1\", \"capability\": {\"chat:*\": [\"subscribe\"]}},"
                + "{\"key\": \"other.all:s2\"}]}"));
        assertThat(c.extraKeys()).containsExactly(
                new ApiKey("app", "sub", "s1", Capability.parse("{\"chat:*\":[\"subscribe\"]}")),
                new ApiKey("other", "all", "s2", Capability.ALL));
    }

    @Test
    void badKeysEntriesNameTheirIndex() throws IOException {
        assertKeysError("{\"keys\": {\"key\": \"a.b:c\"}}", "config key 'keys'");
        assertKeysError("{\"keys\": [{\"key\": \"a.b:c\"}, {\"capability\": {}}]}", "config key 'keys[1]'");
        assertKeysError("{\"keys\": [{\"key\": \"nodot:c\"}]}", "config key 'keys[0]'");
        assertKeysError("{\"keys\": [{\"key\": \"a.b:c\", \"capability\": {\"x\": \"publish\"}}]}", "config key 'keys[0]'");
        assertKeysError("{\"keys\": [\"a.b:c\"]}", "config key 'keys[0]'");
    }

    private void assertKeysError(String json, String where) throws IOException {
        Map<String, String> env = envWithFile(json);
        assertThatThrownBy(() -> Settings.load(env)).as(json).isInstanceOf(SettingsException.class).hasMessageStartingWith(where);
    }

    @Test
    void describeListsEverySetting() {
        String help = Settings.describe();
        for (Setting<?> s : Settings.ALL) assertThat(help).contains(s.env()).contains(s.fileKey());
    }

    @Test
    void serverConfigDefaultsForEmbedding() {
        ServerConfig c = ServerConfig.defaults("app.k:s", dir);
        assertThat(c.port()).isZero();
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.rootKey()).isEqualTo("app.k:s");
        assertThat(c.withPort(5).withSandbox(true).withMaxInboundRate(3).withPresenceGraceMs(4))
                .satisfies(w -> {
                    assertThat(w.port()).isEqualTo(5);
                    assertThat(w.sandbox()).isTrue();
                    assertThat(w.maxInboundRate()).isEqualTo(3);
                    assertThat(w.presenceGraceMs()).isEqualTo(4);
                    assertThat(w.dataDir()).isEqualTo(dir);
                });
    }

    @Test
    void redisIsAStandaloneUrlOrClusterSeedsButNotBoth() {
        assertThat(Settings.load(Map.of()).cluster().enabled()).as("no Redis: one node").isFalse();
        Cluster standalone = Settings.load(Map.of("SWITCHBOARD_REDIS_URL", "redis://10.0.0.5:6379")).cluster();
        assertThat(standalone.redisUrl()).isEqualTo("redis://10.0.0.5:6379");
        assertThat(standalone.isRedisCluster()).isFalse();
        Cluster cluster = Settings.load(Map.of("SWITCHBOARD_REDIS_CLUSTER", "10.0.0.5:7000, 10.0.0.6:7000")).cluster();
        assertThat(cluster.redisClusterNodes()).containsExactly("10.0.0.5:7000", "10.0.0.6:7000");
        assertThat(cluster.isRedisCluster()).isTrue();
        assertThatThrownBy(() -> Settings.load(Map.of("SWITCHBOARD_REDIS_URL", "10.0.0.5:6379")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("SWITCHBOARD_REDIS_URL");
        assertThatThrownBy(() -> Settings.load(Map.of("SWITCHBOARD_REDIS_CLUSTER", "10.0.0.5")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("SWITCHBOARD_REDIS_CLUSTER");
        assertThatThrownBy(() -> Settings.load(Map.of("SWITCHBOARD_REDIS_URL", "redis://a:1", "SWITCHBOARD_REDIS_CLUSTER", "b:2")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("choose one");
    }
}
