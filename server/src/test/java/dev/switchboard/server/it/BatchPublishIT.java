package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /messages} answers in the shape the request's protocol version expects: a client speaking version 2
 * (as ably-js's {@code request('POST', '/messages', 2, …)} does) gets one spec's channel results as a flat array, or a
 * 400 with 40020 carrying them as {@code batchResponse} when some failed; newer clients get per-spec summaries.
 */
class BatchPublishIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(String body, String version) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.httpBase() + "/messages"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(SwitchboardExtension.ROOT_KEY.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (version != null) request.header("X-Ably-Version", version);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void versionTwoGetsAFlatArrayOfChannelResults() throws Exception {
        HttpResponse<String> res = post("{\"channels\":[\"batch-v2-1\",\"batch-v2-2\"],\"messages\":{\"data\":\"foo\"}}", "2");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        JsonNode items = JSON.readTree(res.body());
        assertThat(items.isArray()).isTrue();
        assertThat(items).hasSize(2);
        assertThat(items.get(0).path("channel").asText()).isEqualTo("batch-v2-1");
        assertThat(items.get(0).path("messageId").asText()).isNotEmpty();
        assertThat(items.get(1).path("channel").asText()).isEqualTo("batch-v2-2");
        assertThat(items.get(1).has("error")).isFalse();
    }

    @Test
    void versionTwoWithAFailedChannelIs400With40020AndTheBatchResponse() throws Exception {
        HttpResponse<String> res = post("{\"channels\":[\"batch-v2-ok\",\":bad\"],\"messages\":{\"data\":\"foo\"}}", "2");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
        JsonNode body = JSON.readTree(res.body());
        assertThat(body.path("error").path("code").asInt()).isEqualTo(40020);
        assertThat(body.path("batchResponse")).hasSize(2);
        assertThat(body.path("batchResponse").get(0).has("error")).isFalse();
        assertThat(body.path("batchResponse").get(1).path("error").path("code").asInt()).isEqualTo(40010);
    }

    @Test
    void newerVersionsGetASummaryPerSpec() throws Exception {
        HttpResponse<String> res = post("{\"channels\":[\"batch-v6\"],\"messages\":{\"data\":\"foo\"}}", "6");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        JsonNode summary = JSON.readTree(res.body());
        assertThat(summary.path("successCount").asInt()).isEqualTo(1);
        assertThat(summary.path("results").get(0).path("channel").asText()).isEqualTo("batch-v6");
    }
}
