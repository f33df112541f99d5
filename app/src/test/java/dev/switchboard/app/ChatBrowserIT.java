package dev.switchboard.app;

import com.google.gson.JsonObject;
import dev.switchboard.chat.ChatChannels;
import dev.switchboard.chat.ClientIdCookie;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chat as two people use it, in two headless Chromium instances (separate profiles, so separate cookies and
 * clientIds) against the whole app in-process. Screenshots of every step, both views side by side, go to
 * {@code target/screenshots/}.
 */
class ChatBrowserIT {
    private static final Path SHOTS = Path.of("target", "screenshots");
    private static final long PRESENCE_GRACE_MS = 5_000;
    private static final String XSS = "<img src=x onerror=alert(1)>";

    private static RunningApp running;
    private static Browser alice;
    private static Browser bob;

    @BeforeAll
    static void start() throws java.io.IOException {
        // Only this run's pictures, so a failure.png is never left over from an earlier run.
        if (java.nio.file.Files.isDirectory(SHOTS)) {
            try (var files = java.nio.file.Files.list(SHOTS)) {
                for (Path f : files.toList()) java.nio.file.Files.delete(f);
            }
        }
        // The app module's tests take the chat module from the local repository when run with -pl app alone; a jar
        // built with -Dskip.web=true (e.g. installed from another checkout) would serve no page at all.
        assertThat(ChatBrowserIT.class.getClassLoader().getResource("web/index.html"))
                .as("web/index.html on the test classpath: build the chat module with its web app (mvn install without "
                        + "-Dskip.web, or run with -am)").isNotNull();
        running = RunningApp.start("chat-browser", c -> c.withPresenceGraceMs(PRESENCE_GRACE_MS));
        alice = new Browser("alice", 900, 720);
        bob = new Browser("bob", 900, 720);
    }

    @AfterAll
    static void stop() {
        if (alice != null) alice.close();
        if (bob != null) bob.close();
        if (running != null) running.close();
    }

    private static void shot(String file) {
        Browser.saveSideBySide(SHOTS, file, alice, bob.driver.getWindowHandles().isEmpty() ? null : bob);
    }

    private static void join(Browser b, String nickname) {
        b.driver.get(running.baseUrl() + "/");
        b.until("connected", d -> "connected".equals(b.textOf("connection-state")));
        // A returning browser rejoins with its remembered nickname by itself.
        b.until("the nickname form, or the chat already joined", d -> !b.allByTestId("nickname-input").isEmpty()
                || !b.allByTestId("message-input").isEmpty() ? true : null);
        if (b.allByTestId("nickname-input").isEmpty() && b.driver.getPageSource().contains("Chatting as <strong>" + nickname + "</strong>")) return;
        WebElement input = b.until("nickname input", d -> b.byTestId("nickname-input"));
        input.clear();
        input.sendKeys(nickname);
        b.byTestId("nickname-submit").click();
        b.until("message input after joining", d -> b.allByTestId("message-input").isEmpty() ? null : true);
    }

    private static void awaitOnline(Browser b, int n) {
        awaitOnline(b, n, Browser.WAIT);
    }

    private static void awaitOnline(Browser b, int n, Duration within) {
        String expected = "Online now (" + n + ")";
        new WebDriverWait(b.driver, within).withMessage(b.name + ": " + expected + " within " + within)
                .until(d -> expected.equals(b.textOf("online-count")));
    }

    /** Sends from the composer and returns the new message's msg_id once it came back from the database. */
    private static String send(Browser b, String text) {
        List<String> before = b.allByTestId("message").stream().map(e -> e.getAttribute("data-msg-id")).toList();
        WebElement input = b.byTestId("message-input");
        input.sendKeys(text);
        input.sendKeys(Keys.ENTER);
        WebElement mine = b.until("own message '" + text + "' confirmed", d -> b.allByTestId("message").stream()
                .filter(e -> !before.contains(e.getAttribute("data-msg-id")))
                .filter(e -> "true".equals(e.getAttribute("data-own")) && "false".equals(e.getAttribute("data-pending")))
                .findFirst().orElse(null));
        assertThat(b.byTestId("message-input").getAttribute("value")).as("composer cleared").isEmpty();
        return mine.getAttribute("data-msg-id");
    }

