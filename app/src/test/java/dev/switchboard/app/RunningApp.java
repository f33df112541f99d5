package dev.switchboard.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.server.cdc.ConnectorState;
import dev.switchboard.server.config.ServerConfig;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.Auth;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import io.ably.lib.util.Log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * The whole application started in-process for one test class: embedded PostgreSQL in a fresh data directory
 * under {@code target/}, the realtime server on a free port, the chat and the change connector — exactly what
 * {@code java -jar switchboard.jar} runs. Also hands out ably-java clients, chat users with their own cookie
 * jar (like a browser), HTTP and JDBC access. {@link #close()} stops everything and deletes the data.
 */
final class RunningApp implements AutoCloseable {
    static final String ROOT_KEY = "e2eapp.root:e2e-root-secret-0123456789";
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    static final ObjectMapper JSON = new ObjectMapper();

    private final SwitchboardApp app;
    private final Path dataDir;
    private final Deque<AutoCloseable> clients = new ArrayDeque<>();

    private RunningApp(SwitchboardApp app, Path dataDir) {
        this.app = app;
        this.dataDir = dataDir;
    }

    static RunningApp start(String name) {
        return start(name, UnaryOperator.identity());
    }

    /** Starts the app; {@code tweak} adjusts the server config (e.g. a short presence grace period). */
    static RunningApp start(String name, UnaryOperator<ServerConfig> tweak) {
        return start(name, tweak, "");
    }

    /** Starts the app on the database at {@code databaseUrl} ({@code postgres://…}; empty: its own embedded one). */
    static RunningApp start(String name, UnaryOperator<ServerConfig> tweak, String databaseUrl) {
        return start(name, tweak, databaseUrl, ConnectorState.STREAMING);
    }

    /**
     * Starts the app and waits until its change connector is in {@code connectorState}: STREAMING for the only node
     * on a database, STANDBY for another node of a cluster on the same database.
     */
    static RunningApp start(String name, UnaryOperator<ServerConfig> tweak, String databaseUrl, ConnectorState connectorState) {
        Path dataDir = AppProcess.freshDirectory(name);
        ServerConfig config = tweak.apply(ServerConfig.defaults(ROOT_KEY, dataDir));
        SwitchboardApp app = SwitchboardApp.start(config, new AppSettings.Values(databaseUrl, 0, "", true), Map.of(), Clock.systemUTC());
        RunningApp running = new RunningApp(app, dataDir);
        await().atMost(TIMEOUT).until(() -> running.app.connector().status().state() == connectorState);
        return running;
    }

    SwitchboardApp app() { return app; }

    int port() { return app.server().port(); }

    String baseUrl() { return "http://localhost:" + port(); }

    Connection jdbc() throws SQLException {
        var db = app.database();
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }

    /** Runs a statement with JDBC, outside the chat. */
    int sql(String statement) throws SQLException {
        try (Connection c = jdbc(); var s = c.createStatement()) {
            return s.executeUpdate(statement);
        }
    }

    long count(String query) throws SQLException {
        try (Connection c = jdbc(); var s = c.createStatement(); var rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ---- HTTP -------------------------------------------------------------------------------------------

    HttpResponse<String> get(String path) {
        return get(HttpClient.newHttpClient(), path, null);
    }

    HttpResponse<String> get(HttpClient http, String path, String cookieHeader) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(TIMEOUT).GET();
            if (cookieHeader != null) b.header("Cookie", cookieHeader);
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code GET /status} with the root key (it answers keys with every capability only). */
    JsonNode status() throws IOException, InterruptedException {
        return JSON.readTree(getWithRootKey("/status"));
    }

    /** A scrape of {@code GET /metrics} with the root key. */
    dev.switchboard.server.testing.PrometheusText metrics() throws IOException, InterruptedException {
        return new dev.switchboard.server.testing.PrometheusText(getWithRootKey("/metrics"));
    }

    private String getWithRootKey(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(TIMEOUT)
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(ROOT_KEY.getBytes())).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new AssertionError("GET " + path + " → " + r.statusCode() + ": " + r.body());
        return r.body();
    }

    JsonNode getJson(String path) throws IOException {
        HttpResponse<String> r = get(path);
        if (r.statusCode() != 200) throw new AssertionError("GET " + path + " → " + r.statusCode() + ": " + r.body());
        return JSON.readTree(r.body());
    }

    // ---- ably-java ----------------------------------------------------------------------------------------

    ClientOptions options() {
        ClientOptions o = new ClientOptions();
        o.restHost = "localhost";
        o.realtimeHost = "localhost";
        o.port = port();
        o.tls = false;
        o.fallbackHosts = new String[0];
        o.useBinaryProtocol = false;
        o.logLevel = Log.WARN;
        return o;
    }

    /** A connected client with the root key (full capability), closed with the app. */
    AblyRealtime rootClient() {
        ClientOptions o = options();
        o.key = app.server().rootKey().keyString();
        return connected(o);
    }

    /** A chat user as a browser would be: its own cookie jar, tokens from /auth/token. */
    ChatUser chatUser() {
        return new ChatUser(HttpClient.newBuilder().cookieHandler(new CookieManager()).build(), null);
    }

    /** A chat user whose tokens carry the identity in a browser's cookie header (e.g. taken from WebDriver). */
    ChatUser chatUser(String cookieHeader) {
        return new ChatUser(HttpClient.newHttpClient(), cookieHeader);
    }

    AblyRealtime connected(ClientOptions options) {
        try {
            AblyRealtime realtime = new AblyRealtime(options);
            synchronized (clients) {
                clients.push(realtime::close);
            }
            await().atMost(TIMEOUT).until(() -> realtime.connection.state == ConnectionState.connected);
            return realtime;
        } catch (AblyException e) {
            throw new AssertionError("could not create an AblyRealtime", e);
        }
    }

    final class ChatUser {
        private final HttpClient http;
        private final String cookieHeader;

        private ChatUser(HttpClient http, String cookieHeader) {
            this.http = http;
            this.cookieHeader = cookieHeader;
        }

        /** The TokenRequest JSON the page would get from its authUrl. */
        String tokenRequestJson() {
            HttpResponse<String> r = get(http, "/auth/token", cookieHeader);
            if (r.statusCode() != 200) throw new AssertionError("/auth/token → " + r.statusCode() + ": " + r.body());
            return r.body();
        }

        AblyRealtime connect() {
            ClientOptions o = options();
            o.authCallback = params -> Auth.TokenRequest.fromJson(tokenRequestJson());
            o.echoMessages = false;
            return connected(o);
        }
    }

    // ---- channel helpers ------------------------------------------------------------------------------------

    /** Subscribes and waits for the attach; returns the live list of received messages. */
    static List<Message> subscribe(Channel channel) throws Exception {
        List<Message> received = new CopyOnWriteArrayList<>();
        channel.subscribe(received::add);
        CompletableFuture<ErrorInfo> done = new CompletableFuture<>();
        channel.attach(listener(done));
        ErrorInfo error = done.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (error != null) throw new AssertionError("attach " + channel.name + " failed: " + error);
        return received;
    }

    /** Publishes and waits for the ACK (null) or NACK (the error). */
    static ErrorInfo publish(Channel channel, Message message) throws Exception {
        CompletableFuture<ErrorInfo> done = new CompletableFuture<>();
        channel.publish(message, listener(done));
        return done.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static CompletionListener listener(CompletableFuture<ErrorInfo> done) {
        return new CompletionListener() {
            @Override public void onSuccess() { done.complete(null); }

            @Override public void onError(ErrorInfo reason) {
                done.complete(reason == null ? new ErrorInfo("error without ErrorInfo", 0) : reason);
            }
        };
    }

    /** The JSON object inside a connector message ({@code data} is a JSON string, as the original sent it). */
    static JsonNode change(Message m) {
        if (!(m.data instanceof String text)) throw new AssertionError("connector data is not a string: " + m.data);
        return change(text);
    }

    /** A connector message's data: the JSON text of the change. */
    static JsonNode change(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("connector data is not JSON: " + text, e);
        }
    }

    @Override
    public void close() {
        synchronized (clients) {
            while (!clients.isEmpty()) {
                try {
                    clients.pop().close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
        app.close();
        try (Stream<Path> paths = Files.walk(dataDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // leave it for mvn clean
        }
    }
}
