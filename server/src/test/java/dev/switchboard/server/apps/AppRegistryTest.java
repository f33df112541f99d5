package dev.switchboard.server.apps;

import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Capability;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AppRegistryTest {
    private final AppRegistry apps = new AppRegistry();

    @Test
    void keysAreFoundByNameThroughTheirApp() {
        ApiKey k = ApiKey.parse("app1.k:s", Capability.ALL);
        apps.addKey(k);
        assertThat(apps.key("app1.k")).isSameAs(k);
        assertThat(apps.app("app1").keys()).containsExactly(k);
        assertThat(apps.key("app1.other")).isNull();
        assertThat(apps.key("app2.k")).isNull();
        assertThat(apps.key("nodot")).isNull();
        assertThat(apps.key(".k")).isNull();
        assertThat(apps.key(null)).isNull();
    }

    @Test
    void removingAnAppForgetsItsKeys() {
        apps.addKey(ApiKey.parse("app1.k:s", Capability.ALL));
        assertThat(apps.remove("app1")).isNotNull();
        assertThat(apps.key("app1.k")).isNull();
        assertThat(apps.apps()).isEmpty();
    }

    @Test
    void getOrCreateIsIdempotent() {
        assertThat(apps.getOrCreate("a")).isSameAs(apps.getOrCreate("a"));
        assertThat(apps.app("a").id()).isEqualTo("a");
    }

    @Test
    void appRefusesAnotherAppsKey() {
        App app = new App("a");
        assertThatThrownBy(() -> app.addKey(ApiKey.parse("b.k:s", Capability.ALL))).isInstanceOf(IllegalArgumentException.class);
    }
}
