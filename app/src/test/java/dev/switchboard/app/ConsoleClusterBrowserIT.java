package dev.switchboard.app;

import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.cdc.ConnectorState;
import dev.switchboard.server.config.Cluster;
import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.testing.RedisServers;
import io.ably.lib.realtime.Channel;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console of one node of a two-node cluster (one Redis, one PostgreSQL) in headless Chromium: a key without every
 * capability is refused at sign-in with its code; signed in with the root key, the server panel names both live nodes
 * and this node's connector standing by, watching a channel shows messages published through the other node, a test
 * message published from this console reaches a subscriber on the other node, and the console's polling is never
 * refused.
 */
class ConsoleClusterBrowserIT {
    private static final Path SHOTS = Path.of("target", "screenshots");
    /** A key of the same app that may only subscribe to chat channels: not an operator's key. */
    private static final String NARROW_KEY = "e2eapp.narrow:narrow-secret-0123456789";

    private static RedisServers redis;
    private static EmbeddedDatabase database;
    private static RunningApp leader;
    private static RunningApp standby;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServers.standalone();
        database = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(AppProcess.freshDirectory("console-cluster-db")));
        String url = "postgres://postgres:" + database.endpoint().password() + "@127.0.0.1:" + database.port() + "/postgres";
        Cluster cluster = new Cluster(redis.url(), List.of());
        leader = RunningApp.start("console-cluster-a", c -> c.withCluster(cluster), url, ConnectorState.STREAMING);
        ApiKey narrow = ApiKey.parse(NARROW_KEY, Capability.parse("{\"chat:*\":[\"subscribe\"]}"));
        standby = RunningApp.start("console-cluster-b", c -> c.withCluster(cluster).withExtraKeys(List.of(narrow)), url, ConnectorState.STANDBY);
    }

    @AfterAll
    static void stop() throws Exception {
        if (standby != null) standby.close();
        if (leader != null) leader.close();
        if (database != null) database.close();
        if (redis != null) redis.close();
    }

    private static WebElement id(Browser b, String id) { return b.driver.findElement(By.id(id)); }

    private static void type(WebElement input, String text) {
        input.clear();
        input.sendKeys(text);
    }

    @Test
    void theConsoleOfOneNodeShowsTheClusterAndCarriesMessagesAcrossNodes() throws Exception {
        String leaderNode = leader.app().server().context().serverId();
        String standbyNode = standby.app().server().context().serverId();
        try (Browser b = new Browser("console-cluster", 1400, 1100)) {
            b.driver.get(standby.baseUrl() + "/console");
            b.until("the sign-in form", d -> d.findElements(By.id("key")).isEmpty() ? null : true);
            // A valid key without every capability is refused with the server's code.
            type(id(b, "key"), NARROW_KEY);
            id(b, "sign-in").click();
            b.until("the refusal shown", d -> id(b, "sign-in-error").getText().isBlank() ? null : true);
            assertThat(id(b, "sign-in-error").findElement(By.xpath("..")).getText()).contains("code 40160");
            type(id(b, "key"), RunningApp.ROOT_KEY);
            id(b, "sign-in").click();
            b.until("signed in", d -> id(b, "signed-in").isDisplayed() ? true : null);

            b.until("both nodes listed", d -> {
                String nodes = id(b, "nodes").getText();
                return nodes.contains(leaderNode) && nodes.contains(standbyNode) ? true : null;
            });
            assertThat(id(b, "connector").getText()).as("one connector streams, on the other node").contains("STANDBY");
            b.until("ready", d -> id(b, "ready").getText().startsWith("ready") ? true : null);

            // Watch on this node a channel that ably-java publishes to through the other node.
            String channelName = "cluster-watch";
            type(id(b, "watch-channel"), channelName);
            id(b, "watch").click();
            b.until("watching", d -> id(b, "watched").getText().contains(channelName) ? true : null);
            Channel onLeader = leader.rootClient().channels.get(channelName);
            List<Message> received = RunningApp.subscribe(onLeader);
            assertThat(RunningApp.publish(onLeader, new Message("via-leader", "published on " + leaderNode))).isNull();
            b.until("the other node's message listed", d -> d.findElements(By.cssSelector("#messages li.message")).stream()
                    .anyMatch(li -> li.getText().contains("published on " + leaderNode)) ? true : null);
            Browser.saveSideBySide(SHOTS, "console-cluster.png", b, null);

            // And the other way: a test message from this node's console reaches the subscriber on the other node.
            type(id(b, "publish-name"), "console-test");
            type(id(b, "publish-data"), "from the console of " + standbyNode);
            id(b, "publish").click();
            b.until("published", d -> id(b, "publish-result").getText().contains("published") ? true : null);
            await().atMost(RunningApp.TIMEOUT).until(() -> received.stream()
                    .anyMatch(m -> "console-test".equals(m.name) && ("from the console of " + standbyNode).equals(m.data)));

            // Its polling (metrics, status, readiness, channels, dead letters — this node keeps none) was never
            // refused: an open console must not feed the refusals an operator alerts on. The one refusal is the
            // narrow key's sign-in.
            assertThat(standby.metrics().text().lines().filter(l -> l.startsWith("switchboard_refusals_total{")).toList())
                    .as("refusals counted on the console's node").containsExactly("switchboard_refusals_total{code=\"40160\"} 1.0");
        }
    }
}