    /** Waits until the message shows {@code text}, no longer saving, with or without the edited marker. */
    private static WebElement awaitMessage(Browser b, String msgId, String text, boolean edited) {
        return b.until("message " + msgId + " shows '" + text + "'" + (edited ? " (edited)" : ""), d -> {
            WebElement m = b.message(msgId);
            if (m == null || !"false".equals(m.getAttribute("data-pending")) || !"false".equals(m.getAttribute("aria-busy"))) return null;
            return Browser.text(m).equals(text) && Browser.has(m, "edited-marker") == edited ? m : null;
        });
    }

    /** Opens a message's action menu (the ⋯ button shown on hover or focus) and picks an item. */
    private static void act(Browser b, String msgId, String item) {
        WebElement m = b.message(msgId);
        new org.openqa.selenium.interactions.Actions(b.driver).moveToElement(m).perform();
        m.findElement(By.cssSelector("[data-testid='message-actions']")).click();
        b.until("the " + item + " menu item", d -> b.message(msgId).findElements(By.cssSelector("[data-testid='" + item + "']"))
                .stream().findFirst().orElse(null)).click();
    }

    private static void edit(Browser b, String msgId, String newText) {
        act(b, msgId, "edit-button");
        WebElement input = b.until("edit input", d -> b.message(msgId).findElements(By.cssSelector("[data-testid='edit-input']"))
                .stream().findFirst().orElse(null));
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"));
        input.sendKeys(newText);
        input.sendKeys(Keys.ENTER);
    }

