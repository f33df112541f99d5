package dev.switchboard.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.chat.ChatChannels;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelEvent;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.types.ChannelOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Persisted channels and the change connector under process faults, counted with ably-java: a persisted namespace
 * keeps every ACKed message across a SIGKILL, a subscriber attached across a graceful restart misses nothing and is
 * told of no discontinuity, and the connector's changes reach {@code incoming-chat} exactly once across a SIGKILL.
 */
class PersistedFaultIT {
    private static final String ORDERS = "{\"channelRules\": [{\"namespace\": \"orders\", \"persisted\": true, \"retention\": \"7d\"}]}";
    private final List<AblyRealtime> clients = new ArrayList<>();

    @AfterEach
    void closeClients() {
        clients.forEach(AblyRealtime::close);
    }

    private AblyRealtime client(AppProcess app) throws Exception {
        AblyRealtime r = new AblyRealtime(app.clientOptions());
        clients.add(r);
        return r;
    }

    /** Publishes {@code count} messages with ids {@code <prefix>-<n>}, about {@code perSecond} a second, recording ACKs and NACKs. */
    private static final class Publisher {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final Set<String> acked = ConcurrentHashMap.newKeySet();
        final Map<String, ErrorInfo> nacked = new ConcurrentHashMap<>();
        private final Thread thread;

        /** What the SDK wrote to each transport; see {@link SendOrder}. */
        final SendOrder sendOrder;

        Publisher(PersistedFaultIT test, AppProcess app, String channelName, String prefix, int count, int perSecond) throws Exception {
            sendOrder = new SendOrder();
            io.ably.lib.debug.DebugOptions options = app.clientOptions();
            options.protocolListener = sendOrder;
            AblyRealtime client = new AblyRealtime(options);
            test.clients.add(client);
            Channel channel = client.channels.get(channelName);
            // Publishing only once attached: ably-java sends a message published while its connection comes up before the
            // ones it queued until then, which would reorder them before they reach us.
            channel.attach();
            await().atMost(Duration.ofSeconds(30)).until(() -> channel.state == ChannelState.attached);
            thread = new Thread(() -> {
                long start = System.nanoTime();
                for (int n = 1; n <= count; n++) {
                    long due = start + (long) (n * 1e9 / perSecond);
                    while (System.nanoTime() < due) Thread.onSpinWait();
                    // Only while connected: ably-java 1.5.0 deadlocks when a publish (Channel monitor, then the connection
                    // manager's) runs as a reconnect whose resume failed moves queued presence to the channels (the
                    // other way round). A message published just before a disconnect is still re-sent by the SDK.
                    while (client.connection.state != io.ably.lib.realtime.ConnectionState.connected) Thread.onSpinWait();
                    String id = prefix + "-" + n;
                    Message m = new Message("order", "payload " + n);
                    m.id = id;
                    sent.add(id);
                    try {
                        channel.publish(m, new CompletionListener() {
                            @Override public void onSuccess() { acked.add(id); }

                            @Override public void onError(ErrorInfo reason) { nacked.put(id, reason); }
                        });
                    } catch (Exception e) {
                        nacked.put(id, new ErrorInfo(e.toString(), 0));
                    }
                }
            }, "publisher-" + prefix);
            thread.start();
        }

