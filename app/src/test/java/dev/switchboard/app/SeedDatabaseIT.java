package dev.switchboard.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.chat.ChatChannels;
import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.types.Message;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Switchboard started on the seed's own database: {@code chat_data} created by hand from the seed README's DDL (no
 * migration history), with rows, with and without its sequence. Every row is kept and shown by the chat, and new
 * messages are stored after them.
 */
class SeedDatabaseIT {
    /** The seed README's table, as its SQL (pgAdmin) version gives it. */
    private static final String SEED_TABLE = """
            CREATE TABLE IF NOT EXISTS public.chat_data
            (
                username text COLLATE pg_catalog."default",
                msg_id text COLLATE pg_catalog."default" NOT NULL,
                msg_data text COLLATE pg_catalog."default",
                client_id text COLLATE pg_catalog."default",
                incremental_record_id bigint NOT NULL DEFAULT nextval('chat_data_incremental_record_id_seq'::regclass),
                created_at_timestamp bigint,
                is_edited boolean,
                CONSTRAINT chat_data_pkey PRIMARY KEY (msg_id)
            )""";

    /** The chat page lists the adopted rows, dated (they are not from today), the edited one marked. */
    private static void showsTheSeedsRowsInTheBrowser(RunningApp app) {
        try (Browser visitor = new Browser("seed-visitor", 900, 640)) {
            visitor.driver.get(app.baseUrl() + "/");
            List<org.openqa.selenium.WebElement> shown = visitor.until("the seed's three rows", d -> {
                List<org.openqa.selenium.WebElement> m = visitor.allByTestId("message");
                return m.size() == 3 ? m : null;
            });
            assertThat(shown).extracting(Browser::text).containsExactly("first from the seed", "second, edited", "a row with NULLs");
            assertThat(shown.get(0).findElement(org.openqa.selenium.By.cssSelector("[data-testid='message-author']")).getText()).isEqualTo("Alice");
            assertThat(shown.get(0).findElement(org.openqa.selenium.By.cssSelector("[data-testid='message-time']")).getText())
                    .as("a day that is not today shows its date").contains("2023");
            assertThat(Browser.has(shown.get(1), "edited-marker")).isTrue();
            Browser.saveSideBySide(java.nio.file.Path.of("target", "screenshots"), "20-seed-rows-adopted.png", visitor, null);
        }
    }

    @ParameterizedTest(name = "sequence kept: {0}")
    @ValueSource(booleans = {true, false})
    void theSeedsChatDataIsAdoptedWithEveryRowAndNewMessagesFollow(boolean sequenceKept) throws Exception {
        java.nio.file.Path dir = AppProcess.freshDirectory("seed-db-" + sequenceKept).resolve("cluster");
        EmbeddedDatabase seedDb = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dir));
        try {
            try (Connection c = seedDb.endpoint().connect(); var s = c.createStatement()) {
                c.setAutoCommit(true);
                s.execute("CREATE SEQUENCE chat_data_incremental_record_id_seq");
                s.execute(SEED_TABLE);
                s.execute("INSERT INTO chat_data (username, msg_id, msg_data, client_id, created_at_timestamp, is_edited) VALUES "
                        + "('Alice', 'seed-1', 'first from the seed', 'c1', 1700000000000, false), "
                        + "('Bob', 'seed-2', 'second, edited', 'c2', 1700000001000, true), "
                        + "(NULL, 'seed-3', 'a row with NULLs', NULL, NULL, NULL)");
                if (!sequenceKept) {
                    s.execute("ALTER TABLE chat_data ALTER COLUMN incremental_record_id DROP DEFAULT");
                    s.execute("DROP SEQUENCE chat_data_incremental_record_id_seq");
                }
            }
            String url = "postgres://postgres:" + seedDb.endpoint().password() + "@127.0.0.1:" + seedDb.port() + "/postgres";
            try (RunningApp app = RunningApp.start("seed-db-app-" + sequenceKept, UnaryOperator.identity(), url)) {
                JsonNode page = RunningApp.JSON.readTree(app.get("/chat/messages?limit=50").body());
                List<String> texts = new ArrayList<>();
                page.path("messages").forEach(m -> texts.add(m.path("msg_data").asText()));
                assertThat(texts).containsExactly("first from the seed", "second, edited", "a row with NULLs");
                if (sequenceKept) showsTheSeedsRowsInTheBrowser(app);

                AblyRealtime alice = app.chatUser().connect();
                Message m = new Message("chatMsg", "{\"username\":\"Carol\",\"content\":\"after the move\"}");
                m.id = UUID.randomUUID().toString();
                assertThat(RunningApp.publish(alice.channels.get(ChatChannels.OUTGOING), m)).as("stored in the adopted table").isNull();
                await().atMost(RunningApp.TIMEOUT).until(() -> app.count("SELECT count(*) FROM chat_data") == 4);
                assertThat(app.count("SELECT incremental_record_id FROM chat_data WHERE msg_id = '" + m.id + "'"))
                        .as("record ids continue after the seed's").isGreaterThan(app.count("SELECT max(incremental_record_id) FROM chat_data WHERE msg_id LIKE 'seed-%'"));
                assertThat(app.count("SELECT count(*) FROM chat_data WHERE msg_id LIKE 'seed-%'")).isEqualTo(3);
            }
        } finally {
            seedDb.close();
        }
    }
}
