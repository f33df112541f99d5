package dev.switchboard.server.it;

import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * One remote address holds a bounded number of TCP connections (20,000 half-open sockets from one host exhausted
 * the server's open files before); the one over the limit is closed on accept, and a closed connection, WebSocket
 * or plain HTTP, gives its place back.
 */
class ConnectionsPerAddressIT {
    private static final int LIMIT = 3;

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension()
            .withConfig(c -> c.withLimits(c.limits().withMaxConnectionsPerAddress(LIMIT)));

    @Test
    void theConnectionOverTheLimitIsClosedAndAClosedOneGivesItsPlaceBack() throws Exception {
        List<RawWebSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < LIMIT; i++) held.add(RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY));
            assertThatThrownBy(() -> RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY)).as("a WebSocket over the limit").isNotNull();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest time = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/time")).timeout(Duration.ofSeconds(5)).build();
            assertThatThrownBy(() -> http.send(time, HttpResponse.BodyHandlers.ofString())).as("an HTTP request over the limit")
                    .isInstanceOf(java.io.IOException.class);

            held.remove(0).close();
            RawWebSocket again = await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                    .until(() -> RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY), java.util.Objects::nonNull);
            held.add(again);
            assertThat(again.isClosed()).isFalse();
        } finally {
            held.forEach(RawWebSocket::close);
        }
        // Every place is given back: as many connections as the limit again.
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            List<RawWebSocket> again = new ArrayList<>();
            try {
                for (int i = 0; i < LIMIT; i++) again.add(RawWebSocket.connect(server, SwitchboardExtension.ROOT_KEY));
            } finally {
                again.forEach(RawWebSocket::close);
            }
        });
    }
}
