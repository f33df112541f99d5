package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.rest.Auth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** POST /keys/{keyName}/requestToken with TokenRequests signed by ably-java: replayed nonces and stale timestamps are refused. */
class TokenRequestIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AblyJava ably = new AblyJava(server);
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(Auth.TokenRequest request) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpBase() + "/keys/" + request.keyName + "/requestToken"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.asJson())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private AblyRest signer() {
        return ably.rest(ably.options(WireProtocol.JSON, SwitchboardExtension.ROOT_KEY));
    }

    @Test
    void signedRequestGetsATokenButItsNonceOnlyOnce() throws Exception {
        Auth.TokenRequest request = signer().auth.createTokenRequest(new Auth.TokenParams(), null);

        HttpResponse<String> first = post(request);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode details = JSON.readTree(first.body());
        assertThat(details.path("token").asText()).startsWith("sb1.");
        assertThat(details.path("keyName").asText()).isEqualTo(request.keyName);
        assertThat(details.path("expires").asLong()).isGreaterThan(details.path("issued").asLong());

        HttpResponse<String> replay = post(request);
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(replay.body()).path("error").path("code").asInt()).isEqualTo(40105);
        assertThat(replay.headers().firstValue("X-Ably-ErrorCode")).hasValue("40105");
    }

    @Test
    void staleTimestampIsRefusedWith40104() throws Exception {
        Auth.TokenParams params = new Auth.TokenParams();
        params.timestamp = System.currentTimeMillis() - 3_600_000;
        Auth.TokenRequest request = signer().auth.createTokenRequest(params, null);

        HttpResponse<String> response = post(request);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(response.body()).path("error").path("code").asInt()).isEqualTo(40104);
    }

    @Test
    void tamperedMacIsRefusedWith40101() throws Exception {
        Auth.TokenRequest request = signer().auth.createTokenRequest(new Auth.TokenParams(), null);
        request.ttl = 999_999;

        HttpResponse<String> response = post(request);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(response.body()).path("error").path("code").asInt()).isEqualTo(40101);
    }
}
