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
 * {@code GET /stats}: fixtures posted to a sandbox server come back by minute and summed by hour, paged with links;
 * a publish made now is counted in the current, in-progress interval.
 */
class StatsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension().withSandbox();

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.httpBase() + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(SwitchboardExtension.ROOT_KEY.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json");
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody()) : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void fixturesComeBackByMinuteAndHourPagedAndAPublishCountsNow() throws Exception {
        String fixtures = """
                [{"intervalId":"2020-02-03:15:03","inbound":{"realtime":{"messages":{"count":50,"data":5000}}}},
                 {"intervalId":"2020-02-03:15:04","inbound":{"realtime":{"messages":{"count":60,"data":6000}}},"outbound":{"realtime":{"messages":{"count":10,"data":1000}}}},
                 {"intervalId":"2020-02-03:16:00","inbound":{"rest":{"messages":{"count":7,"data":70}}}}]""";
        assertThat(call("POST", "/stats", fixtures).statusCode()).isEqualTo(201);

        HttpResponse<String> first = call("GET", "/stats?start=2020-02-03:15:00&end=2020-02-03:15:59&direction=forwards&limit=1", null);
        JsonNode page = JSON.readTree(first.body());
        assertThat(page).hasSize(1);
        assertThat(page.get(0).path("intervalId").asText()).isEqualTo("2020-02-03:15:03");
        assertThat(page.get(0).path("entries").path("messages.inbound.all.messages.count").asLong()).isEqualTo(50);
        String link = first.headers().firstValue("Link").orElseThrow();
        assertThat(link).contains("rel=\"first\"").contains("rel=\"next\"");
        String next = link.substring(link.indexOf("<./", link.indexOf("rel=\"first\"")) + 2, link.lastIndexOf(">"));
        JsonNode second = JSON.readTree(call("GET", next, null).body());
        assertThat(second.get(0).path("intervalId").asText()).isEqualTo("2020-02-03:15:04");
        assertThat(second.get(0).path("entries").path("messages.outbound.all.messages.count").asLong()).isEqualTo(10);

        JsonNode hours = JSON.readTree(call("GET", "/stats?start=2020-02-03:15&end=2020-02-03:16&unit=hour", null).body());
        assertThat(hours).hasSize(2);
        assertThat(hours.get(0).path("intervalId").asText()).as("backwards by default").isEqualTo("2020-02-03:16");
        assertThat(hours.get(1).path("entries").path("messages.inbound.all.messages.count").asLong()).isEqualTo(110);
        assertThat(hours.get(1).path("entries").path("messages.inbound.realtime.messages.data").asLong()).isEqualTo(11000);

        assertThat(call("POST", "/channels/stats-now/messages", "{\"name\":\"n\",\"data\":\"12345\"}").statusCode()).isEqualTo(201);
        JsonNode now = JSON.readTree(call("GET", "/stats?unit=hour&limit=1", null).body()).get(0);
        assertThat(now.path("inProgress").asText()).isNotEmpty();
        assertThat(now.path("appId").asText()).isEqualTo(SwitchboardExtension.ROOT_KEY.substring(0, SwitchboardExtension.ROOT_KEY.indexOf('.')));
        assertThat(now.path("entries").path("messages.inbound.rest.messages.count").asLong()).isEqualTo(1);

        assertThat(call("GET", "/stats?unit=fortnight", null).statusCode()).isEqualTo(400);
    }
}
