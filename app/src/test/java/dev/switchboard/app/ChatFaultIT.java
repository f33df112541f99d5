package dev.switchboard.app;

import com.google.gson.JsonObject;
import dev.switchboard.chat.ChatChannels;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults under load, counted with the official SDK: ably-java chat writers publish {@code chatMsg} with explicit ids
 * (as the web app does) at more than 500 msg/s while Switchboard is SIGKILLed, SIGTERMed or loses its PostgreSQL.
 * Every message the SDK reports as ACKed must be in {@code chat_data}; NACKed ones are counted (they may be present
 * or absent: the publisher did not get a promise).
 */
class ChatFaultIT {
    private static final int WRITERS = 8;
    /** Each writer publishes one message every this many ms: 8 writers → about 660 msg/s offered. */
    private static final long PERIOD_MS = 12;
    private static final Duration RESTART_LIMIT = Duration.ofSeconds(10);

    @Test
    void everyAckedChatMessageSurvivesThreeSigkillsAndEachRestartServesWithinTenSeconds() throws Exception {
        try (AppProcess app = new AppProcess("fault-sigkill")) {
            app.start();
            try (ChatLoad load = new ChatLoad(app, "k")) {
                for (int kill = 1; kill <= 3; kill++) {
                    long target = load.acked() + 500 + ThreadLocalRandom.current().nextInt(1500);
                    await().atMost(Duration.ofSeconds(60)).until(() -> load.acked() >= target);
                    app.kill();
                    Duration restart = app.start();
                    System.out.printf("ChatFaultIT: SIGKILL %d at %d ACKed; serving again after %d ms%n", kill, load.acked(), restart.toMillis());
                    assertThat(restart).as("restart %d after SIGKILL", kill).isLessThan(RESTART_LIMIT);
                }
                long afterLastRestart = load.acked() + 500;
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acked() >= afterLastRestart);
                load.finish();
                load.assertEveryAckedMessageIsStoredOnce(app);
            }
        }
    }

    @Test
    void aSigtermLosesNothingAckedAndTheNextStartServesWithinTenSeconds() throws Exception {
        try (AppProcess app = new AppProcess("fault-sigterm")) {
            app.start();
            try (ChatLoad load = new ChatLoad(app, "t")) {
                long before = load.acked() + 1500;
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acked() >= before);
                app.terminate();
                Duration restart = app.start();
                assertThat(restart).isLessThan(RESTART_LIMIT);
                long after = load.acked() + 500;
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acked() >= after);
                load.finish();
                load.assertEveryAckedMessageIsStoredOnce(app);
            }
        }
    }

    @Test
    void whenPostgresIsKilledHealthSays503TheDatabaseComesBackByItselfAndNothingAckedIsLost() throws Exception {
        try (AppProcess app = new AppProcess("fault-postgres")) {
            app.start();
            try (ChatLoad load = new ChatLoad(app, "p")) {
                long before = load.acked() + 1000;
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acked() >= before);

                ProcessHandle postmaster = app.postmaster();
                new ProcessBuilder("kill", "-KILL", Long.toString(postmaster.pid())).start().waitFor();
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> app.healthStatus() == 503);
                long nackedBefore = load.nacked();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> app.healthStatus() == 200);
                assertThat(app.postmaster().pid()).as("a new postmaster").isNotEqualTo(postmaster.pid());

                long after = load.acked() + 1000;
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acked() >= after);
                load.finish();
                System.out.printf("ChatFaultIT: PostgreSQL killed; NACKs while it was down: %d%n", load.nacked() - nackedBefore);
                load.assertEveryAckedMessageIsStoredOnce(app);
            }
        }
    }

    @Test
    void anExternalDatabaseThatStopsGives503AndNacksUntilItIsBackAndNothingAckedIsLost() throws Exception {
        java.nio.file.Path dir = AppProcess.freshDirectory("external-db").resolve("cluster");
        var settings = dev.switchboard.server.database.EmbeddedDatabaseSettings.defaults(dir);
        var external = dev.switchboard.server.database.EmbeddedDatabase.start(settings);
        int dbPort = external.port();
        String password = external.endpoint().password();
        try (AppProcess app = new AppProcess("fault-external-db")
                .withEnv("SWITCHBOARD_DATABASE_URL", "postgres://postgres:" + password + "@127.0.0.1:" + dbPort + "/postgres")) {
            app.start();
            try (ChatLoad load = new ChatLoad(app, "x")) {
                long before = load.acked() + 1000;
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acked() >= before);

                external.close(); // an operator stops the database Switchboard does not own
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> app.healthStatus() == 503);
                long nacked = load.nacked();
                await().atMost(Duration.ofSeconds(10)).until(() -> load.nacked() > nacked);
                long ackedBeforeItCameBack = load.acked();

                external = dev.switchboard.server.database.EmbeddedDatabase.start(settings.withPort(dbPort));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> app.healthStatus() == 200);
                long after = load.acked() + 1000;
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acked() >= after);
                load.finish();
                System.out.printf("ChatFaultIT: external database stopped after %d ACKs; NACKed while it was away %d%n",
                        ackedBeforeItCameBack, load.nacked() - nacked);
                var db = external;
                load.assertEveryAckedMessageIsStoredOnce(() -> db.endpoint().connect());
            }
        } finally {
            external.close();
        }
    }

    /** ably-java chat writers, each on its own connection, counting what the server ACKed and NACKed. */
    static final class ChatLoad implements AutoCloseable {
        private final String run;
        private final List<AblyRealtime> clients = new ArrayList<>();
        private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        private final Set<String> acked = ConcurrentHashMap.newKeySet();
        private final Map<String, ErrorInfo> nacked = new ConcurrentHashMap<>();
        private final AtomicLong published = new AtomicLong();
        private final long startedAt = System.nanoTime();
        private volatile long stoppedAt;
        private volatile boolean stopped;

        ChatLoad(AppProcess app, String run) throws Exception {
            this.run = run + "-" + Long.toString(System.nanoTime(), 36);
            for (int w = 0; w < WRITERS; w++) {
                ClientOptions o = app.clientOptions();
                o.clientId = "writer-" + w;
                o.useBinaryProtocol = w % 2 == 0;
                AblyRealtime client = new AblyRealtime(o);
                clients.add(client);
                Channel channel = client.channels.get(ChatChannels.OUTGOING);
                int writer = w;
                AtomicLong n = new AtomicLong();
                scheduler.scheduleAtFixedRate(() -> {
                    if (!stopped) publish(channel, this.run + "-" + writer + "-" + n.incrementAndGet());
                }, w, PERIOD_MS, TimeUnit.MILLISECONDS);
            }
        }

        private void publish(Channel channel, String id) {
            JsonObject data = new JsonObject();
            data.addProperty("username", "Load");
            data.addProperty("content", "message " + id);
            Message m = new Message("chatMsg", data);
            m.id = id;
            published.incrementAndGet();
            try {
                channel.publish(m, new CompletionListener() {
                    @Override public void onSuccess() { acked.add(id); }

                    @Override public void onError(ErrorInfo reason) { nacked.put(id, reason == null ? new ErrorInfo("no reason", 0) : reason); }
                });
            } catch (Exception e) {
                nacked.put(id, new ErrorInfo("publish threw: " + e, 0));
            }
        }

        long acked() { return acked.size(); }

        long nacked() { return nacked.size(); }

        /** Stops publishing and waits until the SDK has answered every publish (ACK or NACK). */
        void finish() {
            stopped = true;
            stoppedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() + nacked.size() >= published.get());
        }

        void assertEveryAckedMessageIsStoredOnce(AppProcess app) throws Exception {
            assertEveryAckedMessageIsStoredOnce(app::jdbc);
        }

        void assertEveryAckedMessageIsStoredOnce(java.util.concurrent.Callable<Connection> database) throws Exception {
            double seconds = (stoppedAt - startedAt) / 1e9;
            Map<Integer, Integer> nackCodes = new HashMap<>();
            nacked.values().forEach(e -> nackCodes.merge(e.code, 1, Integer::sum));
            System.out.printf("ChatFaultIT %s: published %d in %.1f s (%.0f msg/s offered), ACKed %d, NACKed %d by code %s%n",
                    run, published.get(), seconds, published.get() / seconds, acked.size(), nacked.size(), nackCodes);
            assertThat(published.get() / seconds).as("offered publish rate, msg/s").isGreaterThanOrEqualTo(500);

            Map<String, Integer> stored = new HashMap<>();
            try (Connection c = database.call(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT msg_id, count(*) FROM chat_data WHERE msg_id LIKE '" + run + "-%' GROUP BY msg_id")) {
                while (rs.next()) stored.put(rs.getString(1), rs.getInt(2));
            }
            Set<String> missing = new HashSet<>(acked);
            missing.removeAll(stored.keySet());
            assertThat(missing).as("ACKed chat messages missing from chat_data").isEmpty();
            assertThat(stored.values()).as("rows per message id").allMatch(count -> count == 1);
            Set<String> unknown = new HashSet<>(stored.keySet());
            unknown.removeAll(acked);
            unknown.removeAll(nacked.keySet());
            assertThat(unknown).as("rows that were never published").isEmpty();
            assertThat(acked.size()).as("ACKed messages").isGreaterThan((int) (published.get() / 2));
        }

        @Override
        public void close() {
            stopped = true;
            scheduler.shutdownNow();
            clients.forEach(AblyRealtime::close);
        }
    }
}
