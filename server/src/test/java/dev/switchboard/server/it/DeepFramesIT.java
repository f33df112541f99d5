package dev.switchboard.server.it;

import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** A MessagePack body nested 200,000 deep is a 400 (40001, invalid body); it was a StackOverflowError and a 500. */
class DeepFramesIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();

    @Test
    void aDeeplyNestedMessagePackBodyIsABadRequestAndTheServerCarriesOn() throws Exception {
        byte[] body = new byte[200_001];
        Arrays.fill(body, 0, 200_000, (byte) 0x91); // fixarray of one element, 200,000 times
        body[200_000] = 0x01;
        HttpClient http = HttpClient.newHttpClient();
        String auth = "Basic " + Base64.getEncoder().encodeToString(SwitchboardExtension.ROOT_KEY.getBytes());
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/channels/deep/messages"))
                .header("Authorization", auth).header("Content-Type", "application/x-msgpack")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(res.headers().firstValue("X-Ably-ErrorCode")).as("invalid request body").hasValue("40001");
        assertThat(res.headers().firstValue("X-Ably-ErrorMessage").orElse("")).contains("nested more than");

        HttpResponse<String> after = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/channels/deep/messages"))
                .header("Authorization", auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"fine\",\"data\":\"x\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(after.statusCode()).isEqualTo(201);
    }
}
