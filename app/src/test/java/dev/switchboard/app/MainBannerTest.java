package dev.switchboard.app;

import dev.switchboard.server.config.ServerConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The start banner tells the truth: the chat only when it is on, and where the server listens. */
class MainBannerTest {
    private static ServerConfig on(String host) {
        return ServerConfig.defaults("a.b:secretsecretsecret", Path.of("/tmp")).toBuilder().host(host).build();
    }

    @Test
    void allInterfacesAreNamedAsSuch() {
        assertThat(Main.banner(on("0.0.0.0"), 8080, true))
                .isEqualTo("Switchboard is running. Open the chat: http://localhost:8080/ (listening on all interfaces, port 8080)");
    }

    @Test
    void aChosenAddressIsTheOneShownAndNoChatIsOfferedWhenItIsOff() {
        assertThat(Main.banner(on("127.0.0.1"), 9000, false)).isEqualTo("Switchboard is running (the chat is off): http://127.0.0.1:9000/");
    }
}
