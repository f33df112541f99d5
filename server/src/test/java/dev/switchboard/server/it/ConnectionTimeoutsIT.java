package dev.switchboard.server.it;

import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.StalledWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.ConnectionState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Connections that hold a socket without using it are closed: half an HTTP request or nothing at all by the
 * handshake timeout, a silent keep-alive connection by the idle timeout, a refused WebSocket that never answers
 * the close by the closing timeout. A live realtime connection is never idle: heartbeats keep it open.
 */
class ConnectionTimeoutsIT {
    private static final long HANDSHAKE_MS = 500;
    private static final long IDLE_MS = 3_000;

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension()
            .withConfig(c -> c.toBuilder().maxIdleIntervalMs(1_000).build().withLimits(c.limits().withTimeouts(HANDSHAKE_MS, IDLE_MS)));

    private static Socket open() throws Exception {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
        socket.setSoTimeout(15_000);
        return socket;
    }

    /** Reads until the server closes the connection; returns the milliseconds that took. */
    private static long millisUntilClosed(Socket socket) throws Exception {
        long start = System.nanoTime();
        InputStream in = socket.getInputStream();
        try {
            while (in.read() >= 0) { /* discard what the server sends before closing */ }
        } catch (java.net.SocketException reset) {
            // a reset is a close too
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void halfAnHttpRequestIsClosedByTheHandshakeTimeout() throws Exception {
        try (Socket socket = open()) {
            socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            assertThat(millisUntilClosed(socket)).isBetween(HANDSHAKE_MS - 100, HANDSHAKE_MS + 1_500);
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedByTheHandshakeTimeout() throws Exception {
        try (Socket socket = open()) {
            assertThat(millisUntilClosed(socket)).isBetween(HANDSHAKE_MS - 100, HANDSHAKE_MS + 1_500);
        }
    }

    @Test
    void aSilentKeepAliveConnectionIsClosedByTheIdleTimeout() throws Exception {
        try (Socket socket = open()) {
            socket.getOutputStream().write("GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            // The answer arrives, then nothing happens on the connection until the idle timeout closes it.
            long closedAfter = millisUntilClosed(socket);
            assertThat(closedAfter).isBetween(IDLE_MS - 200, IDLE_MS + 3_000);
        }
    }

    @Test
    void aRefusedWebSocketThatNeverAnswersTheCloseIsDropped() throws Exception {
        try (StalledWebSocket ws = StalledWebSocket.open(server.port(), "format=json&v=6")) {
            assertThat(ws.firstFrame()).contains("\"action\":9").contains("40106");
            // The closing timeout is the handshake timeout rounded up to a second (Vert.x counts it in seconds), not its 10 s default.
            await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(100)).until(ws::isClosedByServer);
        }
    }

    @Test
    void aLiveRealtimeConnectionOutlivesTheIdleTimeoutAndStillWorks() throws Exception {
        AblyJava ably = new AblyJava(server);
        AblyRealtime client = ably.connected(ably.options(WireProtocol.JSON, SwitchboardExtension.ROOT_KEY));
        String connectionId = client.connection.id;
        io.ably.lib.realtime.Channel channel = client.channels.get("kept-alive");
        assertThat(AblyJava.attach(channel)).isNull();
        // Three idle timeouts pass with the client doing nothing: the server's heartbeats keep the connection in use.
        await().during(Duration.ofMillis(3 * IDLE_MS)).atMost(Duration.ofMillis(3 * IDLE_MS + 2_000))
                .until(() -> client.connection.state == ConnectionState.connected && connectionId.equals(client.connection.id));
        CompletableFuture<Object> received = new CompletableFuture<>();
        channel.subscribe(m -> received.complete(m.data));
        assertThat(AblyJava.publish(channel, "ping", "after-idle")).isNull();
        assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo("after-idle");
    }
}
