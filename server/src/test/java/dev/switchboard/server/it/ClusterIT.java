package dev.switchboard.server.it;

import dev.switchboard.server.config.Cluster;
import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.LoadBalancer;
import dev.switchboard.server.testing.RedisServers;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelEvent;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.ChannelOptions;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import io.ably.lib.types.PaginatedResult;
import io.ably.lib.types.Param;
import io.ably.lib.types.PresenceMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three Switchboard nodes sharing one standalone Redis, with ably-java in both wire formats: messages cross nodes in
 * order, presence entered through every node is one member set, history and rewind read the shared log, an idempotent
 * publish sent to two nodes is stored once, and a subscriber whose node stops resumes through haproxy on another.
 */
class ClusterIT {
    private static RedisServers redis;
    private final List<SwitchboardExtension> nodes = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeAll
    static void startRedis() throws Exception { redis = RedisServers.standalone(); }

    @AfterAll
    static void stopRedis() { if (redis != null) redis.close(); }

    private void startNodes(int count) throws Exception {
        startNodes(count, java.util.function.UnaryOperator.identity());
    }

    private void startNodes(int count, java.util.function.UnaryOperator<dev.switchboard.server.config.ServerConfig> change) throws Exception {
        for (int i = 0; i < count; i++) {
            SwitchboardExtension node = new SwitchboardExtension().withPresenceGraceMs(1_000)
                    .withConfig(c -> change.apply(c.withCluster(new Cluster(redis.url(), List.of()))));
            node.beforeAll(null);
            nodes.add(node);
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) c.close();
        for (SwitchboardExtension node : nodes) {
            try {
                node.afterAll(null);
            } catch (RuntimeException e) {
                // already stopped by the test
            }
        }
        redis.command(0, "FLUSHALL");
    }

    private AblyRealtime realtime(SwitchboardExtension node, WireProtocol protocol) {
        ClientOptions o = new AblyJava(node).options(protocol, SwitchboardExtension.ROOT_KEY);
        return realtime(o);
    }

