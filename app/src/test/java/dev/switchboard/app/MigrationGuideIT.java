package dev.switchboard.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.chat.ChatChannels;
import dev.switchboard.server.cdc.config.ConnectorConfigLoader;
import dev.switchboard.server.config.Settings;
import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.rules.WebhookSignature;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.Auth;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.Message;
import io.ably.lib.util.Log;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code docs/migrating-from-the-seed.md}, followed as written. The blocks the guide marks
 * {@code <!-- tried-by: MigrationGuideIT <name> -->} are taken from the file and used on a real PostgreSQL set up as the
 * seed left it (its role, its {@code chat_data} with rows, the old connector's triggers): the checks and grants, the
 * clean-up, the connector config (file, and environment form), the environment variables, the rule, the log lines, the
 * checks after the start and the rollback. Only what a user changes is changed: the database's host and port, and the
 * paths and port of this machine. A block that goes missing or stops working fails the test.
 */
class MigrationGuideIT {
    private static final Path GUIDE = Path.of(System.getProperty("basedir", "."), "..", "docs", "migrating-from-the-seed.md");
    private static final Pattern MARKER = Pattern.compile("^\\s*<!--\\s*tried-by:\\s*MigrationGuideIT\\s+([\\w-]+)\\s*-->\\s*$");
    private static final Duration TIMEOUT = RunningApp.TIMEOUT;
    /** The steps' blocks, in the guide's order. */
    private static final List<String> BLOCKS = List.of("checks", "grants", "seed-table", "old-connector", "connector-file", "connector-env",
            "run", "log", "check", "latest-rows", "rules", "rollback");

    /** The rows the seed left, oldest first: (msg_id, username, msg_data, client_id, created_at, is_edited). */
    private static final List<Object[]> SEED_ROWS = List.of(
            new Object[] {"seed-1", "Alice", "first message from the seed", "seed-client-a", 1_690_000_000_000L, false},
            new Object[] {"seed-2", "Bob", "an edited one", "seed-client-b", 1_690_000_001_000L, true},
            new Object[] {"seed-3", "Alice", "the last before the move", "seed-client-c", 1_690_000_002_000L, false});

    @Test
    void theGuideTakesTheSeedsDatabaseToSwitchboardWithItsConfigFileAndBack() throws Exception {
        Guide guide = Guide.read();
        DatabaseUrl url = DatabaseUrl.of(guide.env("run").get("SWITCHBOARD_DATABASE_URL"));
        try (SeedDatabase seed = SeedDatabase.start("guide-file", guide, url);
             Webhook hook = new Webhook()) {
            seed.followPreparationSteps(guide);

            // Step 4: the connector file as the guide shows it, with the database's address changed to ours.
            ObjectNode file = (ObjectNode) RunningApp.JSON.readTree(guide.block("connector-file"));
            ObjectNode db = (ObjectNode) file.get("dbConfig");
            assertThat(List.of(db.path("user").asText(), db.path("password").asText(), db.path("database").asText()))
                    .as("dbConfig names the same database, as the same role, as SWITCHBOARD_DATABASE_URL")
                    .containsExactly(url.user(), url.password(), url.database());
            db.put("host", "127.0.0.1").put("port", seed.port());
            Path dir = AppProcess.freshDirectory("guide-file-config");
            Path connectorFile = dir.resolve("default.json");
            Files.writeString(connectorFile, file.toPrettyString());
            ConnectorConfigLoader.fromFile(connectorFile); // a file the loader refuses fails here, naming the key

            // Step 8: the rule, its webhook pointed at ours.
            ObjectNode rules = (ObjectNode) RunningApp.JSON.readTree(guide.block("rules"));
            ObjectNode target = (ObjectNode) rules.path("rules").get(0).get("target");
            String signingKey = target.path("signingKey").asText();
            target.put("url", hook.url(URI.create(target.path("url").asText()).getPath()));
            Path configFile = dir.resolve("switchboard.json");
            Files.writeString(configFile, rules.toPrettyString());

            // Step 5: the guide's environment, with this machine's paths and port.
            Map<String, String> env = seed.localise(guide.env("run"));
            assertThat(env).containsKey("SWITCHBOARD_CONNECTOR_CONFIG");
            env.put("SWITCHBOARD_CONNECTOR_CONFIG", connectorFile.toString());
            env.put("SWITCHBOARD_CONFIG", configFile.toString());

            try (AppProcess app = new AppProcess("guide-file")) {
                env.forEach(app::withEnv);
                app.start();
                assertTheLogHasTheGuidesLines(app, guide);
                assertThat(app.log()).contains("The chat's own persistence rule 'chat-persistence' is added to the 1 configured rule(s)")
                        .doesNotContain("(a typo?)");
                followTheChecks(app, guide);
                assertTheSeedsRowsAreShown(app);

                try (ChatClients clients = new ChatClients(app)) {
                    List<Message> incoming = RunningApp.subscribe(clients.root().channels.get(ChatChannels.INCOMING));
                    AblyRealtime carol = clients.chatUser();

                    // A new message: stored after the seed's rows, and its INSERT comes back through the file's mapping.
                    String first = UUID.randomUUID().toString();
                    assertThat(RunningApp.publish(carol.channels.get(ChatChannels.OUTGOING),
                            chatMsg(first, "Carol", "after the move"))).as("ACKed once its row is committed").isNull();
                    JsonNode inserted = awaitChange(incoming, "INSERT", first);
                    assertThat(inserted.path("table").asText()).isEqualTo("chat_data");
                    assertThat(inserted.path("row").path("msg_data").asText()).isEqualTo("after the move");
                    assertThat(inserted.path("row").path("incremental_record_id").asLong()).as("record ids continue after the seed's")
                            .isGreaterThan(seed.maxSeedRecordId());

                    // Its author's edit: the UPDATE comes back the same way.
                    Message edit = new Message("editedMsg", "{\"username\":\"Carol\",\"content\":\"after the move (edited)\",\"msgIdToEdit\":\"" + first + "\"}");
                    edit.id = UUID.randomUUID().toString();
                    assertThat(RunningApp.publish(carol.channels.get(ChatChannels.OUTGOING), edit)).isNull();
                    JsonNode updated = awaitChange(incoming, "UPDATE", first);
                    assertThat(updated.path("row").path("msg_data").asText()).isEqualTo("after the move (edited)");
                    assertThat(updated.path("row").path("is_edited").asBoolean()).isTrue();

                    // 4,000 three-byte characters: more than NOTIFY takes, fine now that step 3 removed the triggers.
                    String longId = UUID.randomUUID().toString();
                    String longText = "€".repeat(4000);
                    assertThat(RunningApp.publish(carol.channels.get(ChatChannels.OUTGOING), chatMsg(longId, "Carol", longText))).isNull();
                    assertThat(awaitChange(incoming, "INSERT", longId).path("row").path("msg_data").asText()).isEqualTo(longText);

                    // Step 6's query: the new rows are the latest, after the seed's.
                    List<List<Object>> latest = seed.runAsRole(guide.block("latest-rows"));
                    assertThat(latest).hasSize(1);
                    assertThat(latest.get(0)).as("msg_ids, newest first").startsWith(longId, first, "seed-3");

                    // Step 8's webhook got the chat message as the Lambda did: enveloped, data the published JSON text, signed.
                    Webhook.Call call = await().atMost(TIMEOUT).until(() -> hook.callWith(first), Objects::nonNull);
                    JsonNode message = call.body().path("messages").get(0);
                    assertThat(call.body().path("channel").asText()).isEqualTo(ChatChannels.OUTGOING);
                    assertThat(message.path("name").asText()).isEqualTo("chatMsg");
                    assertThat(RunningApp.JSON.readTree(message.path("data").asText()).path("content").asText()).isEqualTo("after the move");
                    assertThat(WebhookSignature.verify(signingKey, Long.parseLong(call.header(WebhookSignature.TIMESTAMP_HEADER)),
                            call.raw(), call.header(WebhookSignature.SIGNATURE_HEADER))).as("signed as step 8 says").isTrue();
                }
                // Step 10's stop: SIGTERM (the JVM's exit status for it is 143); the connector reports its position on the way out.
                assertThat(app.terminate()).isIn(0, 143);
                assertThat(app.log()).contains("change connector for slot switchboard_cdc stopped at");
            }

            // Step 10: the rollback leaves no slot or publication behind, and the Lambda's INSERT works on the table.
            seed.runAsRole(guide.block("rollback"));
            assertThat(seed.countAsSuperuser("SELECT count(*) FROM pg_replication_slots")).isZero();
            assertThat(seed.countAsSuperuser("SELECT count(*) FROM pg_publication")).isZero();
            long before = seed.countAsRole("SELECT max(incremental_record_id) FROM chat_data");
            seed.lambdaInsert("back-on-the-seed", "Dave", "written by the seed's function again");
            assertThat(seed.countAsRole("SELECT incremental_record_id FROM chat_data WHERE msg_id = 'back-on-the-seed'")).isGreaterThan(before);
            assertThat(seed.countAsRole("SELECT count(*) FROM chat_data")).as("the seed's 3 rows, 2 from Switchboard, 1 after").isEqualTo(6);
        }
    }

    @Test
    void theGuidesEnvironmentFormOfTheConnectorWorksTheSame() throws Exception {
        Guide guide = Guide.read();
        DatabaseUrl url = DatabaseUrl.of(guide.env("run").get("SWITCHBOARD_DATABASE_URL"));
        try (SeedDatabase seed = SeedDatabase.start("guide-env", guide, url)) {
            seed.followPreparationSteps(guide);

            Map<String, String> connector = guide.env("connector-env");
            assertThat(List.of(connector.get("DB_USER"), connector.get("DB_PASSWORD"), connector.get("DB_NAME")))
                    .as("DB_* name the same database, as the same role, as SWITCHBOARD_DATABASE_URL")
                    .containsExactly(url.user(), url.password(), url.database());
            connector.put("DB_HOST", "127.0.0.1");
            connector.put("DB_PORT", Integer.toString(seed.port()));
            // Step 5: "leave out SWITCHBOARD_CONNECTOR_CONFIG and export the DB_* and ABLY_* variables instead".
            Map<String, String> env = seed.localise(guide.env("run"));
            env.remove("SWITCHBOARD_CONNECTOR_CONFIG");
            env.putAll(connector);

            try (AppProcess app = new AppProcess("guide-env")) {
                env.forEach(app::withEnv);
                app.start();
                assertTheLogHasTheGuidesLines(app, guide);
                followTheChecks(app, guide);
                assertTheSeedsRowsAreShown(app);
                try (ChatClients clients = new ChatClients(app)) {
                    List<Message> incoming = RunningApp.subscribe(clients.root().channels.get(ChatChannels.INCOMING));
                    String id = UUID.randomUUID().toString();
                    assertThat(RunningApp.publish(clients.chatUser().channels.get(ChatChannels.OUTGOING), chatMsg(id, "Erin", "hello from the env form")))
                            .isNull();
                    assertThat(awaitChange(incoming, "INSERT", id).path("row").path("incremental_record_id").asLong())
                            .isGreaterThan(seed.maxSeedRecordId());
                }
            }
        }
    }

    @Test
    void everySettingTheGuideNamesExistsAndTheReadmeLinksIt() throws Exception {
        String text = Guide.read().text;
        Set<String> known = new HashSet<>();
        Settings.ALL.forEach(s -> known.add(s.env()));
        AppSettings.ALL.forEach(s -> known.add(s.env()));
        known.add(Settings.CONFIG_FILE_ENV);
        // The connector's environment form (ConnectorConfigLoader.fromEnvironment).
        known.addAll(List.of("SWITCHBOARD_CDC_SLOT", "SWITCHBOARD_CDC_PUBLICATION"));
        Matcher m = Pattern.compile("SWITCHBOARD_[A-Z_]+").matcher(text);
        List<String> named = new ArrayList<>();
        while (m.find()) named.add(m.group());
        assertThat(named).as("settings named by the guide").isNotEmpty().allSatisfy(name -> assertThat(known).contains(name));

        String readme = Files.readString(GUIDE.getParent().resolveSibling("README.md"));
        assertThat(readme).contains("(docs/migrating-from-the-seed.md)");
    }

    // ---- steps shared by both forms -------------------------------------------------------------------------------

    /** Step 5: every line the guide says to look for is in the log (… stands for anything). */
    private static void assertTheLogHasTheGuidesLines(AppProcess app, Guide guide) throws IOException {
        List<String> log = app.log().lines().toList();
        for (String expected : guide.block("log").lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
            StringBuilder regex = new StringBuilder();
            for (String part : expected.split("…", -1)) regex.append(regex.isEmpty() ? "" : ".*").append(Pattern.quote(part));
            Pattern p = Pattern.compile(regex.toString());
            assertThat(log).as("a log line like: %s", expected).anySatisfy(line -> assertThat(p.matcher(line).find()).isTrue());
        }
    }

    /** Step 6: each curl of the guide against this process answers 200, with what the guide says to expect. */
    private static void followTheChecks(AppProcess app, Guide guide) throws Exception {
        String dataDir = guide.env("run").get("SWITCHBOARD_DATA_DIR");
        List<String> curls = guide.block("check").lines().filter(l -> l.strip().startsWith("curl ")).toList();
        assertThat(curls).isNotEmpty();
        Map<String, JsonNode> answers = new LinkedHashMap<>();
        for (String curl : curls) {
            Matcher u = Pattern.compile("https?://[^\\s'\"]+").matcher(curl);
            assertThat(u.find()).as("a URL in %s", curl).isTrue();
            URI uri = URI.create(u.group());
            assertThat(uri.getHost() + ":" + uri.getPort()).isEqualTo("localhost:" + guide.env("run").get("SWITCHBOARD_PORT"));
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + uri.getRawPath()
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))).timeout(Duration.ofSeconds(10));
            if (curl.contains(" -u ")) {
                // The root key, from the file the guide names in the data directory the guide sets.
                assertThat(curl).contains(dataDir + "/root-key");
                request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(AppProcess.ROOT_KEY.getBytes(StandardCharsets.UTF_8)));
            }
            HttpResponse<String> r = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("%s → %s", curl, r.body()).isEqualTo(200);
            answers.put(uri.getPath(), RunningApp.JSON.readTree(r.body()));
        }
        assertThat(answers.get("/health").path("status").asText()).isEqualTo("ok");
        assertThat(answers.get("/chat/messages").path("messages").size()).isEqualTo(SEED_ROWS.size());
        assertThat(answers.get("/status").path("connector").path("state").asText()).isEqualTo("STREAMING");
    }

    /** Every row the seed left, in order, through the chat's history endpoint. */
    private static void assertTheSeedsRowsAreShown(AppProcess app) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port()
                + "/chat/messages?limit=50")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> shown = new ArrayList<>();
        RunningApp.JSON.readTree(r.body()).path("messages").forEach(row -> shown.add(row.path("msg_id").asText() + ":" + row.path("msg_data").asText()
                + ":" + row.path("is_edited").asBoolean()));
        assertThat(shown).containsExactlyElementsOf(SEED_ROWS.stream().map(row -> row[0] + ":" + row[2] + ":" + row[5]).toList());
    }

    private static Message chatMsg(String id, String username, String content) throws IOException {
        ObjectNode data = RunningApp.JSON.createObjectNode().put("username", username).put("content", content);
        Message m = new Message("chatMsg", RunningApp.JSON.writeValueAsString(data));
        m.id = id;
        return m;
    }

    /** The change of {@code type} for the row {@code msgId}, once it has arrived on incoming-chat. */
    private static JsonNode awaitChange(List<Message> incoming, String type, String msgId) {
        return await().atMost(TIMEOUT).until(() -> incoming.stream().map(RunningApp::change)
                .filter(c -> c.path("type").asText().equals(type) && c.path("row").path("msg_id").asText().equals(msgId))
                .findFirst().orElse(null), Objects::nonNull);
    }

    // ---- the guide ------------------------------------------------------------------------------------------------

    /** The guide's text and its marked blocks. */
    record Guide(String text, Map<String, String> blocks) {
        static Guide read() throws IOException {
            assertThat(GUIDE).as("the migration guide").isRegularFile();
            String text = Files.readString(GUIDE);
            Map<String, String> blocks = new LinkedHashMap<>();
            List<String> lines = text.lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = MARKER.matcher(lines.get(i));
                if (!m.matches()) continue;
                int open = i + 1;
                while (open < lines.size() && lines.get(open).isBlank()) open++;
                String fence = open < lines.size() ? lines.get(open) : "";
                String indent = fence.substring(0, fence.length() - fence.stripLeading().length());
                if (!fence.stripLeading().startsWith("```")) throw new AssertionError("the block marked '" + m.group(1) + "' is not a fenced block");
                StringBuilder body = new StringBuilder();
                int j = open + 1;
                for (; j < lines.size() && !lines.get(j).strip().equals("```"); j++) {
                    String line = lines.get(j);
                    body.append(line.startsWith(indent) ? line.substring(indent.length()) : line.stripLeading()).append('\n');
                }
                if (j == lines.size()) throw new AssertionError("the block marked '" + m.group(1) + "' is not closed");
                if (blocks.put(m.group(1), body.toString()) != null) throw new AssertionError("two blocks are marked '" + m.group(1) + "'");
                i = j;
            }
            // Checked at once, so that a block gone missing fails before any database starts.
            assertThat(blocks.keySet()).as("blocks the guide marks for this test").containsAll(BLOCKS);
            return new Guide(text, blocks);
        }

        String block(String name) {
            String block = blocks.get(name);
            assertThat(block).as("the guide's block marked <!-- tried-by: MigrationGuideIT %s -->", name).isNotBlank();
            return block;
        }

        /** A shell block's {@code export NAME=value} lines (quotes removed), in order. */
        Map<String, String> env(String name) {
            Map<String, String> env = new LinkedHashMap<>();
            Pattern export = Pattern.compile("^\\s*export\\s+([A-Z_][A-Z0-9_]*)=(.*)$");
            for (String line : block(name).lines().toList()) {
                Matcher m = export.matcher(line);
                if (!m.matches()) continue;
                String value = m.group(2).strip();
                if (value.length() >= 2 && (value.startsWith("'") && value.endsWith("'") || value.startsWith("\"") && value.endsWith("\""))) {
                    value = value.substring(1, value.length() - 1);
                }
                env.put(m.group(1), value);
            }
            assertThat(env).as("export lines in the block '%s'", name).isNotEmpty();
            return env;
        }
    }

    /** The parts of {@code postgres://user:password@host:port/database} a user keeps. */
    record DatabaseUrl(String user, String password, String database) {
        static DatabaseUrl of(String url) {
            assertThat(url).as("SWITCHBOARD_DATABASE_URL in the guide's run block").startsWith("postgres://");
            URI uri = URI.create(url);
            String[] userInfo = uri.getUserInfo().split(":", 2);
            return new DatabaseUrl(userInfo[0], userInfo[1], uri.getPath().substring(1));
        }
    }

    /** SQL of a block, statement by statement (ended by ';' at the end of a line, or by the block's end). */
    static List<String> statements(String sql) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : sql.lines().toList()) {
            if (line.strip().startsWith("--")) continue;
            current.append(line).append('\n');
            if (line.strip().endsWith(";")) {
                statements.add(current.toString().strip().replaceAll(";$", ""));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) statements.add(current.toString().strip());
        return statements;
    }

    /**
     * A PostgreSQL as the seed left it: the role its function and connector used (the guide's user and password), owning
     * {@code chat_data} with rows and the old connector's function, control table and triggers.
     */
    static final class SeedDatabase implements AutoCloseable {
        private final EmbeddedDatabase db;
        private final DatabaseUrl url;

        private SeedDatabase(EmbeddedDatabase db, DatabaseUrl url) {
            this.db = db;
            this.url = url;
        }

        static SeedDatabase start(String name, Guide guide, DatabaseUrl url) throws Exception {
            EmbeddedDatabase db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(AppProcess.freshDirectory(name + "-db").resolve("cluster")));
            SeedDatabase seed = new SeedDatabase(db, url);
            try {
                seed.build(guide);
                return seed;
            } catch (Exception | AssertionError e) {
                db.close();
                throw e;
            }
        }

        private void build(Guide guide) throws Exception {
            try (Connection c = db.endpoint().connect(); Statement s = c.createStatement()) {
                c.setAutoCommit(true);
                if (!url.database().equals("postgres")) s.execute("CREATE DATABASE \"" + url.database() + "\"");
                s.execute("CREATE ROLE \"" + url.user() + "\" LOGIN PASSWORD '" + url.password().replace("'", "''") + "'");
            }
            try (Connection c = db.endpoint(url.database()).connect(); Statement s = c.createStatement()) {
                // Before PostgreSQL 15 every role could create in public; the seed's role made its table there.
                s.execute("GRANT CREATE ON SCHEMA public TO \"" + url.user() + "\"");
            }
            try (Connection c = asRole(); Statement s = c.createStatement()) {
                s.execute("CREATE SEQUENCE chat_data_incremental_record_id_seq");
                for (String statement : statements(guide.block("seed-table"))) s.execute(statement);
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO chat_data (msg_id, username, msg_data, client_id, created_at_timestamp, is_edited) "
                        + "VALUES (?, ?, ?, ?, ?, ?)")) {
                    for (Object[] row : SEED_ROWS) {
                        for (int i = 0; i < row.length; i++) insert.setObject(i + 1, row[i]);
                        insert.executeUpdate();
                    }
                }
                // What the old connector leaves behind (its mechanism: a row trigger per mapping calling pg_notify).
                s.execute("""
                        CREATE FUNCTION ably_notify() RETURNS trigger AS $$
                        BEGIN
                          PERFORM pg_notify('table_update', json_build_object('table', TG_TABLE_NAME, 'type', TG_OP, 'row', NEW)::text);
                          RETURN NEW;
                        END;
                        $$ LANGUAGE plpgsql""");
                s.execute("CREATE TABLE ablycontroltable (tablename varchar(100), ablychannelname varchar(100), operation varchar(50))");
                s.execute("INSERT INTO ablycontroltable VALUES ('chat_data', 'incoming-chat', 'INSERT'), ('chat_data', 'incoming-chat', 'UPDATE')");
                s.execute("CREATE TRIGGER chat_data_notify_INSERT AFTER INSERT ON chat_data FOR EACH ROW EXECUTE PROCEDURE ably_notify()");
                s.execute("CREATE TRIGGER chat_data_notify_UPDATE AFTER UPDATE ON chat_data FOR EACH ROW EXECUTE PROCEDURE ably_notify()");
            }
            // The seed's defect, reproduced: with the trigger, a row of 8000 bytes or more cannot be inserted at all.
            assertThatThrownBy(() -> lambdaInsert("too-long", "Alice", "€".repeat(4000))).isInstanceOf(SQLException.class)
                    .hasMessageContaining("payload string too long");
        }

        /** Steps 1 and 3: the grants (as a superuser), the checks and the clean-up (as the role). */
        void followPreparationSteps(Guide guide) throws Exception {
            try (Connection c = db.endpoint(url.database()).connect(); Statement s = c.createStatement()) {
                c.setAutoCommit(true);
                for (String statement : statements(guide.block("grants"))) s.execute(statement);
            }
            List<List<Object>> checks = runAsRole(guide.block("checks"));
            assertThat(checks).hasSize(4);
            assertThat(checks.get(0)).as("wal_level").containsExactly("logical");
            assertThat(checks.get(1)).as("the role may replicate").containsExactly(true);
            assertThat(checks.get(2)).as("the role owns chat_data").containsExactly(true);
            assertThat(checks.get(3)).as("the seed's messages").containsExactly((long) SEED_ROWS.size());

            String cleanUp = guide.block("old-connector");
            List<Object> triggersBefore = runAsRole(cleanUp).get(0);
            assertThat(triggersBefore).as("the guide's first statement lists the old triggers").containsExactlyInAnyOrder("chat_data_notify_insert", "chat_data_notify_update");
            assertThat(runAsRole(statements(cleanUp).get(0)).get(0)).as("no trigger left").isEmpty();
            assertThat(countAsRole("SELECT count(*) FROM pg_proc WHERE proname = 'ably_notify'")).isZero();
            assertThat(countAsRole("SELECT count(*) FROM pg_tables WHERE tablename = 'ablycontroltable'")).isZero();
        }

        /** The guide's environment on this machine: the database's host and port ours, the process's port and data directory AppProcess's. */
        Map<String, String> localise(Map<String, String> guideEnv) {
            Map<String, String> env = new LinkedHashMap<>(guideEnv);
            URI uri = URI.create(env.get("SWITCHBOARD_DATABASE_URL"));
            env.put("SWITCHBOARD_DATABASE_URL", uri.getScheme() + "://" + uri.getRawUserInfo() + "@127.0.0.1:" + port() + uri.getRawPath());
            env.remove("SWITCHBOARD_PORT");
            env.remove("SWITCHBOARD_DATA_DIR");
            return env;
        }

        int port() { return db.port(); }

        long maxSeedRecordId() throws SQLException {
            return countAsRole("SELECT max(incremental_record_id) FROM chat_data WHERE msg_id LIKE 'seed-%'");
        }

        /** The seed function's INSERT, as it wrote each chatMsg. */
        void lambdaInsert(String msgId, String username, String text) throws SQLException {
            try (Connection c = asRole(); PreparedStatement s = c.prepareStatement(
                    "INSERT INTO chat_data(username, msg_id, msg_data, client_id, created_at_timestamp) VALUES (?, ?, ?, ?, ?)")) {
                s.setString(1, username);
                s.setString(2, msgId);
                s.setString(3, text);
                s.setString(4, "lambda-client");
                s.setLong(5, System.currentTimeMillis());
                s.executeUpdate();
            }
        }

        /** Runs a block's statements as the seed's role; for each, the first column of its rows (empty without a result). */
        List<List<Object>> runAsRole(String sql) throws SQLException {
            List<List<Object>> results = new ArrayList<>();
            try (Connection c = asRole(); Statement s = c.createStatement()) {
                for (String statement : statements(sql)) {
                    List<Object> column = new ArrayList<>();
                    if (s.execute(statement)) {
                        try (ResultSet rs = s.getResultSet()) {
                            while (rs.next()) column.add(rs.getObject(1));
                        }
                    }
                    results.add(column);
                }
            }
            return results;
        }

        long countAsRole(String query) throws SQLException {
            return ((Number) runAsRole(query).get(0).get(0)).longValue();
        }

        long countAsSuperuser(String query) throws SQLException {
            try (Connection c = db.endpoint(url.database()).connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
                rs.next();
                return rs.getLong(1);
            }
        }

        private Connection asRole() throws SQLException {
            return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + db.port() + "/" + url.database(), url.user(), url.password());
        }

        @Override
        public void close() {
            db.close();
        }
    }

    /** ably-java clients of one process: one with the root key, chat users with their own cookie jar. */
    static final class ChatClients implements AutoCloseable {
        private final AppProcess app;
        private final List<AblyRealtime> open = new ArrayList<>();

        ChatClients(AppProcess app) {
            this.app = app;
        }

        AblyRealtime root() throws Exception {
            return connected(app.clientOptions());
        }

        /** As the chat page: a token request from /auth/token for this cookie jar's clientId, no echo. */
        AblyRealtime chatUser() throws Exception {
            HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
            ClientOptions o = new ClientOptions();
            o.restHost = o.realtimeHost = "localhost";
            o.port = app.port();
            o.tls = false;
            o.fallbackHosts = new String[0];
            o.echoMessages = false;
            o.logLevel = Log.NONE;
            o.authCallback = params -> {
                try {
                    HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/auth/token"))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                    return Auth.TokenRequest.fromJson(r.body());
                } catch (IOException | InterruptedException e) {
                    throw io.ably.lib.types.AblyException.fromThrowable(e);
                }
            };
            return connected(o);
        }

        private AblyRealtime connected(ClientOptions o) throws Exception {
            AblyRealtime realtime = new AblyRealtime(o);
            open.add(realtime);
            await().atMost(TIMEOUT).until(() -> realtime.connection.state == ConnectionState.connected);
            return realtime;
        }

        @Override
        public void close() {
            open.forEach(AblyRealtime::close);
        }
    }

    /** A webhook target: records each request's body and headers, answers 204. */
    static final class Webhook implements AutoCloseable {
        record Call(byte[] raw, JsonNode body, Map<String, List<String>> headers) {
            String header(String name) {
                return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().get(0)).findFirst().orElse(null);
            }
        }

        private final HttpServer server;
        private final List<Call> calls = new CopyOnWriteArrayList<>();

        Webhook() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                byte[] raw = exchange.getRequestBody().readAllBytes();
                try {
                    calls.add(new Call(raw, RunningApp.JSON.readTree(raw), Map.copyOf(exchange.getRequestHeaders())));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            server.start();
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        /** The call whose first message has this id, or null. */
        Call callWith(String messageId) {
            return calls.stream().filter(c -> messageId.equals(c.body().path("messages").path(0).path("id").asText())).findFirst().orElse(null);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
