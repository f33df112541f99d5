package dev.switchboard.server.auth;

import dev.switchboard.server.protocol.SwitchboardException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiKeyTest {

    @Test
    void parsesAppKeyAndSecret() {
        ApiKey k = ApiKey.parse("app1.key1:s3cr:et", Capability.ALL);
        assertThat(k.appId()).isEqualTo("app1");
        assertThat(k.keyId()).isEqualTo("key1");
        assertThat(k.secret()).isEqualTo("s3cr:et");
        assertThat(k.keyName()).isEqualTo("app1.key1");
        assertThat(k.keyString()).isEqualTo("app1.key1:s3cr:et");
        assertThat(k.capability()).isEqualTo(Capability.ALL);
        assertThat(k.toString()).doesNotContain("s3cr");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "app.key", "appkey:secret", ".key:secret", "app.:secret", "app.key:", ":secret", "app:key.x"})
    void malformedKeysAre40101(String text) {
        assertThatThrownBy(() -> ApiKey.parse(text, Capability.ALL)).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).isEqualTo(40101));
    }
}
