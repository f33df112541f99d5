package dev.switchboard.server.it;

import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** Operators' endpoints answer only a key with every capability. */
class OperatorEndpointsIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();

    private static HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path));
        if (key != null) b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(key.getBytes()));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void onLinuxX8664TheServerRunsOnANativeTransport() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64"));
        assertThat(server.server().vertx().isNativeTransportEnabled()).as("epoll, not NIO (the native jar is on the classpath)").isTrue();
        assertThat(server.server().context().config().transport().resolve().name()).isEqualTo("epoll");
    }

    @Test
    void deadLettersNeedAKeyWithEveryCapability() throws Exception {
        HttpResponse<String> anonymous = get("/rules/dead-letters", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpResponse<String> restricted = get("/rules/dead-letters", SwitchboardExtension.RESTRICTED_KEY);
        assertThat(restricted.statusCode()).isEqualTo(401);
        assertThat(restricted.headers().firstValue("X-Ably-ErrorCode")).hasValue("40160");
        // The root key passes the check; this server has no outbox (no database), which it says.
        HttpResponse<String> root = get("/rules/dead-letters", SwitchboardExtension.ROOT_KEY);
        assertThat(root.statusCode()).isEqualTo(404);
        assertThat(root.body()).contains("outbox");
    }
}
