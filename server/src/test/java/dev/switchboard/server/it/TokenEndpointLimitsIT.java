package dev.switchboard.server.it;

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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The token endpoint mints credentials, so it is the one REST route with limits of its own: requests per address per
 * minute (identities were minted at 300 a second before), and credentialed CORS only for the server's own origin and
 * the configured ones (it echoed any Origin with credentials allowed). The rest of the REST API answers any origin,
 * since a page can only use credentials it holds (ably-js sends Authorization with credentials mode on).
 */
class TokenEndpointLimitsIT {
    private static final int PER_MINUTE = 4;
    private static final String ALLOWED = "https://app.example.com";

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension()
            .withConfig(c -> c.withLimits(c.limits().withAllowedOrigins(List.of(ALLOWED))));
    /** A second server whose budget only the rate-limit test spends. */
    @RegisterExtension
    static final SwitchboardExtension limited = new SwitchboardExtension()
            .withConfig(c -> c.withLimits(c.limits().withTokenRequestsPerMinute(PER_MINUTE)));
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private AblyRest signer() {
        AblyJava ably = new AblyJava(server);
        return ably.rest(ably.options(WireProtocol.JSON, SwitchboardExtension.ROOT_KEY));
    }

    private HttpResponse<String> exchange(Auth.TokenRequest request, String origin) throws Exception {
        return exchange(server, request, origin);
    }

    private HttpResponse<String> exchange(SwitchboardExtension target, Auth.TokenRequest request, String origin) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target.httpBase() + "/keys/" + request.keyName + "/requestToken"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(request.asJson()));
        if (origin != null) b.header("Origin", origin);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> preflight(String path, String origin) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpBase() + path)).header("Origin", origin)
                .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void credentialedCorsOnTheTokenEndpointOnlyForTrustedOrigins() throws Exception {
        AblyRest signer = signer();
        String path = "/keys/" + SwitchboardExtension.ROOT_KEY.substring(0, SwitchboardExtension.ROOT_KEY.indexOf(':')) + "/requestToken";

        HttpResponse<String> foreign = preflight(path, "https://evil.example.net");
        assertThat(foreign.headers().firstValue("Access-Control-Allow-Credentials")).as("foreign origin").isEmpty();
        HttpResponse<String> allowed = preflight(path, ALLOWED);
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ALLOWED);
        HttpResponse<String> own = preflight(path, "http://localhost:" + server.port());
        assertThat(own.headers().firstValue("Access-Control-Allow-Credentials")).as("the server's own origin").hasValue("true");

        // A foreign page may still exchange a signed TokenRequest (no credentials needed), it just reads no cookie-bound answer.
        HttpResponse<String> exchanged = exchange(signer.auth.createTokenRequest(new Auth.TokenParams(), null), "https://evil.example.net");
        assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
        assertThat(exchanged.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();

        // Other routes keep answering pages of any origin that hold their own credentials.
        HttpResponse<String> time = preflight("/channels/x/messages", "https://evil.example.net");
        assertThat(time.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
    }

    @Test
    void oneAddressGetsItsTokenRequestsPerMinuteThen42910() throws Exception {
        AblyRest signer = signer();
        for (int i = 0; i < PER_MINUTE; i++) {
            HttpResponse<String> r = exchange(limited, signer.auth.createTokenRequest(new Auth.TokenParams(), null), null);
            assertThat(r.statusCode()).as("request " + i + ": " + r.body()).isEqualTo(200);
        }
        HttpResponse<String> refused = exchange(limited, signer.auth.createTokenRequest(new Auth.TokenParams(), null), null);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(refused.body()).path("error").path("code").asInt()).isEqualTo(42910);
        assertThat(JSON.readTree(refused.body()).path("error").path("message").asText()).contains("4 per minute");
        assertThat(refused.headers().firstValue("X-Ably-ErrorCode")).hasValue("42910");
    }
}
