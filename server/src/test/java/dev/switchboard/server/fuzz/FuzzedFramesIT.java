package dev.switchboard.server.fuzz;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.auth.TokenRequest;
import dev.switchboard.server.fuzz.FuzzInputs.Frame;
import dev.switchboard.server.protocol.WireFormat;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static dev.switchboard.server.testing.SwitchboardExtension.uniqueChannel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * DecoderFuzzTest's inputs against a real server: 2,000 generated and edited frames over raw WebSockets (JSON text frames,
 * MessagePack binary frames) and 500 edited REST bodies to publish, requestToken and history. Afterwards the server still
 * serves — fresh connections attach, publish and receive their own messages; REST answers 4xx with an Ably error body,
 * never 5xx — and nothing was logged at ERROR (such as the connection's "failed to handle action").
 */
class FuzzedFramesIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension().withConfigFile(SwitchboardExtension.MUTABLE_NAMESPACE_RULES);

    private static final int FRAMES_PER_FORMAT = 1000;
    private static final int LANES_PER_FORMAT = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final ApiKey ROOT = ApiKey.parse(SwitchboardExtension.ROOT_KEY, Capability.ALL);

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final UnexpectedLogLines unexpectedLogLines = new UnexpectedLogLines();

    @BeforeAll
    static void captureLogs() {
        unexpectedLogLines.start();
        rootLogger().addAppender(unexpectedLogLines);
    }

    @AfterAll
    static void releaseLogs() {
        rootLogger().detachAppender(unexpectedLogLines);
        unexpectedLogLines.stop();
    }

    @AfterEach
    void nothingUnexpectedWasLogged() {
        List<String> lines = new ArrayList<>(unexpectedLogLines.lines);
        unexpectedLogLines.lines.clear();
        assertThat(lines).as("lines logged at ERROR (or channel delivery warnings) while fuzzing").isEmpty();
    }

    @Test
    void fuzzedFramesInBothFormatsLeaveTheServerServing() throws Exception {
        Map<String, AtomicInteger> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
        ExecutorService lanes = Executors.newFixedThreadPool(2 * LANES_PER_FORMAT);
        try {
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (WireFormat format : WireFormat.values()) {
                Queue<Frame> ofFormat = new ConcurrentLinkedQueue<>(FuzzInputs.realtimeFrames(format).sampleStream().limit(FRAMES_PER_FORMAT).toList());
                for (int i = 0; i < LANES_PER_FORMAT; i++) {
                    running.add(CompletableFuture.runAsync(() -> sendAll(format, ofFormat, outcomes), lanes));
                }
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(running.toArray(new CompletableFuture[0]));
            await().atMost(Duration.ofSeconds(60)).until(all::isDone);
            all.join();
        } finally {
            lanes.shutdownNow();
        }
        System.out.println("FuzzedFramesIT frame outcomes: " + outcomes);
        assertThat(outcomes.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(2 * FRAMES_PER_FORMAT);

        for (WireFormat format : WireFormat.values()) aFreshConnectionAttachesPublishesAndReceives(format);
    }

    @Test
    void fuzzedRestBodiesAreAnsweredWithAblyErrorsNeverA5xx() throws Exception {
        // Subscribers in both formats, so every accepted publish is encoded for JSON and MessagePack readers.
        String channel = uniqueChannel("fuzz-rest");
        try (FuzzSocket json = FuzzSocket.connect(WireFormat.JSON); FuzzSocket msgpack = FuzzSocket.connect(WireFormat.MSGPACK)) {
            json.attach(channel);
            msgpack.attach(channel);

            List<String> problems = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (WireFormat format : WireFormat.values()) {
                FuzzInputs.restPublishBodies(format).sampleStream().limit(150).forEach(body -> check(problems, body,
                        post("/channels/" + channel + "/messages", body, true)));
                FuzzInputs.tokenRequestBodies(format, ROOT, now).sampleStream().limit(75).forEach(body -> check(problems, body,
                        post("/keys/" + ROOT.keyName() + "/requestToken", body, false)));
            }
            // Updates, deletes, appends and annotations of a real message on a mutable channel, and reads of it.
            String mutable = uniqueChannel("mutable:fuzz-rest");
            HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(server.httpBase() + "/channels/" + mutable + "/messages"))
                    .header("Authorization", basicAuth()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"target\",\"data\":\"text\"}")));
            String serial = new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.body()).path("serials").get(0).asText();
            String messagePath = "/channels/" + mutable + "/messages/" + URLEncoder.encode(serial, StandardCharsets.UTF_8);
            for (WireFormat format : WireFormat.values()) {
                FuzzInputs.restOperationBodies(format).sampleStream().limit(60).forEach(body -> {
                    check(problems, body, send(HttpRequest.newBuilder(URI.create(server.httpBase() + messagePath))
                            .header("Authorization", basicAuth()).header("Content-Type", body.format().contentType())
                            .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(body.bytes()))));
                    check(problems, body, post(messagePath + "/annotations", body, true));
                });
            }
            FuzzInputs.stringSoup(4, serial, ":", "0", "9999999999999999999", "%", "%zz", "x", "/versions", "/annotations", "?limit=0",
                    "?cursor=-1", "?direction=up").sampleStream().limit(50).forEach(tail -> {
                String path = "/channels/" + mutable + "/messages/" + URLEncoder.encode(tail, StandardCharsets.UTF_8)
                        .replace("%2F", "/").replace("%3F", "?").replace("%3D", "=");
                HttpResponse<String> res = send(HttpRequest.newBuilder(URI.create(server.httpBase() + path)).header("Authorization", basicAuth()).GET());
                check(problems, new Frame(WireFormat.JSON, tail.getBytes(StandardCharsets.UTF_8), "message read " + path), res);
            });
            FuzzInputs.stringSoup(6, "limit=", "start=", "end=", "direction=", "&", "0", "1000", "1001", "-1", "forwards", "x",
                    "9223372036854775808", "%", "%zz", "from_serial=", "cursor=", "=").sampleStream().limit(50).forEach(query -> {
                HttpResponse<String> res = send(HttpRequest.newBuilder(URI.create(server.httpBase() + "/channels/" + channel + "/messages?"
                        + URLEncoder.encode(query, StandardCharsets.UTF_8).replace("%3D", "=").replace("%26", "&"))).GET());
                check(problems, new Frame(WireFormat.JSON, query.getBytes(StandardCharsets.UTF_8), "history query"), res);
            });
            assertThat(problems).as("REST answers that were not 2xx or a 4xx Ably error").isEmpty();

            // Still serving: a plain publish is accepted and reaches both subscribers; a valid token request is answered.
            HttpResponse<String> ok = send(HttpRequest.newBuilder(URI.create(server.httpBase() + "/channels/" + channel + "/messages"))
                    .header("Authorization", basicAuth()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"after-rest-fuzz\",\"data\":\"fine\"}")));
            assertThat(ok.statusCode()).isEqualTo(201);
            json.awaitFrame(f -> hasMessageNamed(f, "after-rest-fuzz"));
            msgpack.awaitFrame(f -> hasMessageNamed(f, "after-rest-fuzz"));
            TokenRequest request = TokenRequest.sign(ROOT, null, null, null, System.currentTimeMillis(), "after-fuzz-" + now);
            HttpResponse<String> token = send(HttpRequest.newBuilder(URI.create(server.httpBase() + "/keys/" + ROOT.keyName() + "/requestToken"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(WireFormat.JSON.writeTree(request.toTree()))));
            assertThat(token.statusCode()).isEqualTo(200);
        }
    }

    // ---- realtime ------------------------------------------------------------------------------------------------------

    /**
     * One lane: sends frames one at a time, each followed by a HEARTBEAT probe, so every frame is read before the next; a
     * connection the server failed (ERROR, close) is replaced by a new one.
     */
    private static void sendAll(WireFormat format, Queue<Frame> frames, Map<String, AtomicInteger> outcomes) {
        FuzzSocket socket = null;
        int probe = 0;
        try {
            for (Frame frame; (frame = frames.poll()) != null; ) {
                if (socket == null || socket.isClosed()) {
                    if (socket != null) socket.close();
                    socket = FuzzSocket.connect(format);
                }
                String outcome;
                if (!socket.sendFrame(frame.bytes())) {
                    outcome = "closed before the frame was sent";
                } else {
                    String id = "probe-" + probe++;
                    socket.sendFrame(format.writeTree(Map.of("action", 0L, "id", id)));
                    FuzzSocket s = socket;
                    await().atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                            .until(() -> s.isClosed() || s.hasFrame(f -> Long.valueOf(0).equals(number(f.get("action"))) && id.equals(f.get("id"))));
                    outcome = s.isClosed() ? "refused, connection failed" : "read, connection kept";
                }
                outcomes.computeIfAbsent(format + " " + outcome, k -> new AtomicInteger()).incrementAndGet();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            if (socket != null) socket.close();
        }
    }

    private static void aFreshConnectionAttachesPublishesAndReceives(WireFormat format) throws Exception {
        String channel = uniqueChannel("after-fuzz-" + format.name().toLowerCase());
        try (FuzzSocket socket = FuzzSocket.connect(format)) {
            socket.attach(channel);
            Map<String, Object> publish = new LinkedHashMap<>();
            publish.put("action", 15L);
            publish.put("channel", channel);
            publish.put("msgSerial", 0L);
            publish.put("messages", List.of(Map.of("name", "still-here", "data", "after " + format)));
            assertThat(socket.sendFrame(format.writeTree(publish))).isTrue();
            socket.awaitFrame(f -> Long.valueOf(1).equals(number(f.get("action"))) && Long.valueOf(0).equals(number(f.get("msgSerial"))));
            socket.awaitFrame(f -> hasMessageNamed(f, "still-here"));
        }
    }

    private static boolean hasMessageNamed(Map<String, Object> frame, String name) {
        return Long.valueOf(15).equals(number(frame.get("action"))) && frame.get("messages") instanceof List<?> list
                && list.stream().anyMatch(m -> m instanceof Map<?, ?> mm && name.equals(mm.get("name")));
    }

    private static Long number(Object v) { return v instanceof Number n ? n.longValue() : null; }

    /** A raw WebSocket in either format that records every frame the server sends, decoded, and the close. */
    private static final class FuzzSocket implements AutoCloseable {
        private final WireFormat format;
        private final List<Map<String, Object>> received = new CopyOnWriteArrayList<>();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private WebSocket socket;

        private FuzzSocket(WireFormat format) { this.format = format; }

        static FuzzSocket connect(WireFormat format) throws Exception {
            FuzzSocket s = new FuzzSocket(format);
            URI uri = URI.create(server.wsBase() + "?v=6&format=" + (format == WireFormat.JSON ? "json" : "msgpack") + "&key="
                    + URLEncoder.encode(SwitchboardExtension.ROOT_KEY, StandardCharsets.UTF_8));
            s.socket = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(uri, s.new Listener())
                    .get(10, TimeUnit.SECONDS);
            s.awaitFrame(f -> Long.valueOf(4).equals(number(f.get("action"))));
            return s;
        }

        /**
         * Sends one frame: JSON as a text frame when it is UTF-8 (else binary, which the server reads in the connection's
         * format too), MessagePack as a binary frame. False when the connection was already closed.
         */
        boolean sendFrame(byte[] bytes) throws Exception {
            if (isClosed()) return false;
            String text = format == WireFormat.JSON ? utf8OrNull(bytes) : null;
            try {
                (text != null ? socket.sendText(text, true) : socket.sendBinary(ByteBuffer.wrap(bytes), true)).get(10, TimeUnit.SECONDS);
                return true;
            } catch (java.util.concurrent.ExecutionException e) {
                if (isClosed() || socket.isOutputClosed()) return false;
                throw e;
            }
        }

        void attach(String channel) throws Exception {
            Map<String, Object> attach = new LinkedHashMap<>();
            attach.put("action", 10L);
            attach.put("channel", channel);
            assertThat(sendFrame(format.writeTree(attach))).isTrue();
            awaitFrame(f -> Long.valueOf(11).equals(number(f.get("action"))) && channel.equals(f.get("channel")));
        }

        boolean hasFrame(Predicate<Map<String, Object>> match) { return received.stream().anyMatch(match); }

        void awaitFrame(Predicate<Map<String, Object>> match) {
            await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(5)).until(() -> hasFrame(match));
        }

        boolean isClosed() { return closed.isDone(); }

        @Override
        public void close() {
            if (!closed.isDone()) socket.abort();
        }

        private static String utf8OrNull(byte[] bytes) {
            try {
                return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
        }

        private final class Listener implements WebSocket.Listener {
            private final StringBuilder text = new StringBuilder();
            private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    record(text.toString().getBytes(StandardCharsets.UTF_8), WireFormat.JSON);
                    text.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                byte[] chunk = new byte[data.remaining()];
                data.get(chunk);
                binary.writeBytes(chunk);
                if (last) {
                    record(binary.toByteArray(), WireFormat.MSGPACK);
                    binary.reset();
                }
                ws.request(1);
                return null;
            }

            private void record(byte[] bytes, WireFormat as) {
                Map<String, Object> frame = new LinkedHashMap<>();
                Object tree = as.readTree(bytes);
                if (tree instanceof Map<?, ?> m) m.forEach((k, v) -> frame.put(String.valueOf(k), v));
                received.add(frame);
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

    // ---- REST ----------------------------------------------------------------------------------------------------------

    private static HttpResponse<String> post(String path, Frame body, boolean authenticated) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.httpBase() + path))
                .header("Content-Type", body.format().contentType()).POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        if (authenticated) request.header("Authorization", basicAuth());
        return send(request);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String basicAuth() {
        return "Basic " + Base64.getEncoder().encodeToString(SwitchboardExtension.ROOT_KEY.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A 2xx, or a 4xx whose body is an Ably error with the same status and a code of that status: a 4xxxx code, or one
     * of the catalogue's codes answered with a 4xx (e.g. 80018, a malformed connectionKey, is a 400); anything else is a problem.
     */
    private static void check(List<String> problems, Frame input, HttpResponse<String> res) {
        int status = res.statusCode();
        if (status >= 200 && status < 300) return;
        String problem = null;
        if (status < 400 || status >= 500) problem = "status " + status;
        else {
            Object tree = WireFormat.JSON.readTree(res.body().getBytes(StandardCharsets.UTF_8));
            Object error = tree instanceof Map<?, ?> m ? m.get("error") : null;
            Long code = error instanceof Map<?, ?> e ? number(e.get("code")) : null;
            boolean clientErrorCode = code != null && (code >= 40000 && code <= 49999 || java.util.Arrays.stream(dev.switchboard.server.protocol.ErrorCode.values())
                    .anyMatch(c -> c.code() == code && c.httpStatus() == status));
            if (!clientErrorCode || !Long.valueOf(status).equals(number(((Map<?, ?>) error).get("statusCode")))) {
                problem = "status " + status + " without an Ably error body";
            }
        }
        if (problem != null) problems.add(problem + ": " + res.body() + " <- " + input);
    }

    // ---- logs ----------------------------------------------------------------------------------------------------------

    private static Logger rootLogger() { return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME); }

    /**
     * Lines no input should cause: anything at ERROR (ClientConnection's "failed to handle action", Responder's "Unhandled
     * REST failure", Vert.x's unhandled exceptions) and the channel's warnings that a delivery or answer threw.
     */
    private static final class UnexpectedLogLines extends AppenderBase<ILoggingEvent> {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        protected void append(ILoggingEvent event) {
            boolean channelFailure = event.getLevel() == Level.WARN && event.getLoggerName().startsWith("dev.switchboard.server.channel")
                    && event.getFormattedMessage().contains("failed");
            if (event.getLevel().isGreaterOrEqual(Level.ERROR) || channelFailure) {
                lines.add(event.getLevel() + " " + event.getLoggerName() + ": " + event.getFormattedMessage()
                        + (event.getThrowableProxy() == null ? "" : " (" + event.getThrowableProxy().getClassName() + ")"));
            }
        }
    }
}
