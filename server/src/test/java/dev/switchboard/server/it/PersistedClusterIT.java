package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.config.Cluster;
import dev.switchboard.server.config.ServerConfig;
import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.database.TestDataDirectories;
import dev.switchboard.server.persistence.PgMessageStore;
import dev.switchboard.server.rules.RuleFunctions;
import dev.switchboard.server.testing.RedisServers;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Persisted namespaces on nodes that share channels through Redis: the shared log orders and delivers a message, the
 * database keeps it, and a publish is ACKed only once both have it. Two nodes, one Redis, one PostgreSQL, ably-java.
 */
class PersistedClusterIT {
    private static final String KEY = "pcapp.root:persisted-cluster-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RedisServers redis;
    private Path dir;
    private EmbeddedDatabase db;
    private final List<PgMessageStore> stores = new ArrayList<>();
    private final List<SwitchboardServer> nodes = new ArrayList<>();
    private final List<AblyRealtime> clients = new ArrayList<>();

    @BeforeAll
    static void startRedis() throws Exception { redis = RedisServers.standalone(); }

    @AfterAll
    static void stopRedis() { if (redis != null) redis.close(); }

    @BeforeEach
    void start() throws Exception {
        dir = TestDataDirectories.fresh("persisted-cluster");
        db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dir).withSetting("fsync", "off"));
        for (int i = 0; i < 2; i++) startNode();
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(AblyRealtime::close);
        nodes.forEach(SwitchboardServer::close);
        stores.forEach(PgMessageStore::close);
        if (db != null) db.close();
        TestDataDirectories.delete(dir);
        redis.command(0, "FLUSHALL");
    }

    /** A node as its own process would be: its own message store on the shared database, sharing channels through Redis. */
    private void startNode() throws Exception {
        PgMessageStore store = new PgMessageStore(db.endpoint(), Clock.systemUTC());
        stores.add(store);
        ServerConfig config = ServerConfig.defaults(KEY, dir.getParent())
                .withFile(JSON.readTree("{\"channelRules\": [{\"namespace\": \"orders\", \"persisted\": true, \"retention\": \"7d\"}]}"))
                .withCluster(new Cluster(redis.url(), List.of()));
        nodes.add(SwitchboardServer.start(config, Clock.systemUTC(), List.of(), new RuleFunctions(), new dev.switchboard.server.Storage(store, null)));
    }

    private AblyRealtime client(SwitchboardServer node) throws Exception {
        ClientOptions o = new ClientOptions(KEY);
        o.restHost = o.realtimeHost = "localhost";
        o.port = node.port();
        o.tls = false;
        o.fallbackHosts = new String[0];
        AblyRealtime r = new AblyRealtime(o);
        clients.add(r);
        return r;
    }

    private static CompletableFuture<ErrorInfo> publish(Channel channel, String id, String data) throws Exception {
        Message m = new Message("order", data);
        m.id = id;
        CompletableFuture<ErrorInfo> done = new CompletableFuture<>();
        channel.publish(m, new CompletionListener() {
            @Override public void onSuccess() { done.complete(null); }

            @Override public void onError(ErrorInfo reason) { done.complete(reason); }
        });
        return done;
    }

    private static void attach(Channel channel) throws Exception {
        channel.attach();
        await().atMost(Duration.ofSeconds(15)).until(() -> channel.state == ChannelState.attached);
    }

    /** Every message of a channel through one node's REST history, oldest first, following the Link header. */
    private List<JsonNode> restHistory(SwitchboardServer node, String channel) throws Exception {
        return dev.switchboard.server.testing.RestHistory.oldestFirst(node.port(), KEY, channel, 100);
    }

    private long storedRows(String channel) throws Exception {
        try (Connection c = db.endpoint().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM switchboard_messages WHERE channel = '" + channel + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void messagesPublishedOnBothNodesAreDeliveredInOneOrderAndAckedOnlyOnceStored() throws Exception {
        Channel subscriber = client(nodes.get(0)).channels.get("orders:shared");
        List<JsonNode> live = new CopyOnWriteArrayList<>();
        List<String> liveSerials = new CopyOnWriteArrayList<>();
        subscriber.subscribe(m -> {
            live.add(JSON.valueToTree(m.data));
            liveSerials.add(m.id + "@" + m.timestamp);
        });
        attach(subscriber);
        Channel onA = client(nodes.get(0)).channels.get("orders:shared");
        Channel onB = client(nodes.get(1)).channels.get("orders:shared");
        attach(onA);
        attach(onB);

        List<CompletableFuture<ErrorInfo>> acks = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            acks.add(publish(onA, "a-" + i, "a" + i));
            acks.add(publish(onB, "b-" + i, "b" + i));
        }
        for (CompletableFuture<ErrorInfo> ack : acks) {
            assertThat(ack.get(60, TimeUnit.SECONDS)).isNull();
        }
        // Every ACKed message is a row already: nothing waits to be written once its publisher was answered.
        assertThat(storedRows("orders:shared")).isEqualTo(300);
        await().atMost(Duration.ofSeconds(30)).until(() -> live.size() >= 300);
        assertThat(live).hasSize(300);

        // Both nodes' REST history (from the database) is the order the subscriber saw, each message once.
        for (SwitchboardServer node : nodes) {
            List<JsonNode> history = restHistory(node, "orders:shared");
            assertThat(history).extracting(m -> m.path("id").asText() + "@" + m.path("timestamp").asLong()).containsExactlyElementsOf(liveSerials);
        }
        // Each publisher's own messages in its order.
        List<String> fromA = live.stream().map(JsonNode::asText).filter(s -> s.startsWith("a")).toList();
        assertThat(fromA).containsExactlyElementsOf(IntStream.range(0, 150).mapToObj(i -> "a" + i).toList());
    }

    @Test
    void aPublishWhoseCommitFailedIsStoredWhenRetriedAndDeliveredOnce() throws Exception {
        Channel subscriber = client(nodes.get(1)).channels.get("orders:down");
        List<String> live = new CopyOnWriteArrayList<>();
        subscriber.subscribe(m -> live.add(m.id));
        attach(subscriber);
        Channel publisher = client(nodes.get(0)).channels.get("orders:down");
        attach(publisher);
        assertThat(publish(publisher, "first", "kept").get(30, TimeUnit.SECONDS)).isNull();

        int port = db.port();
        db.close();
        ErrorInfo refused = publish(publisher, "retried", "while the database is down").get(60, TimeUnit.SECONDS);
        assertThat(refused).isNotNull();
        assertThat(refused.code).isEqualTo(50003);
        assertThat(refused.message).contains("could not be stored");

        db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dir).withSetting("fsync", "off").withPort(port));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> publish(publisher, "retried", "while the database is down").get(30, TimeUnit.SECONDS) == null);
        assertThat(publish(publisher, "after", "stored").get(30, TimeUnit.SECONDS)).isNull();

        await().atMost(Duration.ofSeconds(30)).until(() -> live.contains("after"));
        assertThat(live).containsExactly("first", "retried", "after");
        assertThat(restHistory(nodes.get(1), "orders:down")).extracting(m -> m.path("id").asText()).containsExactly("first", "retried", "after");
    }

    @Test
    void aPersistedChannelKeepsItsPlaceInRedisForItsRetentionNotJustTheHistoryWindow() throws Exception {
        Channel publisher = client(nodes.get(0)).channels.get("orders:kept");
        attach(publisher);
        assertThat(publish(publisher, "one", "x").get(30, TimeUnit.SECONDS)).isNull();
        Channel ephemeral = client(nodes.get(0)).channels.get("chatter");
        attach(ephemeral);
        assertThat(publish(ephemeral, "two", "y").get(30, TimeUnit.SECONDS)).isNull();

        long persistedTtl = Long.parseLong(redis.command(0, "PTTL", metaKey("orders:kept")).trim());
        long ephemeralTtl = Long.parseLong(redis.command(0, "PTTL", metaKey("chatter")).trim());
        // Idle for a few minutes, a persisted channel must not start a new epoch: that would be a discontinuity.
        assertThat(persistedTtl).isGreaterThan(Duration.ofDays(6).toMillis());
        assertThat(ephemeralTtl).isPositive().isLessThan(Duration.ofHours(1).toMillis());
    }

    private static String metaKey(String channel) {
        return "sb:{pcapp:" + channel.replace(":", "%3A") + "}:meta";
    }
}
