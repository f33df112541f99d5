package dev.switchboard.app;

import com.sun.net.httpserver.HttpServer;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operators' console in headless Chromium against the whole application: sign in with a key (a wrong one is
 * refused with the server's message), a live plot that moves while ably-java publishes, the channel list, watching a
 * channel's messages and presence, a test message an SDK subscriber receives, and a dead letter replayed once its
 * webhook accepts again. Screenshots go to {@code target/screenshots/}.
 */
class ConsoleBrowserIT {
    private static final Path SHOTS = Path.of("target", "screenshots");
    private static final String LIVE = "console-live";

    private static RunningApp running;
    private static HttpServer webhook;
    private static final AtomicBoolean refusing = new AtomicBoolean(true);
    private static final List<String> delivered = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = refusing.get() ? 400 : 200;
            if (status == 200) delivered.add(body);
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        webhook.start();
        String rules = "{\"rules\": [{\"id\": \"orders-hook\", \"channelFilter\": \"^orders:\","
                + " \"target\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook\", \"timeoutMs\": 1000},"
                + " \"retry\": {\"maxAttempts\": 2, \"initialBackoffMs\": 10, \"maxBackoffMs\": 20}}]}";
        com.fasterxml.jackson.databind.JsonNode file = RunningApp.JSON.readTree(rules);
        running = RunningApp.start("console", config -> config.withFile(file));
    }

    @AfterAll
    static void stop() {
        if (running != null) running.close();
        if (webhook != null) webhook.stop(0);
    }

    private static WebElement id(Browser b, String id) { return b.driver.findElement(By.id(id)); }

    private static double attribute(Browser b, String id, String name) {
        String v = id(b, id).getAttribute(name);
        return v == null || v.isEmpty() ? Double.NaN : Double.parseDouble(v);
    }

    private static void type(WebElement input, String text) {
        input.clear();
        input.sendKeys(text);
    }

    @Test
    void anOperatorSignsInWatchesLivePlotsAndAChannelPublishesATestMessageAndReplaysADeadLetter() throws Exception {
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        try (Browser b = new Browser("console", 1400, 1100)) {
            b.driver.get(running.baseUrl() + "/console");
            b.until("the sign-in form", d -> d.findElements(By.id("key")).isEmpty() ? null : true);

            type(id(b, "key"), "e2eapp.root:not-the-secret");
            id(b, "sign-in").click();
            b.until("the refusal shown", d -> id(b, "sign-in-error").getText().isBlank() ? null : true);
            assertThat(id(b, "sign-in-error").getText()).as("the server's own message").contains("Invalid key");

            type(id(b, "key"), RunningApp.ROOT_KEY);
            id(b, "sign-in").click();
            b.until("signed in", d -> id(b, "signed-in").isDisplayed() ? true : null);
            b.until("ready", d -> id(b, "ready").getText().startsWith("ready") ? true : null);

            // Traffic the plots must show: ably-java publishing to a subscriber, 20 messages a second.
            AblyRealtime client = running.rootClient();
            Channel live = client.channels.get(LIVE);
            List<Message> received = RunningApp.subscribe(live);
            AtomicInteger sent = new AtomicInteger();
            load.scheduleAtFixedRate(() -> {
                try {
                    live.publish("tick", "tick " + sent.incrementAndGet(), null);
                } catch (io.ably.lib.types.AblyException e) {
                    throw new IllegalStateException(e);
                }
            }, 0, 50, TimeUnit.MILLISECONDS);
            b.until("the messages plot moves", d -> attribute(b, "plot-messages", "data-last") > 0 && attribute(b, "plot-messages", "data-samples") >= 3 ? true : null);
            b.until("the connections plot counts the SDK", d -> attribute(b, "plot-connections", "data-last") >= 1 ? true : null);
            b.until("the fan-out p99 plotted", d -> attribute(b, "plot-fanout-p99", "data-samples") >= 3 ? true : null);
            b.until("the channel listed", d -> d.findElements(By.cssSelector("#channels tr[data-channel='" + LIVE + "']")).isEmpty() ? null : true);
            assertThat(id(b, "connector").getText()).contains("STREAMING");

            // Watch the channel: its messages, and a presence member entering.
            type(id(b, "watch-channel"), LIVE);
            id(b, "watch").click();
            b.until("watching", d -> id(b, "watched").getText().contains(LIVE) ? true : null);
            b.until("live messages listed", d -> d.findElements(By.cssSelector("#messages li.message")).size() >= 3 ? true : null);
            ClientOptions present = running.options();
            present.key = RunningApp.ROOT_KEY;
            present.clientId = "present-operator";
            enterPresence(running.connected(present).channels.get(LIVE));
            b.until("the presence member shown", d -> d.findElements(By.cssSelector("#presence li[data-client-id='present-operator']")).isEmpty() ? null : true);
            b.until("a few seconds of plot for the picture", d -> attribute(b, "plot-messages", "data-samples") >= 12 ? true : null);
            Browser.saveSideBySide(SHOTS, "console-live.png", b, null);

            // A test message from the console reaches the SDK subscriber.
            type(id(b, "publish-name"), "console-test");
            type(id(b, "publish-data"), "hello from the console");
            id(b, "publish").click();
            b.until("published", d -> id(b, "publish-result").getText().contains("published") ? true : null);
            await().atMost(RunningApp.TIMEOUT).until(() -> received.stream()
                    .anyMatch(m -> "console-test".equals(m.name) && "hello from the console".equals(m.data)));

            // A dead letter, replayed from the console once the webhook accepts again.
            load.shutdownNow();
            Channel orders = client.channels.get("orders:console");
            Message poison = new Message("order", "poison order");
            poison.id = "poison-1";
            assertThat(RunningApp.publish(orders, poison)).isNull();
            WebElement row = b.until("the dead letter listed", d -> d.findElements(By.cssSelector("#dead-letters tr[data-dead-letter]")).stream().findFirst().orElse(null));
            String letterId = row.getAttribute("data-dead-letter");
            b.until("the rule listed", d -> d.findElements(By.cssSelector("#rules tr[data-rule='orders-hook']")).isEmpty() ? null : true);
            b.driver.executeScript("arguments[0].scrollIntoView({block: 'center'})", id(b, "dead-letters"));
            Browser.saveSideBySide(SHOTS, "console-dead-letter.png", b, null);
            refusing.set(false);
            row.findElement(By.cssSelector("button.replay")).click();
            b.until("replayed", d -> id(b, "dead-letter-result").getText().contains("replayed " + letterId) ? true : null);
            await().atMost(RunningApp.TIMEOUT).until(() -> delivered.stream().anyMatch(body -> body.contains("poison order")));
            b.until("the dead letter gone", d -> d.findElements(By.cssSelector("#dead-letters tr[data-dead-letter='" + letterId + "']")).isEmpty() ? true : null);

            id(b, "sign-out").click();
            b.until("signed out", d -> id(b, "key").isDisplayed() ? true : null);
        } finally {
            load.shutdownNow();
        }
    }

    /** Enters presence and waits for the server's answer. */
    private static void enterPresence(Channel channel) throws Exception {
        java.util.concurrent.CompletableFuture<io.ably.lib.types.ErrorInfo> done = new java.util.concurrent.CompletableFuture<>();
        channel.presence.enter("watching", new io.ably.lib.realtime.CompletionListener() {
            @Override public void onSuccess() { done.complete(null); }
            @Override public void onError(io.ably.lib.types.ErrorInfo reason) { done.complete(reason); }
        });
        assertThat(done.get(20, TimeUnit.SECONDS)).isNull();
    }
}
