package dev.switchboard.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.server.config.ServerConfig;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.rest.Auth;
import io.ably.lib.types.ClientOptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replay attack on a restart: a TokenRequest exchanged once is refused after the app restarts on the same data
 * directory, because its nonce is remembered in the embedded PostgreSQL, not in the process.
 */
class TokenNonceRestartIT {
    private static final String ROOT_KEY = "nonceapp.root:nonce-root-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aTokenRequestExchangedBeforeARestartIsRefusedAfterIt() throws Exception {
        Path dataDir = AppProcess.freshDirectory("token-nonce-restart");
        ServerConfig config = ServerConfig.defaults(ROOT_KEY, dataDir);
        // Without the chat: the realtime server on its embedded database, nothing else.
        AppSettings.Values settings = new AppSettings.Values("", 0, "", false);
        try {
            Auth.TokenRequest captured = signedWithTheRootKey();
            try (SwitchboardApp app = SwitchboardApp.start(config, settings, Map.of(), Clock.systemUTC())) {
                HttpResponse<String> first = exchange(app, captured);
                assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
                assertThat(JSON.readTree(first.body()).path("token").asText()).startsWith("sb1.");
            }

            try (SwitchboardApp restarted = SwitchboardApp.start(config, settings, Map.of(), Clock.systemUTC())) {
                HttpResponse<String> replay = exchange(restarted, captured);
                assertThat(replay.statusCode()).as(replay.body()).isEqualTo(401);
                assertThat(JSON.readTree(replay.body()).path("error").path("code").asInt()).isEqualTo(40105);

                HttpResponse<String> fresh = exchange(restarted, signedWithTheRootKey());
                assertThat(fresh.statusCode()).as("a new request is still served: " + fresh.body()).isEqualTo(200);
            }
        } finally {
            deleteQuietly(dataDir);
        }
    }

    /** A TokenRequest as a client's authUrl hands it out, signed locally by ably-java. */
    private static Auth.TokenRequest signedWithTheRootKey() throws Exception {
        ClientOptions options = new ClientOptions(ROOT_KEY);
        options.restHost = "localhost";
        options.tls = false;
        return new AblyRest(options).auth.createTokenRequest(new Auth.TokenParams(), null);
    }

    private HttpResponse<String> exchange(SwitchboardApp app, Auth.TokenRequest request) throws Exception {
        URI uri = URI.create("http://localhost:" + app.server().port() + "/keys/" + request.keyName + "/requestToken");
        return http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.asJson())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // leave it for mvn clean
        }
    }
}