    private static String[] row(String msgId) throws Exception {
        try (Connection c = running.jdbc();
             PreparedStatement s = c.prepareStatement("SELECT msg_data, client_id, is_edited FROM chat_data WHERE msg_id = ?")) {
            s.setString(1, msgId);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).as("row %s exists", msgId).isTrue();
                return new String[] {rs.getString(1), rs.getString(2), String.valueOf(rs.getBoolean(3))};
            }
        }
    }

    @Test
    void twoPeopleChatEditAndLeave() throws Exception {
        try {
            scenario();
        } catch (Throwable t) {
            try {
                shot("failure.png");
            } catch (RuntimeException ignored) {
                // the browsers may be gone
            }
            throw t;
        }
    }

    private void scenario() throws Exception {
        // 1. Both enter nicknames and see each other online.
        join(alice, "Alice");
        join(bob, "Bob");
        awaitOnline(alice, 2);
        awaitOnline(bob, 2);
        assertThat(alice.allByTestId("online-member")).extracting(WebElement::getText).containsExactlyInAnyOrder("Alice", "Bob");
        shot("01-both-online.png");

        // 1a. Screen-reader basics: every control has a name, new messages are announced, the composer has focus.
        @SuppressWarnings("unchecked")
        List<String> unnamed = (List<String>) ((org.openqa.selenium.JavascriptExecutor) alice.driver).executeScript("""
                const named = (e) => (e.getAttribute('aria-label') || '').trim() || (e.getAttribute('aria-labelledby') || '').trim()
                  || (e.id && document.querySelector(`label[for="${e.id}"]`)) || (e.tagName === 'BUTTON' && e.textContent.trim());
                return [...document.querySelectorAll('button, input, textarea, select')].filter(e => !named(e)).map(e => e.outerHTML);""");
        assertThat(unnamed).as("controls without an accessible name").isEmpty();
        assertThat(alice.driver.findElement(By.cssSelector(".messages__list")).getAttribute("aria-live")).isEqualTo("polite");
        assertThat(alice.driver.switchTo().activeElement().getAttribute("data-testid")).isEqualTo("message-input");


        // 2. Alice sends; both see it once it went through the database. Bob answers.
        String hello = send(alice, "Hello Bob! Is the database-driven chat working?");
        WebElement atBob = awaitMessage(bob, hello, "Hello Bob! Is the database-driven chat working?", false);
        assertThat(atBob.getAttribute("data-own")).isEqualTo("false");
        assertThat(atBob.findElement(By.cssSelector("[data-testid='message-author']")).getText()).isEqualTo("Alice");
        assertThat(atBob.findElement(By.cssSelector("[data-testid='avatar']")).getText()).isEqualTo("A");
        assertThat(atBob.findElement(By.cssSelector("[data-testid='message-meta']")).getAttribute("textContent"))
                .as("what a screen reader reads with the message").startsWith("by Alice at ");
        String reply = send(bob, "Hi Alice, every message comes back from Postgres.");
        awaitMessage(alice, reply, "Hi Alice, every message comes back from Postgres.", false);
        shot("02-alice-sent-bob-replied.png");

        // 2a. Bob scrolls up to read; 30 more messages arrive: he stays where he is, a pill (and his tab title)
        //     counts them, and the pill takes him to the newest.
        AblyRealtime writer = running.chatUser().connect();
        io.ably.lib.realtime.Channel writerChannel = writer.channels.get(ChatChannels.OUTGOING);
        for (int i = 0; i < 30; i++) {
            Message filler = new Message("chatMsg", "{\"username\":\"Carol\",\"content\":\"filler " + i + "\"}");
            filler.id = java.util.UUID.randomUUID().toString();
            assertThat(RunningApp.publish(writerChannel, filler)).isNull();
        }
        bob.until("the fillers shown", d -> bob.allByTestId("message").size() >= 32 ? true : null);
        // Carol's 30 messages in a row: one header (avatar, name, time) for all of them.
        List<WebElement> fillers = bob.allByTestId("message").stream().filter(e -> Browser.text(e).startsWith("filler ")).toList();
        assertThat(fillers).hasSize(30);
        assertThat(fillers.stream().filter(e -> "true".equals(e.getAttribute("data-group-start")))).hasSize(1);
        assertThat(fillers.get(0).getAttribute("data-group-start")).isEqualTo("true");
        assertThat(fillers.get(1).findElements(By.cssSelector("[data-testid='message-author']"))).isEmpty();
        org.openqa.selenium.JavascriptExecutor bobJs = (org.openqa.selenium.JavascriptExecutor) bob.driver;
        bobJs.executeScript("const m = document.querySelector('.messages'); m.scrollTop = 0; m.dispatchEvent(new Event('scroll'));");
        Message news = new Message("chatMsg", "{\"username\":\"Carol\",\"content\":\"news while Bob reads\"}");
        news.id = java.util.UUID.randomUUID().toString();
        assertThat(RunningApp.publish(writerChannel, news)).isNull();
        WebElement pill = bob.until("the new-messages pill", d -> bob.allByTestId("new-messages").isEmpty() ? null : bob.byTestId("new-messages"));
        assertThat(pill.getText()).isEqualTo("1 new message ↓");
        assertThat(((Number) bobJs.executeScript("return document.querySelector('.messages').scrollTop")).longValue())
                .as("Bob stays where he was reading").isLessThan(50);
        assertThat(bob.driver.getTitle()).startsWith("(1) ");
        shot("02a-bob-scrolled-up-gets-a-pill.png");
        pill.click();
        bob.until("the pill gone, at the newest", d -> bob.allByTestId("new-messages").isEmpty() ? true : null);
        assertThat(bob.driver.getTitle()).doesNotStartWith("(");
        writer.close();

        // 2b. Alice types without sending: Bob sees it within 1 s (an ephemeral message, nothing stored), then it lapses.
        long rowsBefore = running.count("SELECT count(*) FROM chat_data");
        WebElement aliceComposer = alice.byTestId("message-input");
        aliceComposer.sendKeys("I am typing");
        new WebDriverWait(bob.driver, Duration.ofSeconds(1)).withMessage("Bob sees Alice typing within 1 s")
                .until(d -> "Alice is typing…".equals(bob.textOf("typing")));
        assertThat(alice.textOf("typing")).as("nobody is shown typing to themselves").isEmpty();
        shot("02b-bob-sees-alice-typing.png");
        new WebDriverWait(bob.driver, Duration.ofSeconds(5)).withMessage("the typing notice is gone within 5 s")
                .until(d -> "".equals(bob.textOf("typing")));
        aliceComposer.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        assertThat(running.count("SELECT count(*) FROM chat_data")).as("typing stores nothing").isEqualTo(rowsBefore);

        // 2c. On a 375 px phone the header is one row: title, connection dot and the online button.
        org.openqa.selenium.Dimension wide = bob.driver.manage().window().getSize();
        bob.driver.manage().window().setSize(new org.openqa.selenium.Dimension(375, 740));
        bob.until("the narrow layout", d -> Boolean.TRUE.equals(((org.openqa.selenium.JavascriptExecutor) bob.driver)
                .executeScript("return window.innerWidth <= 400 && document.querySelector('.presence').getBoundingClientRect().left >= window.innerWidth")) ? true : null);
        @SuppressWarnings("unchecked")
        List<Number> tops = (List<Number>) ((org.openqa.selenium.JavascriptExecutor) bob.driver).executeScript(
                "return [...document.querySelector('.topbar').children].map(e => e.getBoundingClientRect().top)");
        assertThat(tops).hasSize(3);
        double firstTop = tops.get(0).doubleValue();
        assertThat(tops).allSatisfy(t -> assertThat(t.doubleValue()).as("every header item on one row").isCloseTo(firstTop, org.assertj.core.data.Offset.offset(16.0)));
        assertThat(((Number) ((org.openqa.selenium.JavascriptExecutor) bob.driver)
                .executeScript("return document.querySelector('.topbar').getBoundingClientRect().height")).doubleValue()).isLessThan(64);
        Browser.saveSideBySide(SHOTS, "02c-phone-375px.png", bob, null);
        bob.driver.manage().window().setSize(wide);

        // 3. Alice edits; both see the new text and the edited marker.
        String edited = "Hello Bob! The database-driven chat works.";
        edit(alice, hello, edited);
        awaitMessage(alice, hello, edited, true);
        awaitMessage(bob, hello, edited, true);
        assertThat(row(hello)).containsExactly(edited, alice.driver.manage().getCookieNamed(ClientIdCookie.NAME).getValue()
                .replaceFirst("\\.[^.]*$", ""), "true");
        shot("03-alice-edited.png");

        // 4. Bob has no actions on Alice's message (but has them on his own).
        assertThat(Browser.has(bob.message(hello), "message-actions")).isFalse();
        assertThat(Browser.has(bob.message(reply), "message-actions")).isTrue();
        assertThat(Browser.has(alice.message(reply), "message-actions")).isFalse();

        // 5. A forged edit with Bob's own token (his browser's cookie → /auth/token) changes nothing.
        Cookie bobCookie = bob.driver.manage().getCookieNamed(ClientIdCookie.NAME);
        assertThat(bobCookie).as("Bob's clientId cookie").isNotNull();
        assertThat(bobCookie.isHttpOnly()).isTrue();
        assertThat(bobCookie.getSameSite()).as("never sent with another site's requests").isEqualTo("Strict");
        AblyRealtime forger = running.chatUser(bobCookie.getName() + "=" + bobCookie.getValue()).connect();
        String bobClientId = alice.allByTestId("online-member").stream().filter(e -> e.getText().equals("Bob"))
                .map(e -> e.getAttribute("data-client-id")).findFirst().orElseThrow();
        assertThat(forger.auth.clientId).as("the forger is Bob").isEqualTo(bobClientId);
        long refused = running.app().chat().refusedEdits();
        JsonObject forged = new JsonObject();
        forged.addProperty("username", "Alice");
        forged.addProperty("content", "forged by Bob");
        forged.addProperty("msgIdToEdit", hello);
        assertThat(RunningApp.publish(forger.channels.get(ChatChannels.OUTGOING), new Message("editedMsg", forged)).code)
                .as("NACK of the forged edit").isEqualTo(40160);
        assertThat(running.app().chat().refusedEdits()).isEqualTo(refused + 1);
        assertThat(row(hello)[0]).isEqualTo(edited);
        assertThat(Browser.text(alice.message(hello))).isEqualTo(edited);
        forger.close();
        shot("04-forged-edit-refused.png");

        // 6. Alice reloads: she is back as Alice with no click, Bob never sees her leave, history is there, the
        //    message is still hers and she can still edit it.
        java.util.concurrent.atomic.AtomicBoolean bobSawAliceLeave = new java.util.concurrent.atomic.AtomicBoolean();
        alice.driver.navigate().refresh();
        alice.until("connected after reload", d -> "connected".equals(alice.textOf("connection-state")));
        long watchUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < watchUntil) {
            if (!"Online now (2)".equals(bob.textOf("online-count"))) bobSawAliceLeave.set(true);
            Thread.sleep(50);
        }
        assertThat(bobSawAliceLeave).as("Bob's online list kept Alice through her reload").isFalse();
        assertThat(alice.allByTestId("nickname-input")).as("no nickname form after a reload").isEmpty();
        alice.until("chatting as Alice again", d -> alice.driver.getPageSource().contains("Chatting as"));
        WebElement mine = awaitMessage(alice, hello, edited, true);
        awaitMessage(alice, reply, "Hi Alice, every message comes back from Postgres.", false);
        assertThat(mine.getAttribute("data-own")).isEqualTo("true");
        assertThat(Browser.has(mine, "message-actions")).isTrue();
        awaitOnline(alice, 2);
        awaitOnline(bob, 2);
        String again = "Hello Bob! Edited again after a reload.";
        edit(alice, hello, again);
        awaitMessage(alice, hello, again, true);
        awaitMessage(bob, hello, again, true);
        shot("05-alice-reloaded-and-edited.png");

        // 7. Markup is text: no element, no script.
        String xss = send(alice, XSS);
        awaitMessage(bob, xss, XSS, false);
        for (Browser b : List.of(alice, bob)) {
            assertThat(Browser.text(b.message(xss))).isEqualTo(XSS);
            assertThat(b.message(xss).findElements(By.tagName("img"))).isEmpty();
            assertThat(b.driver.findElements(By.cssSelector("[data-testid='message'] img"))).isEmpty();
            assertThat(ExpectedConditions.alertIsPresent().apply(b.driver)).as("alert in %s's page", b.name).isNull();
        }
        shot("06-markup-shown-as-text.png");

        // 7a. A link in a message is clickable (a new tab, no referrer), the text around it stays text.
        String withLink = "The docs are at https://example.com/docs?x=1. Have a look";
        String linked = send(alice, withLink);
        WebElement atBobLinked = awaitMessage(bob, linked, withLink, false);
        List<WebElement> links = atBobLinked.findElements(By.cssSelector("[data-testid='message-link']"));
        assertThat(links).hasSize(1);
        assertThat(links.get(0).getAttribute("href")).isEqualTo("https://example.com/docs?x=1");
        assertThat(links.get(0).getText()).isEqualTo("https://example.com/docs?x=1");
        assertThat(links.get(0).getAttribute("rel")).contains("noopener").contains("noreferrer");
        assertThat(links.get(0).getAttribute("target")).isEqualTo("_blank");

        // 7b. Alice deletes her own message from its menu: both see it deleted, the row keeps its place with no text.
        String regret = send(alice, "This one should not have been sent");
        awaitMessage(bob, regret, "This one should not have been sent", false);
        act(alice, regret, "delete-button");
        alice.until("the delete confirmation", d -> alice.allByTestId("delete-confirm").isEmpty() ? null : true);
        alice.byTestId("delete-confirm").click();
        for (Browser b : List.of(alice, bob)) {
            WebElement gone = b.until("the message shown deleted", d -> {
                WebElement m = b.message(regret);
                return m != null && "true".equals(m.getAttribute("data-deleted")) && "false".equals(m.getAttribute("aria-busy")) ? m : null;
            });
            assertThat(Browser.text(gone)).isEqualTo("This message was deleted");
            assertThat(Browser.has(gone, "message-actions")).as("no actions on a deleted message").isFalse();
        }
        assertThat(running.count("SELECT count(*) FROM chat_data WHERE msg_id = '" + regret + "' AND is_deleted AND msg_data = ''")).isEqualTo(1);
        shot("06b-deleted-seen-by-both.png");

        // 7c. A message the server refuses says why, and nothing of it reaches the table or Bob.
        List<String> beforeRefusal = alice.allByTestId("message").stream().map(e -> e.getAttribute("data-msg-id")).toList();
        WebElement composer = alice.byTestId("message-input");
        ((org.openqa.selenium.JavascriptExecutor) alice.driver).executeScript(
                "arguments[0].value = 'y'.repeat(4001); arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", composer);
        composer.sendKeys(Keys.ENTER);
        WebElement refusal = alice.until("the refused message marked with its reason", d -> alice.allByTestId("send-failed").stream()
                .filter(e -> e.getText().contains("longer than 4000 characters")).findFirst().orElse(null));
        assertThat(refusal.getText()).startsWith("not sent: ");
        String refusedId = alice.allByTestId("message").stream().map(e -> e.getAttribute("data-msg-id"))
                .filter(id -> !beforeRefusal.contains(id)).findFirst().orElseThrow();
        assertThat(running.count("SELECT count(*) FROM chat_data WHERE msg_id = '" + refusedId.replace("'", "''") + "'")).isZero();
        assertThat(bob.allByTestId("message").stream().map(e -> e.getAttribute("data-msg-id"))).doesNotContain(refusedId);
        shot("06c-refused-message-says-why.png");

        // 8. Bob leaves the page: it goes into the back/forward cache, where it closes its connection (CLOSE), so he
        //    leaves at once, well inside the grace period (a reload instead recovers the connection: step 6).
        long leftAt = System.nanoTime();
        bob.driver.get("about:blank");
        awaitOnline(alice, 1, Duration.ofMillis(PRESENCE_GRACE_MS - 1_500));
        System.out.printf("Alice saw Bob leave %d ms after he left the page (grace %d ms)%n",
                (System.nanoTime() - leftAt) / 1_000_000, PRESENCE_GRACE_MS);
        assertThat(alice.allByTestId("online-member")).extracting(WebElement::getText).containsExactly("Alice");
        shot("07-bob-left-the-page.png");

        // 9. Bob comes back, then closes his tab (another tab keeps his browser open). WebDriver closes a tab
        //    without running beforeunload, so no CLOSE is sent: the server ends his presence after the grace period.
        join(bob, "Bob");
        awaitOnline(alice, 2);
        awaitOnline(bob, 2);
        String chatTab = bob.driver.getWindowHandle();
        bob.driver.switchTo().newWindow(WindowType.TAB);
        String blankTab = bob.driver.getWindowHandle();
        bob.driver.switchTo().window(chatTab).close();
        bob.driver.switchTo().window(blankTab);
        long closedAt = System.nanoTime();
        awaitOnline(alice, 1, Duration.ofMillis(PRESENCE_GRACE_MS).plus(Browser.WAIT));
        System.out.printf("Alice saw Bob leave %d ms after he closed his tab (grace %d ms)%n",
                (System.nanoTime() - closedAt) / 1_000_000, PRESENCE_GRACE_MS);
        assertThat(alice.allByTestId("online-member")).extracting(WebElement::getText).containsExactly("Alice");
        Browser.saveSideBySide(SHOTS, "08-bob-closed-his-tab.png", alice, null);
    }
}