        void awaitAnswered() throws InterruptedException {
            thread.join();
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() + nacked.size() >= sent.size());
        }
    }

    @Test
    void aPersistedChannelKeepsEveryAckedMessageOnceAndInOrderAcrossASigkill() throws Exception {
        try (AppProcess app = new AppProcess("persisted-sigkill", ORDERS)) {
            app.start();
            Publisher publisher = new Publisher(this, app, "orders:big", "big", 10_000, 2_000);
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.acked.size() >= 4_000);
            app.kill();
            Duration restart = app.start();
            publisher.awaitAnswered();
            System.out.printf("PersistedFaultIT: 10,000 published, %d ACKed, %d NACKed; restart after SIGKILL %d ms%n",
                    publisher.acked.size(), publisher.nacked.size(), restart.toMillis());

            List<String> history = app.restHistory("orders:big").stream().map(m -> m.path("id").asText()).toList();
            assertThat(new HashSet<>(history)).as("no duplicates in history").hasSize(history.size());
            assertThat(history).as("every ACKed message").containsAll(publisher.acked);
            Set<String> published = new HashSet<>(publisher.sent);
            assertThat(history).as("nothing that was not published").allMatch(published::contains);
            publisher.sendOrder.assertInPublishOrder(history);
            assertThat(publisher.acked.size()).isGreaterThan(9_000);
        }
    }

    private static int index(String id) { return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)); }

    /**
     * The order in which ably-java wrote messages to each of its transports. It can itself send a message out of publish
     * order: it marks the connection CONNECTED before it flushes what it queued while reconnecting, so a message published
     * by another thread in between goes first (ConnectionManager.setState, then enactState → sendQueuedMessages). The
     * server can only keep the order it was sent, so order is checked on the messages the SDK did send in publish order.
     */
    private static final class SendOrder implements io.ably.lib.debug.DebugOptions.RawProtocolListener {
        private final List<List<String>> perTransport = new CopyOnWriteArrayList<>(List.of(new CopyOnWriteArrayList<>()));

        @Override public void onRawConnectRequested(String url) { }

        @Override public void onRawConnect(String url) { perTransport.add(new CopyOnWriteArrayList<>()); }

        @Override public void onRawMessageSend(io.ably.lib.types.ProtocolMessage message) {
            if (message.action != io.ably.lib.types.ProtocolMessage.Action.message || message.messages == null) return;
            List<String> current = perTransport.get(perTransport.size() - 1);
            for (Message m : message.messages) current.add(m.id);
        }

        @Override public void onRawMessageRecv(io.ably.lib.types.ProtocolMessage message) { }

        /** Ids the SDK wrote to a transport ahead of an id published before them. */
        Set<String> sentOutOfOrder() {
            Set<String> early = new HashSet<>();
            for (List<String> sent : perTransport) early.addAll(sentOutOfOrderOn(sent));
            return early;
        }

        private static Set<String> sentOutOfOrderOn(List<String> sent) {
            Set<String> early = new HashSet<>();
            int lowestLater = Integer.MAX_VALUE;
            for (int i = sent.size() - 1; i >= 0; i--) {
                int n = index(sent.get(i));
                if (n > lowestLater) early.add(sent.get(i));
                lowestLater = Math.min(lowestLater, n);
            }
            return early;
        }

        void assertInPublishOrder(List<String> seen) {
            Set<String> early = sentOutOfOrder();
            System.out.println("PersistedFaultIT: ids ably-java itself sent ahead of earlier ones: " + early);
            // How many depends on how many it queued while reconnecting; on the first transport it never happens.
            assertThat(sentOutOfOrderOn(perTransport.get(0))).as("the SDK's own reordering stays a reconnect race").isEmpty();
            assertThat(seen.stream().filter(id -> !early.contains(id)).toList()).as("in publish order")
                    .isSortedAccordingTo((a, b) -> Integer.compare(index(a), index(b)));
        }
    }

    @Test
    void aSubscriberAttachedAcrossAGracefulRestartSeesEveryMessageOnceInOrderWithoutADiscontinuity() throws Exception {
        try (AppProcess app = new AppProcess("persisted-sigterm", ORDERS)) {
            app.start();
            Channel subscribed = client(app).channels.get("orders:live");
            List<String> received = new CopyOnWriteArrayList<>();
            List<String> discontinuities = new CopyOnWriteArrayList<>();
            AtomicInteger attaches = new AtomicInteger();
            List<String> changes = new CopyOnWriteArrayList<>();
            subscribed.on(change -> {
                changes.add(change.event + (change.resumed ? "(resumed)" : ""));
                if (change.current == ChannelState.attached && attaches.incrementAndGet() > 1 && !change.resumed) discontinuities.add(change.toString());
                if (change.event == ChannelEvent.update && !change.resumed) discontinuities.add(change.toString());
            });
            subscribed.subscribe(m -> received.add(m.id));
            List<String> connectionChanges = new CopyOnWriteArrayList<>();
            clients.get(0).connection.on(change -> connectionChanges.add(change.current + (change.reason == null ? "" : "(" + change.reason.code + ")")));
            await().until(() -> subscribed.state == ChannelState.attached);

            Publisher publisher = new Publisher(this, app, "orders:live", "live", 3_000, 500);
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.acked.size() >= 1_000);
            app.terminate();
            app.start();
            publisher.awaitAnswered();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> received.containsAll(publisher.acked));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                List<String> missing = publisher.acked.stream().filter(id -> !received.contains(id)).sorted((a, b) -> Integer.compare(index(a), index(b))).toList();
                System.out.printf("PersistedFaultIT: received %d, missing %d %s, channel events %s, connection events %s%n",
                        received.size(), missing.size(), missing.subList(0, Math.min(20, missing.size())), changes, connectionChanges);
                throw e;
            }

            System.out.printf("PersistedFaultIT: subscriber received %d, publisher ACKed %d, NACKed %d, discontinuities %s%n",
                    received.size(), publisher.acked.size(), publisher.nacked.size(), discontinuities);
            assertThat(new HashSet<>(received)).as("no duplicates").hasSize(received.size());
            publisher.sendOrder.assertInPublishOrder(received);
            assertThat(received).as("what history holds").isEqualTo(app.restHistory("orders:live").stream().map(m -> m.path("id").asText()).toList());
            System.out.println("PersistedFaultIT: subscriber's channel events " + changes);
            assertThat(attaches.get()).as("attached again after the restart").isGreaterThanOrEqualTo(2);
            assertThat(discontinuities).as("attach after the restart is RESUMED").isEmpty();
        }
    }

    @Test
    void theConnectorPublishesEachCommittedChangeExactlyOnceAcrossASigkill() throws Exception {
        try (AppProcess app = new AppProcess("connector-sigkill")) {
            app.start();
            int rows = 10_000;
            AtomicInteger inserted = new AtomicInteger();
            Thread writer = new Thread(() -> insertRows(app, rows, inserted), "row-writer");
            writer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> inserted.get() >= 3_000);
            app.kill();
            app.start();
            writer.join(120_000);
            assertThat(inserted.get()).isEqualTo(rows);

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> app.restHistory(ChatChannels.INCOMING).size() >= rows);
            Map<String, Integer> changesPerRow = countByRow(app.restHistory(ChatChannels.INCOMING));
            assertThat(changesPerRow).as("rows with a change on incoming-chat").hasSize(rows);
            assertThat(changesPerRow.values()).as("changes per row in history").allMatch(n -> n == 1);

            // A subscriber that rewinds over everything sees each change once as well.
            ChannelOptions rewind = new ChannelOptions();
            rewind.params = Map.of("rewind", Integer.toString(rows + 100));
            Channel replay = client(app).channels.get(ChatChannels.INCOMING, rewind);
            List<JsonNode> seen = new CopyOnWriteArrayList<>();
            replay.subscribe(m -> seen.add(RunningApp.change(m)));
            await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() >= rows);
            Map<String, Integer> rewound = new HashMap<>();
            for (JsonNode change : seen) rewound.merge(change.path("row").path("msg_id").asText(), 1, Integer::sum);
            assertThat(rewound).hasSize(rows);
            assertThat(rewound.values()).as("changes per row seen by a rewinding subscriber").allMatch(n -> n == 1);
        }
    }

    private static Map<String, Integer> countByRow(List<JsonNode> history) {
        Map<String, Integer> counts = new HashMap<>();
        for (JsonNode m : history) {
            JsonNode change = RunningApp.change(m.path("data").asText());
            counts.merge(change.path("row").path("msg_id").asText(), 1, Integer::sum);
        }
        return counts;
    }

    /** Commits rows in transactions of 50, reconnecting (and re-inserting idempotently) across the database's restart. */
    private static void insertRows(AppProcess app, int rows, AtomicInteger inserted) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (inserted.get() < rows && System.nanoTime() < deadline) {
            try (Connection c = app.jdbc()) {
                c.setAutoCommit(false);
                try (PreparedStatement s = c.prepareStatement("INSERT INTO chat_data (msg_id, username, msg_data, client_id, created_at_timestamp) "
                        + "VALUES (?, 'writer', ?, 'writer', ?) ON CONFLICT (msg_id) DO NOTHING")) {
                    while (inserted.get() < rows) {
                        int from = inserted.get();
                        for (int k = from; k < Math.min(rows, from + 50); k++) {
                            s.setString(1, "row-" + k);
                            s.setString(2, "row " + k);
                            s.setLong(3, System.currentTimeMillis());
                            s.addBatch();
                        }
                        s.executeBatch();
                        c.commit();
                        inserted.set(Math.min(rows, from + 50));
                    }
                }
            } catch (SQLException | java.io.IOException e) {
                try {
                    Thread.sleep(200); // the database is being restarted with the app
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