    private AblyRealtime realtime(ClientOptions o) {
        try {
            AblyRealtime r = new AblyRealtime(o);
            clients.add(r::close);
            AblyJava.awaitState(r, ConnectionState.connected);
            return r;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private AblyRest rest(SwitchboardExtension node, WireProtocol protocol) throws Exception {
        AblyRest r = new AblyRest(new AblyJava(node).options(protocol, SwitchboardExtension.ROOT_KEY));
        clients.add(r);
        return r;
    }

    private static void attached(Channel channel) throws Exception {
        channel.attach();
        await().atMost(Duration.ofSeconds(15)).until(() -> channel.state == ChannelState.attached);
    }

    /** Publishes {@code count} messages named by index, waiting for every ACK. */
    private static void publish(Channel channel, String prefix, int from, int count) {
        AtomicInteger acked = new AtomicInteger();
        List<ErrorInfo> errors = new CopyOnWriteArrayList<>();
        for (int i = from; i < from + count; i++) {
            Message m = new Message("n", prefix + i);
            try {
                channel.publish(m, new CompletionListener() {
                    @Override public void onSuccess() { acked.incrementAndGet(); }

                    @Override public void onError(ErrorInfo reason) { errors.add(reason); }
                });
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() + errors.size() >= count);
        assertThat(errors).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void aThousandMessagesPublishedOnOneNodeReachASubscriberOnAnotherInOrder(WireProtocol protocol) throws Exception {
        startNodes(3);
        Channel subscribed = realtime(nodes.get(0), protocol).channels.get("cross-node");
        List<String> received = new CopyOnWriteArrayList<>();
        subscribed.subscribe(m -> received.add((String) m.data));
        attached(subscribed);
        Channel publishing = realtime(nodes.get(1), protocol).channels.get("cross-node");
        attached(publishing);

        publish(publishing, "m", 0, 1_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 1_000);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) expected.add("m" + i);
        assertThat(received).as("all, once, in order").isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void historyRewindAndUntilAttachReadTheSharedLogOnAnyNode(WireProtocol protocol) throws Exception {
        startNodes(3);
        Channel publishing = realtime(nodes.get(0), protocol).channels.get("shared-history");
        attached(publishing);
        publish(publishing, "h", 0, 30);

        // History through a node that never saw the channel.
        PaginatedResult<Message> page = rest(nodes.get(2), protocol).channels.get("shared-history").history(new Param[]{new Param("limit", "10")});
        assertThat(page.items()).extracting(m -> (String) m.data).containsExactly("h29", "h28", "h27", "h26", "h25", "h24", "h23", "h22", "h21", "h20");
        PaginatedResult<Message> next = page.next();
        assertThat(next.items()).extracting(m -> (String) m.data).startsWith("h19");
        assertThat(page.items()[0].serial.compareTo(page.items()[1].serial)).as("serials sort as text").isPositive();

        // Rewind on a third node.
        ChannelOptions rewind = new ChannelOptions();
        rewind.params = Map.of("rewind", "5");
        Channel rewinding = realtime(nodes.get(2), protocol).channels.get("shared-history", rewind);
        List<String> rewound = new CopyOnWriteArrayList<>();
        rewinding.subscribe(m -> rewound.add((String) m.data));
        await().atMost(Duration.ofSeconds(15)).until(() -> rewound.size() >= 5);
        assertThat(rewound).containsExactly("h25", "h26", "h27", "h28", "h29");

        // untilAttach on the second node: history up to its attach, not what came after.
        Channel late = realtime(nodes.get(1), protocol).channels.get("shared-history");
        attached(late);
        publish(publishing, "after", 0, 3);
        PaginatedResult<Message> untilAttach = late.history(new Param[]{new Param("untilAttach", "true"), new Param("limit", "3")});
        assertThat(untilAttach.items()).extracting(m -> (String) m.data).containsExactly("h29", "h28", "h27");
    }

    /** Presence changes share the log with messages: a history page must still be full and link to the next one. */
    @Test
    void historyPagesAreFullAndLinkedWhenPresenceChangesShareTheLog() throws Exception {
        startNodes(2);
        Channel channel = realtime(nodes.get(0), WireProtocol.JSON).channels.get("history-with-presence");
        attached(channel);
        for (int i = 0; i < 6; i++) {
            publish(channel, "m", i, 1);
            java.util.concurrent.CompletableFuture<ErrorInfo> entered = new java.util.concurrent.CompletableFuture<>();
            channel.presence.enterClient("member-" + i, "x", new CompletionListener() {
                @Override public void onSuccess() { entered.complete(null); }

                @Override public void onError(ErrorInfo reason) { entered.complete(reason); }
            });
            assertThat(entered.get(15, java.util.concurrent.TimeUnit.SECONDS)).isNull();
        }
        for (String direction : List.of("backwards", "forwards")) {
            List<String> all = new ArrayList<>();
            PaginatedResult<Message> page = rest(nodes.get(1), WireProtocol.JSON).channels.get("history-with-presence")
                    .history(new Param[]{new Param("limit", "4"), new Param("direction", direction)});
            assertThat(page.items()).as("a full first page").hasSize(4);
            while (true) {
                for (Message m : page.items()) all.add((String) m.data);
                if (!page.hasNext()) break;
                page = page.next();
            }
            List<String> expected = new ArrayList<>(List.of("m0", "m1", "m2", "m3", "m4", "m5"));
            if (direction.equals("backwards")) java.util.Collections.reverse(expected);
            assertThat(all).as(direction).isEqualTo(expected);
        }
    }

    /** A node listens to a channel's log only while its clients use the channel; used again, it reads what it missed. */
    @Test
    void aNodeStopsListeningToAChannelAfterItsLastLocalDetachAndCatchesUpWhenUsedAgain() throws Exception {
        startNodes(2);
        String notices = "sb:{" + SwitchboardExtension.APP_ID + ":comes-and-goes}:notices";
        Channel publishing = realtime(nodes.get(0), WireProtocol.JSON).channels.get("comes-and-goes");
        attached(publishing);
        AblyRealtime visitor = realtime(nodes.get(1), WireProtocol.JSON);
        Channel visiting = visitor.channels.get("comes-and-goes");
        attached(visiting);
        await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(notices) == 2);

        visiting.detach();
        await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(notices) == 1);
        publish(publishing, "missed", 0, 5);

        ChannelOptions rewind = new ChannelOptions();
        rewind.params = Map.of("rewind", "5");
        Channel back = realtime(nodes.get(1), WireProtocol.JSON).channels.get("comes-and-goes", rewind);
        List<String> received = new CopyOnWriteArrayList<>();
        back.subscribe(m -> received.add((String) m.data));
        await().atMost(Duration.ofSeconds(15)).until(() -> received.size() >= 5);
        assertThat(subscribers(notices)).isEqualTo(2);
        publish(publishing, "live", 0, 1);
        await().atMost(Duration.ofSeconds(15)).until(() -> received.size() >= 6);
        assertThat(received).containsExactly("missed0", "missed1", "missed2", "missed3", "missed4", "live0");
    }

    private static long subscribers(String channel) throws Exception {
        String[] reply = redis.command(0, "PUBSUB", "NUMSUB", channel).trim().split("\\s+");
        return Long.parseLong(reply[reply.length - 1]);
    }

    @Test
    void anIdempotentRestPublishSentToTwoNodesIsStoredOnce() throws Exception {
        startNodes(3);
        for (int n = 0; n < 2; n++) {
            Message m = new Message("once", "payload");
            m.id = "idempotent-1";
            rest(nodes.get(n), WireProtocol.JSON).channels.get("idempotent").publish(new Message[]{m});
        }
        PaginatedResult<Message> history = rest(nodes.get(2), WireProtocol.JSON).channels.get("idempotent").history(null);
        assertThat(history.items()).extracting(m -> m.id).containsExactly("idempotent-1");
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void presenceEnteredThroughEveryNodeIsOneMemberSetForALateJoiner(WireProtocol protocol) throws Exception {
        startNodes(3);
        int perNode = 667;
        for (int n = 0; n < 3; n++) {
            Channel channel = realtime(nodes.get(n), protocol).channels.get("crowd");
            attached(channel);
            AtomicInteger entered = new AtomicInteger();
            for (int i = 0; i < perNode; i++) {
                channel.presence.enterClient("member-" + n + "-" + i, "hi", new CompletionListener() {
                    @Override public void onSuccess() { entered.incrementAndGet(); }

                    @Override public void onError(ErrorInfo reason) { }
                });
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> entered.get() >= perNode);
        }
        Channel late = realtime(nodes.get(2), protocol).channels.get("crowd");
        attached(late);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            PresenceMessage[] members = late.presence.get(false);
            Set<String> ids = new HashSet<>();
            for (PresenceMessage m : members) ids.add(m.clientId);
            assertThat(ids).hasSize(3 * perNode);
        });
        // REST presence through the first node lists the same members.
        assertThat(rest(nodes.get(0), protocol).channels.get("crowd").presence.get(new Param[]{new Param("limit", "1000")}).items()).hasSize(1000);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void aSubscriberWhoseNodeStopsResumesThroughTheBalancerOnAnotherWithEveryMessageOnce(WireProtocol protocol) throws Exception {
        startNodes(3);
        List<Integer> ports = nodes.stream().map(SwitchboardExtension::port).toList();
        try (LoadBalancer balancer = LoadBalancer.start(ports, 200)) {
            ClientOptions o = new AblyJava(nodes.get(0)).options(protocol, SwitchboardExtension.ROOT_KEY);
            o.port = balancer.port();
            o.restHost = o.realtimeHost = "127.0.0.1";
            o.disconnectedRetryTimeout = 200;
            AblyRealtime subscriber = realtime(o);
            Channel subscribed = subscriber.channels.get("failover");
            List<String> received = new CopyOnWriteArrayList<>();
            List<String> discontinuities = new CopyOnWriteArrayList<>();
            subscribed.subscribe(m -> received.add((String) m.data));
            List<String> channelEvents = new CopyOnWriteArrayList<>();
            subscribed.on(change -> {
                channelEvents.add(change.event + (change.resumed ? "(resumed)" : ""));
                if (change.event == ChannelEvent.update && !change.resumed) discontinuities.add(change.toString());
                if (change.current == ChannelState.attached && change.previous == ChannelState.attaching && !change.resumed
                        && change.reason != null) discontinuities.add(change.toString());
            });
            attached(subscribed);
            String connectionId = subscriber.connection.id;
            SwitchboardExtension serving = nodes.stream().filter(n -> n.server().context().connections().get(connectionId) != null).findFirst().orElseThrow();
            SwitchboardExtension publisherNode = nodes.stream().filter(n -> n != serving).findFirst().orElseThrow();
            Channel publishing = realtime(publisherNode, protocol).channels.get("failover");
            attached(publishing);

            Thread publisher = new Thread(() -> publish(publishing, "f", 0, 1_000));
            publisher.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 200);
            serving.afterAll(null);
            publisher.join(60_000);

            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 1_000);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) expected.add("f" + i);
            assertThat(received).as("all, once, in order").isEqualTo(expected);
            assertThat(discontinuities).as("the channel resumed on the other node").isEmpty();
            assertThat(subscriber.connection.state).isEqualTo(ConnectionState.connected);
            assertThat(subscriber.connection.id).as("the same connection, resumed on another node").isEqualTo(connectionId);
            System.out.printf("ClusterIT (%s): the subscriber resumed on another node with %d messages, channel events %s%n",
                    protocol, received.size(), channelEvents);
        }
    }

    @Test
    void aRedisThatLostItsDataIsReportedToSubscribersAsADiscontinuityNeverASilentGap() throws Exception {
        startNodes(2);
        Channel subscribed = realtime(nodes.get(0), WireProtocol.JSON).channels.get("lost-log");
        List<String> received = new CopyOnWriteArrayList<>();
        List<String> updates = new CopyOnWriteArrayList<>();
        subscribed.subscribe(m -> received.add((String) m.data));
        subscribed.on(ChannelEvent.update, change -> updates.add("resumed=" + change.resumed));
        attached(subscribed);
        Channel publishing = realtime(nodes.get(1), WireProtocol.JSON).channels.get("lost-log");
        attached(publishing);
        publish(publishing, "before", 0, 5);
        await().atMost(Duration.ofSeconds(15)).until(() -> received.size() >= 5);

        redis.restart(0); // no persistence: the channel's log, its epoch and the subscriptions are gone
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            try {
                publish(publishing, "after", 0, 1);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("not published yet: " + e.getMessage(), e);
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> received.contains("after0"));
        assertThat(updates).as("told that the channel did not continue").contains("resumed=false");
        System.out.println("ClusterIT: after a Redis restart the subscriber saw " + received + " and channel updates " + updates);
    }

    @Test
    void aTokenRequestIsExchangedOnceAndTheTokenBudgetIsCountedAcrossTheNodes() throws Exception {
        startNodes(2, c -> c.withLimits(c.limits().withTokenRequestsPerMinute(4)));
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        AblyRest signer = rest(nodes.get(0), WireProtocol.JSON);
        java.util.function.BiFunction<Integer, io.ably.lib.rest.Auth.TokenRequest, Integer> exchange = (node, request) -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(nodes.get(node).httpBase() + "/keys/" + request.keyName + "/requestToken"))
                        .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(request.asJson())).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        io.ably.lib.rest.Auth.TokenRequest once = signer.auth.createTokenRequest(new io.ably.lib.rest.Auth.TokenParams(), null);
        assertThat(exchange.apply(0, once)).as("first use, on node 0").isEqualTo(200);
        assertThat(exchange.apply(1, once)).as("the same TokenRequest on node 1 (40105)").isEqualTo(401);
        // 4 a minute per address, shared: two used above, one more on each node, then none on either.
        assertThat(exchange.apply(0, signer.auth.createTokenRequest(new io.ably.lib.rest.Auth.TokenParams(), null))).isEqualTo(200);
        assertThat(exchange.apply(1, signer.auth.createTokenRequest(new io.ably.lib.rest.Auth.TokenParams(), null))).isEqualTo(200);
        assertThat(exchange.apply(0, signer.auth.createTokenRequest(new io.ably.lib.rest.Auth.TokenParams(), null))).as("over the shared budget (42910)").isEqualTo(429);
        assertThat(exchange.apply(1, signer.auth.createTokenRequest(new io.ably.lib.rest.Auth.TokenParams(), null))).isEqualTo(429);
    }

    @Test
    void everyNodeSeesTheLiveNodesAndReportsRedisLossOnItsHealth() throws Exception {
        startNodes(3);
        List<String> ids = nodes.stream().map(n -> n.server().context().serverId()).toList();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (SwitchboardExtension node : nodes) assertThat(node.server().redis().liveNodes()).containsExactlyInAnyOrderElementsOf(ids);
        });
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.util.function.Supplier<java.net.http.HttpResponse<String>> health = () -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(nodes.get(0).httpBase() + "/health")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        assertThat(health.get().statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(nodes.get(0).httpBase() + "/metrics"))
                    .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(SwitchboardExtension.ROOT_KEY.getBytes())).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            dev.switchboard.server.testing.PrometheusText metrics = new dev.switchboard.server.testing.PrometheusText(r.body());
            assertThat(metrics.value("switchboard_cluster_nodes")).isEqualTo(3);
            assertThat(metrics.value("switchboard_redis_round_trip_seconds")).isGreaterThan(0);
        });

        redis.kill(0);
        long lostAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            java.net.http.HttpResponse<String> r = health.get();
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("redis");
        });
        System.out.printf("ClusterIT: /health 503 %d ms after Redis went away%n", (System.nanoTime() - lostAt) / 1_000_000);
        redis.restart(0);
        await().atMost(Duration.ofSeconds(20)).until(() -> health.get().statusCode() == 200);
    }
}
