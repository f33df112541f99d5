package dev.switchboard.app;

import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat in headless Chromium while its server and then its database go away and come back: the page says so at
 * once, "Retry now" reconnects as soon as the server is back, and a message written while the database is down waits
 * on the page and is saved by itself when it returns. Switchboard runs in its own JVM on an external PostgreSQL, so
 * either can be stopped.
 */
class ChatOutageBrowserIT {
    private static final Path SHOTS = Path.of("target", "screenshots");

    @Test
    void outagesAreShownRetryNowReconnectsAndAMessageWrittenWhileTheDatabaseIsDownIsSavedWhenItReturns() throws Exception {
        Path dir = AppProcess.freshDirectory("outage-db").resolve("cluster");
        EmbeddedDatabaseSettings settings = EmbeddedDatabaseSettings.defaults(dir);
        EmbeddedDatabase database = EmbeddedDatabase.start(settings);
        int dbPort = database.port();
        String url = "postgres://postgres:" + database.endpoint().password() + "@127.0.0.1:" + dbPort + "/postgres";
        try (AppProcess app = new AppProcess("chat-outage").withEnv("SWITCHBOARD_DATABASE_URL", url);
             Browser alice = new Browser("alice-outage", 900, 640)) {
            app.start();
            alice.driver.get("http://127.0.0.1:" + app.port() + "/");
            alice.until("connected", d -> "connected".equals(alice.textOf("connection-state")));
            WebElement nickname = alice.until("nickname input", d -> alice.byTestId("nickname-input"));
            nickname.sendKeys("Alice");
            alice.byTestId("nickname-submit").click();
            alice.until("online", d -> "Online now (1)".equals(alice.textOf("online-count")));

            // 1. The server stops: within 2 s a banner says so, and nobody is listed online (we cannot know).
            long stoppedAt = System.nanoTime();
            app.terminate();
            new WebDriverWait(alice.driver, Duration.ofSeconds(2)).withMessage("the offline banner within 2 s of the server stopping")
                    .until(d -> alice.allByTestId("offline-banner").isEmpty() ? null : true);
            System.out.printf("ChatOutageBrowserIT: offline banner %d ms after the server stopped%n", (System.nanoTime() - stoppedAt) / 1_000_000);
            assertThat(alice.textOf("offline-banner")).contains("offline").contains("Retry now");
            assertThat(alice.allByTestId("online-member")).isEmpty();
            Browser.saveSideBySide(SHOTS, "10-server-stopped-offline-banner.png", alice, null);

            // 2. It is back: "Retry now" reconnects at once instead of at the SDK's next attempt (up to 15 s later).
            app.start();
            long backAt = System.nanoTime();
            alice.byTestId("retry-now").click();
            new WebDriverWait(alice.driver, Duration.ofSeconds(1)).pollingEvery(Duration.ofMillis(20))
                    .withMessage("connected within 1 s of the server answering again")
                    .until(d -> "connected".equals(alice.textOf("connection-state")));
            System.out.printf("ChatOutageBrowserIT: connected %d ms after the server was back and Retry now was clicked%n",
                    (System.nanoTime() - backAt) / 1_000_000);
            alice.until("the banner gone", d -> alice.allByTestId("offline-banner").isEmpty() ? true : null);
            alice.until("online again", d -> "Online now (1)".equals(alice.textOf("online-count")));

            // 3. The database stops: the page says messages cannot be saved, before anyone sends one.
            database.close();
            alice.until("the cannot-be-saved banner", d -> alice.allByTestId("saving-banner").isEmpty() ? null : true);
            assertThat(alice.textOf("saving-banner")).contains("cannot be saved");
            WebElement input = alice.byTestId("message-input");
            input.sendKeys("written while the database is down");
            input.sendKeys(Keys.ENTER);
            WebElement waiting = alice.until("the message waiting to be saved", d -> alice.allByTestId("message").stream()
                    .filter(e -> Browser.has(e, "send-waiting")).findFirst().orElse(null));
            String msgId = waiting.getAttribute("data-msg-id");
            assertThat(Browser.has(waiting, "send-failed")).as("not given up: it waits").isFalse();
            Browser.saveSideBySide(SHOTS, "11-database-stopped-message-waits.png", alice, null);

            // 4. It returns: the message is saved and shown by itself, once, and the banner goes.
            database = EmbeddedDatabase.start(settings.withPort(dbPort));
            alice.until("the waiting message saved without a click", d -> {
                WebElement m = alice.message(msgId);
                return m != null && "false".equals(m.getAttribute("data-pending")) ? true : null;
            });
            alice.until("the banner gone", d -> alice.allByTestId("saving-banner").isEmpty() ? true : null);
            try (Connection c = database.endpoint().connect();
                 PreparedStatement s = c.prepareStatement("SELECT count(*) FROM chat_data WHERE msg_id = ? AND msg_data = ?")) {
                s.setString(1, msgId);
                s.setString(2, "written while the database is down");
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("stored once").isEqualTo(1);
                }
            }
            Browser.saveSideBySide(SHOTS, "12-database-back-message-saved.png", alice, null);
        } finally {
            database.close();
        }
    }
}
