package dev.switchboard.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The original connector repository's example configuration, fed to Switchboard as a user of that connector would: its
 * {@code config/default.json} and its environment form ({@code config/.env}), both mapping table {@code users} of
 * database {@code mydb} to three channels (fixtures in {@code src/test/resources/seed-connector}). With the database's
 * address changed to a real PostgreSQL every INSERT, UPDATE and DELETE arrives once with the original payload; left
 * as documented ({@code "host": "db"}, which does not resolve here) Switchboard still serves, and its log has one line
 * per retry naming the cause, with no stack trace.
 */
class SeedConnectorConfigIT {
    private static final String ADDED = "ably-users-added";
    private static final String UPDATED = "ably-users-updated";
    private static final String REMOVED = "ably-users-removed";
    /** The connector's warning per failed attempt, from {@code ChangeConnector.recordError}. */
    private static final Pattern RETRY_LINE = Pattern.compile("change connector slot \\S+: .*; reconnecting in ");

    /** The user's PostgreSQL: database mydb with the example's table; Switchboard's own tables go to its postgres database. */
    private static EmbeddedDatabase userDb;

    @BeforeAll
    static void startTheUsersDatabase() throws Exception {
        userDb = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(AppProcess.freshDirectory("seed-connector-db").resolve("cluster")));
        try (Connection c = userDb.endpoint().connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("CREATE DATABASE mydb");
        }
        sql("CREATE TABLE users (id integer, name text)");
    }

    @AfterAll
    static void stopTheUsersDatabase() {
        if (userDb != null) userDb.close();
    }

    /** Each test's connector starts from a new slot, so no change of an earlier test is replayed into it. */
    @BeforeEach
    void freshSlotAndEmptyTable() throws Exception {
        sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'switchboard_cdc'");
        sql("DELETE FROM users");
    }

    @Test
    void theExampleFileWithItsDatabaseAddressChangedPublishesEachChangeOfUsers() throws Exception {
        ObjectNode config = (ObjectNode) RunningApp.JSON.readTree(fixture("default.json"));
        // The one change a user makes: where their database is.
        ((ObjectNode) config.get("dbConfig")).put("host", "127.0.0.1").put("port", userDb.port()).put("password", userDb.endpoint().password());
        Path file = AppProcess.freshDirectory("seed-connector-file-config").resolve("default.json");
        Files.writeString(file, config.toPrettyString());

        try (AppProcess app = new AppProcess("seed-connector-file").withEnv("SWITCHBOARD_DATABASE_URL", appDatabaseUrl())
                .withEnv("SWITCHBOARD_CONNECTOR_CONFIG", file.toString())) {
            app.start();
            assertServesTheChat(app);
            assertEachChangeOfUsersArrivesOnce(app);
            assertThat(app.log()).contains("The connector config's ably.apiKey is not used");
        }
    }

    @Test
    void theExampleEnvironmentFormWithItsDatabaseAddressChangedPublishesEachChangeOfUsers() throws Exception {
        Map<String, String> env = dotEnv(fixture(".env"));
        assertThat(env).containsKeys("DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_NAME", "ABLY_API_KEY", "ABLY_CONNECTOR");
        env.put("DB_HOST", "127.0.0.1");
        env.put("DB_PORT", Integer.toString(userDb.port()));
        env.put("DB_PASSWORD", userDb.endpoint().password());

        try (AppProcess app = new AppProcess("seed-connector-env").withEnv("SWITCHBOARD_DATABASE_URL", appDatabaseUrl())) {
            env.forEach(app::withEnv);
            app.start();
            assertServesTheChat(app);
            assertEachChangeOfUsersArrivesOnce(app);
            assertThat(app.log()).contains("The connector config's ably.apiKey is not used");
        }
    }

    @Test
    void theExampleFileAsDocumentedServesAndLogsOneLineNamingTheCausePerRetry() throws Exception {
        assumeThat(resolves("db")).as("a host named 'db' resolves on this machine; the example's address would be reachable").isFalse();
        Path file = AppProcess.freshDirectory("seed-connector-as-is-config").resolve("default.json");
        Files.writeString(file, fixture("default.json"));

        try (AppProcess app = new AppProcess("seed-connector-as-is").withEnv("SWITCHBOARD_DATABASE_URL", appDatabaseUrl())
                .withEnv("SWITCHBOARD_CONNECTOR_CONFIG", file.toString())) {
            // Not healthy (its connector cannot reach its database), but serving.
            app.startServing();
            assertServesTheChat(app);

            await().atMost(Duration.ofSeconds(30)).until(() -> retryLines(app).size() >= 3);
            assertThat(retryLines(app)).allSatisfy(line -> assertThat(line).contains("UnknownHostException: db"));
            assertThat(app.log().lines().filter(l -> l.matches("\\s+at \\S+\\(.*\\)") || l.matches("\\s*Caused by: .*")))
                    .as("no stack trace in the log").isEmpty();

            HttpResponse<String> health = get(app, "/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(RunningApp.JSON.readTree(health.body()).path("problems").path("connector").asText())
                    .as("/health names the connector's problem").startsWith("change connector reconnecting");
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** INSERT, UPDATE and DELETE on users each reach their channel once, with the original connector's payload. */
    private static void assertEachChangeOfUsersArrivesOnce(AppProcess app) throws Exception {
        AblyRealtime client = new AblyRealtime(app.clientOptions());
        try {
            await().atMost(RunningApp.TIMEOUT).until(() -> client.connection.state == ConnectionState.connected);
            List<Message> added = RunningApp.subscribe(client.channels.get(ADDED));
            List<Message> updated = RunningApp.subscribe(client.channels.get(UPDATED));
            List<Message> removed = RunningApp.subscribe(client.channels.get(REMOVED));

            sql("INSERT INTO users (id, name) VALUES (1, 'Alice')");
            sql("UPDATE users SET name = 'Alice Liddell' WHERE id = 1");
            sql("DELETE FROM users WHERE id = 1");
            // A last change after the three: by the time it is here, a repeat of the earlier ones would have come too.
            sql("INSERT INTO users (id, name) VALUES (2, 'Bob')");

            await().atMost(RunningApp.TIMEOUT).until(() -> added.size() >= 2 && updated.size() >= 1 && removed.size() >= 1);
            assertThat(added).hasSize(2);
            assertThat(updated).hasSize(1);
            assertThat(removed).hasSize(1);
            assertChange(added.get(0), "INSERT", 1, "Alice");
            assertChange(updated.get(0), "UPDATE", 1, "Alice Liddell");
            assertChange(removed.get(0), "DELETE", 1, "Alice Liddell"); // the old row
            assertChange(added.get(1), "INSERT", 2, "Bob");
        } finally {
            client.close();
        }
    }

    /** {@code data} is JSON text (subscribers JSON.parse it) of {"table", "type", "row"}; the row holds the table's columns. */
    private static void assertChange(Message m, String type, int id, String name) {
        assertThat(m.data).as("data is a string, as the original connector sent it").isInstanceOf(String.class);
        JsonNode change = RunningApp.change(m);
        assertThat(change.path("table").asText()).isEqualTo("users");
        assertThat(change.path("type").asText()).isEqualTo(type);
        JsonNode row = change.path("row");
        assertThat(row.isObject()).as("row of %s", change).isTrue();
        assertThat(row.size()).as("the table's two columns: %s", row).isEqualTo(2);
        assertThat(row.path("id").isIntegralNumber()).as("id is a number: %s", row).isTrue();
        assertThat(row.path("id").asInt()).isEqualTo(id);
        assertThat(row.path("name").asText()).isEqualTo(name);
        assertThat(m.name).isEqualTo("db-change");
    }

    /** The page, the token endpoint and the history endpoint answer: the chat is on. */
    private static void assertServesTheChat(AppProcess app) throws Exception {
        HttpResponse<String> page = get(app, "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).containsIgnoringCase("<html");
        assertThat(get(app, "/chat/messages").statusCode()).isEqualTo(200);
        assertThat(get(app, "/auth/token").statusCode()).isEqualTo(200);
    }

    private static List<String> retryLines(AppProcess app) throws IOException {
        return app.log().lines().filter(l -> RETRY_LINE.matcher(l).find()).toList();
    }

    private static HttpResponse<String> get(AppProcess app, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Switchboard's own database: the user's server, its postgres database (chat tables, message store). */
    private static String appDatabaseUrl() {
        return "postgres://postgres:" + userDb.endpoint().password() + "@127.0.0.1:" + userDb.port() + "/postgres";
    }

    private static void sql(String statement) throws Exception {
        try (Connection c = userDb.endpoint("mydb").connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute(statement);
        }
    }

    static String fixture(String name) {
        try (InputStream in = SeedConnectorConfigIT.class.getResourceAsStream("/seed-connector/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource seed-connector/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A dotenv file's NAME=value lines (no quoting in the example), in order. */
    static Map<String, String> dotEnv(String text) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            int eq = l.indexOf('=');
            if (eq < 1) throw new IllegalArgumentException("not NAME=value: " + l);
            env.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
        }
        return env;
    }

    private static boolean resolves(String host) {
        try {
            InetAddress.getByName(host);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
