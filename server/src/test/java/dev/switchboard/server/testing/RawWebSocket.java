package dev.switchboard.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;

/**
 * A bare JSON-format WebSocket to the server, for frames no SDK would send. Records every text frame
 * it receives (parsed) and the close code.
 */
public final class RawWebSocket implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebSocket socket;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();

    private RawWebSocket(URI uri) throws Exception {
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, new Listener())
                .get(10, TimeUnit.SECONDS);
    }

    /** Opens {@code ws://host:port/?key=...&format=json&v=6} and waits for CONNECTED. */
    public static RawWebSocket connect(SwitchboardExtension server, String key) throws Exception {
        return connect(server.wsBase(), key);
    }

    /** As {@link #connect(SwitchboardExtension, String)}, for a server at {@code wsBase} ({@code ws://host:port/}). */
    public static RawWebSocket connect(String wsBase, String key) throws Exception {
        RawWebSocket ws = new RawWebSocket(URI.create(wsBase + "?format=json&v=6&key="
                + java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8)));
        ws.awaitFrame(f -> f.path("action").asInt(-1) == 4);
        return ws;
    }

    /** Opens {@code ws://host:port/?<query>} without waiting for any frame (for connections the server refuses). */
    public static RawWebSocket open(String wsBase, String query) throws Exception {
        return new RawWebSocket(URI.create(wsBase + "?" + query));
    }

    public void sendText(String text) throws Exception {
        socket.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    public void send(JsonNode frame) throws Exception { sendText(JSON.writeValueAsString(frame)); }

    public static com.fasterxml.jackson.databind.node.ObjectNode frame(int action) {
        return JSON.createObjectNode().put("action", action);
    }

    /** Waits for the first received frame that matches and returns it. */
    public JsonNode awaitFrame(Predicate<JsonNode> match) {
        return await().atMost(AblyJava.TIMEOUT).until(() -> received.stream().filter(match).findFirst().orElse(null),
                java.util.Objects::nonNull);
    }

    public List<JsonNode> received() { return new ArrayList<>(received); }

    /** Waits for the server to close the socket and returns the close code. */
    public int awaitClosed() throws Exception { return closed.get(AblyJava.TIMEOUT.toSeconds(), TimeUnit.SECONDS); }

    public boolean isClosed() { return closed.isDone(); }

    @Override
    public void close() {
        if (!closed.isDone()) socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    received.add(JSON.readTree(text.toString()));
                } catch (Exception e) {
                    received.add(JSON.createObjectNode().put("unparseable", text.toString()));
                }
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            received.add(JSON.createObjectNode().put("unexpectedBinaryFrame", data.remaining()));
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(-1);
        }
    }
}
