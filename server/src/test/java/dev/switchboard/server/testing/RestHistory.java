package dev.switchboard.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A channel's whole REST history from a server, read page by page through the Link header as an SDK would. */
public final class RestHistory {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private RestHistory() {}

    /** Every message of {@code channel} on the server at {@code port}, oldest first, in pages of {@code pageSize}. */
    public static List<JsonNode> oldestFirst(int port, String key, String channel, int pageSize) throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
        List<JsonNode> newestFirst = new ArrayList<>();
        String next = "/channels/" + channel + "/messages?limit=" + pageSize;
        while (next != null) {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + next))
                    .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            JSON.readTree(res.body()).forEach(newestFirst::add);
            next = res.headers().firstValue("Link").map(l -> "/channels/" + channel + "/" + l.substring(l.indexOf("./") + 2, l.indexOf('>'))).orElse(null);
        }
        Collections.reverse(newestFirst);
        return newestFirst;
    }
}
