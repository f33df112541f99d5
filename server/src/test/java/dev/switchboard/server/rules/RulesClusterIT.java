package dev.switchboard.server.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.server.Storage;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.database.TestDataDirectories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.switchboard.server.rules.RulesTestSupport.json;
import static dev.switchboard.server.rules.RulesTestSupport.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two servers sharing one PostgreSQL outbox: the events node A accepted while its webhook target was failing are
 * delivered by node B once A died, every one of them, in publish order per channel.
 */
class RulesClusterIT {
    private static final Duration LEASE = Duration.ofMillis(1500);
    @TempDir
    Path dirA;
    @TempDir
    Path dirB;
    private Path dbDir;
    private EmbeddedDatabase db;
    private HttpServer target;
    private final List<AutoCloseable> opened = new ArrayList<>();
    /** "channel/data" of every event the target accepted, in arrival order. */
    private final List<String> delivered = new CopyOnWriteArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) opened.get(i).close();
        if (target != null) target.stop(0);
        if (db != null) db.close();
        if (dbDir != null) TestDataDirectories.delete(dbDir);
    }

    /** /up accepts and records, /down answers 503 (node A's target is down). */
    private int startTarget() throws Exception {
        target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        target.createContext("/", exchange -> {
            JsonNode body = json(exchange.getRequestBody().readAllBytes());
            boolean up = exchange.getRequestURI().getPath().equals("/up");
            for (JsonNode m : body.path("messages")) (up ? delivered : refused).add(body.path("channel").asText() + "/" + m.path("data").asText());
            exchange.sendResponseHeaders(up ? 200 : 503, -1);
            exchange.close();
        });
        target.start();
        return target.getAddress().getPort();
    }

    private SwitchboardServer server(Path dir, int port, String path, PgRuleOutbox outbox) {
        String rules = "[{'id':'hook','channelFilter':'^orders:','queueLimit':1000,"
                + "'target':{'type':'webhook','url':'http://127.0.0.1:" + port + path + "','timeoutMs':1000},"
                + "'retry':{'maxAttempts':1000,'initialBackoffMs':20,'maxBackoffMs':100}}]";
        SwitchboardServer s = SwitchboardServer.start(RulesTestSupport.config(dir, json("{'rules': " + rules + "}")), Clock.systemUTC(), List.of(),
                new RuleFunctions(), new Storage(null, outbox));
        opened.add(s);
        return s;
    }

    private PgRuleOutbox outbox(String nodeId) throws Exception {
        PgRuleOutbox o = new PgRuleOutbox(db.endpoint(), Clock.systemUTC(), nodeId, LEASE);
        opened.add(o);
        return o;
    }

    @Test
    void whatADeadNodeAcceptedIsDeliveredByTheOtherNodeInOrderPerChannel() throws Exception {
        dbDir = TestDataDirectories.fresh("rules-cluster");
        db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dbDir).withSetting("fsync", "off"));
        int port = startTarget();
        PgRuleOutbox outboxA = outbox("node-a");
        PgRuleOutbox outboxB = outbox("node-b");
        SwitchboardServer a = server(dirA, port, "/down", outboxA);
        SwitchboardServer b = server(dirB, port, "/up", outboxB);

        List<String> published = new ArrayList<>();
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String channel = "orders:" + (i % 3);
            acks.add(publish(a, channel, "order", "n" + i));
            published.add(channel + "/n" + i);
        }
        for (CompletableFuture<?> ack : acks) ack.get(10, TimeUnit.SECONDS); // ACKed: committed to A's outbox
        await().atMost(Duration.ofSeconds(10)).until(() -> refused.size() >= 3);
        assertThat(delivered).as("B does not touch the events of a live A").isEmpty();

        // A dies: its outbox stops renewing the lease (nothing released), then the server goes away.
        outboxA.close();
        a.close();
        opened.remove(a);
        await().atMost(Duration.ofSeconds(20)).until(() -> delivered.containsAll(published));

        List<String> firstDeliveries = new ArrayList<>(new LinkedHashSet<>(delivered));
        System.out.printf("RulesClusterIT: %d published on A, %d deliveries by B (%d distinct)%n", published.size(), delivered.size(), firstDeliveries.size());
        assertThat(perChannel(firstDeliveries)).as("in publish order per channel").isEqualTo(perChannel(published));
        await().atMost(Duration.ofSeconds(10)).until(() -> outboxB.pending().isEmpty());
        assertThat(RulesTestSupport.stats(b, "hook").delivered()).isGreaterThanOrEqualTo(published.size());
    }

    private static Map<String, List<String>> perChannel(List<String> events) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String e : events) out.computeIfAbsent(e.substring(0, e.indexOf('/')), k -> new ArrayList<>()).add(e);
        return new java.util.TreeMap<>(out);
    }
}
