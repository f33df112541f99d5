package dev.switchboard.app;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.server.testing.NodeTests;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The seed app's own SDK — ably 1.2.11, its browser build, which tries comet first — in headless Chromium against
 * Switchboard: with its default transports (comet long-poll, which it stays on: the upgrade it then offers is
 * declined), comet streaming alone and WebSocket alone, a publisher's every message is ACKed and arrives once, in
 * order, presence is seen and history reads back; and the seed app's own flow against the whole system (token through
 * {@code authUrl}, {@code [?rewind=2m]incoming-chat}, presence, chatMsg → INSERT event, editedMsg → UPDATE event).
 * Before the comet transport existed this SDK went FAILED (40400).
 */
class SeedSdkBrowserIT {
    private static final int COUNT = 50;
    private static final Path SDK_DIR = Path.of(System.getProperty("basedir", "."), "src/test/seed-sdk").toAbsolutePath();

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();

    private static HttpServer pages;
    private static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isRegularFile(SDK_DIR.resolve("node_modules/ably/browser/static/ably.js"))) {
            NodeTests.Result npm = NodeTests.run(List.of("npm", "ci", "--no-audit", "--no-fund"), SDK_DIR, Map.of(), Duration.ofMinutes(3));
            assertThat(npm.exitCode()).as("npm ci in " + SDK_DIR + ":\n" + npm.output()).isZero();
        }
        // The page comes from another origin than the server, as the seed app's page does: its requests are CORS.
        pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serve("/page.html", SDK_DIR.resolve("page.html"), "text/html");
        serve("/seed-flow.html", SDK_DIR.resolve("seed-flow.html"), "text/html");
        serve("/ably.js", SDK_DIR.resolve("node_modules/ably/browser/static/ably.js"), "application/javascript");
        pages.start();
        browser = new Browser("seed-sdk", 800, 600);
    }

    private static void serve(String path, Path file, String type) {
        pages.createContext(path, exchange -> {
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().add("Content-Type", type);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.close();
        if (pages != null) pages.stop(0);
    }

    @ParameterizedTest(name = "transports: {0}")
    @ValueSource(strings = {"default", "xhr_streaming", "web_socket"})
    void theSeedAppsSdkPublishesSubscribesAndSeesPresence(String transports) {
        String channel = SwitchboardExtension.uniqueChannel("seed-sdk");
        String url = "http://127.0.0.1:" + pages.getAddress().getPort() + "/page.html?port=" + server.port() + "&count=" + COUNT
                + "&channel=" + channel + "&key=" + URLEncoder.encode(SwitchboardExtension.ROOT_KEY, StandardCharsets.UTF_8)
                + ("default".equals(transports) ? "" : "&transports=" + transports);
        browser.driver.get(url);

        await().atMost(Duration.ofSeconds(30)).until(() -> number("return window.results.acked") + list("return window.results.nacked").size() >= COUNT);
        assertThat(list("return window.results.nacked")).as("NACKs").isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> list("return window.results.received").size() >= COUNT);
        assertThat(list("return window.results.received")).as("every message once, in order")
                .isEqualTo(java.util.stream.IntStream.range(0, COUNT).mapToObj(String::valueOf).toList());
        await().atMost(Duration.ofSeconds(10)).until(() -> list("return window.results.presence").contains("enter:pub"));

        browser.driver.executeScript("window.readHistory()");
        await().atMost(Duration.ofSeconds(10)).until(() -> browser.driver.executeScript("return window.results.history") != null);
        assertThat(list("return window.results.history")).containsExactly("49", "48", "47", "46", "45");

        @SuppressWarnings("unchecked") Map<String, Object> used = (Map<String, Object>) browser.driver.executeScript("return window.finalTransports()");
        String expected = "default".equals(transports) ? "xhr_polling" : transports;
        assertThat(used).as("the transports the clients ended on").containsEntry("sub", expected).containsEntry("pub", expected);
        assertThat(list("return window.results.states")).as("connection states").noneMatch(s -> s.toString().contains("failed") || s.toString().contains("disconnected"));
    }

    @org.junit.jupiter.api.Test
    void theSeedAppsFlowRunsOnTheWholeSystemWithItsOwnSdk() {
        String pageOrigin = "http://127.0.0.1:" + pages.getAddress().getPort();
        // The page is the seed's own, served from elsewhere: the chat's token endpoint answers it once its origin is allowed.
        try (RunningApp app = RunningApp.start("seed-flow", c -> c.withLimits(c.limits().withAllowedOrigins(List.of(pageOrigin))))) {
            browser.driver.get(pageOrigin + "/seed-flow.html?app=" + URLEncoder.encode(app.baseUrl(), StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(20)).until(() -> Boolean.TRUE.equals(browser.driver.executeScript("return window.results.readerReady === true")));
            await().atMost(Duration.ofSeconds(20)).until(() -> "ok".equals(browser.driver.executeScript("return window.results.entered")));
            // Seen as an enter, or as present in the SYNC when the writer entered before the reader attached.
            await().atMost(Duration.ofSeconds(10)).until(() -> list("return window.results.presence").stream()
                    .anyMatch(p -> p.equals("enter:alice") || p.equals("present:alice")));

            String content = "hello from the seed SDK " + System.nanoTime();
            browser.driver.executeScript("window.send(arguments[0])", content);
            Map<String, Object> inserted = awaitEvent("events", "INSERT", content);
            String msgId = String.valueOf(row(inserted).get("msg_id"));
            assertThat(row(inserted).get("username")).isEqualTo("alice");
            assertThat(row(inserted).get("client_id")).isEqualTo(browser.driver.executeScript("return window.results.writerClientId"));

            browser.driver.executeScript("window.edit(arguments[0], arguments[1])", msgId, content + " (edited)");
            Map<String, Object> updated = awaitEvent("events", "UPDATE", content + " (edited)");
            assertThat(row(updated).get("msg_id")).isEqualTo(msgId);
            assertThat(row(updated).get("is_edited")).isEqualTo(true);
            assertThat(list("return window.results.published")).containsExactly("chatMsg", "editedMsg");

            browser.driver.executeScript("window.openLater()");
            awaitEvent("lateEvents", "INSERT", content);
            awaitEvent("lateEvents", "UPDATE", content + " (edited)");
            assertThat(list("return window.results.states")).as("connection states").noneMatch(s -> s.toString().contains("failed"));
        }
    }

    /** The first {@code type} event in {@code window.results[list]} whose row's msg_data is {@code content}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> awaitEvent(String list, String type, String content) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> list("return window.results." + list).stream()
                .map(e -> (Map<String, Object>) e)
                .filter(e -> type.equals(e.get("type")) && content.equals(row(e).get("msg_data")))
                .findFirst().orElse(null), java.util.Objects::nonNull);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> row(Map<String, Object> event) { return (Map<String, Object>) event.get("row"); }

    private static long number(String script) { return ((Number) browser.driver.executeScript(script)).longValue(); }

    @SuppressWarnings("unchecked")
    private static List<Object> list(String script) { return (List<Object>) browser.driver.executeScript(script); }
}
