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

    /** ably-js's own auth and capability tests: each of these is the client's mistake, a 400 that says what is wrong. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"ttl:-1", "ttl:31536000000", "capability:{\"channel0\":[\"publish_\"]}",
            "capability:{\"channel0\":[\"*\",\"publish\"]}", "capability:{\"channel0\":[]}"})
    void anInvalidTtlOrCapabilityIsRefusedWith400And40003(String param) throws Exception {
        Auth.TokenParams params = new Auth.TokenParams();
        String value = param.substring(param.indexOf(':') + 1);
        if (param.startsWith("ttl:")) params.ttl = Long.parseLong(value);
        else params.capability = value;
        io.ably.lib.types.AblyException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> signer().auth.requestToken(params, null), io.ably.lib.types.AblyException.class);
        assertThat(refused.errorInfo.statusCode).isEqualTo(400);
        assertThat(refused.errorInfo.code).isEqualTo(40003);
    }

    @Test
    void aTtlThatIsNotANumberIsRefusedWith400BeforeItsMacIsChecked() throws Exception {
        String body = "{\"keyName\":\"" + SwitchboardExtension.APP_ID + ".root\",\"ttl\":\"notanumber\",\"timestamp\":"
                + System.currentTimeMillis() + ",\"nonce\":\"0123456789abcdef\",\"mac\":\"x\"}";
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(server.httpBase() + "/keys/" + SwitchboardExtension.APP_ID
                + ".root/requestToken")).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
        assertThat(JSON.readTree(res.body()).path("error").path("code").asInt()).isEqualTo(40003);
    }

    /** A token for any clientId: CONNECTED says '*' (the SDK's auth.clientId), which lets it enter members for anyone. */
    @Test
    void aWildcardTokenIsToldItsClientIdIsAStar() throws Exception {
        Auth.TokenParams params = new Auth.TokenParams();
        params.clientId = "*";
        Auth.TokenDetails token = signer().auth.requestToken(params, null);
        try (var ws = dev.switchboard.server.testing.RawWebSocket.open(server.wsBase(), "format=json&v=6&access_token="
                + java.net.URLEncoder.encode(token.token, java.nio.charset.StandardCharsets.UTF_8))) {
            JsonNode connected = ws.awaitFrame(f -> f.path("action").asInt() == 4);
            assertThat(connected.path("connectionDetails").path("clientId").asText()).isEqualTo("*");
        }
    }
}
