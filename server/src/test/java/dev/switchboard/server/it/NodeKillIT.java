package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.protocol.Flags;
import dev.switchboard.server.testing.ChildServer;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.LoadBalancer;
import dev.switchboard.server.testing.RedisServers;
import dev.switchboard.server.testing.SwitchboardExtension;
import io.ably.lib.debug.DebugOptions;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelEvent;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import io.ably.lib.types.ProtocolMessage;
import io.ably.lib.util.Log;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three Switchboard nodes, each in its own JVM, on one Redis behind haproxy: the node a subscriber is on is SIGKILLed
 * while 1,000 messages are published on another; the subscriber reconnects through the balancer to a surviving node
 * and its channel resumes with every message, once, in order.
 */
class NodeKillIT {

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aSubscriberWhoseNodeIsKilledResumesOnAnotherWithEveryMessageOnceInOrder(boolean binary) throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        try (RedisServers redis = RedisServers.standalone()) {
            List<ChildServer> nodes = startNodes(redis, 3, open);
            LoadBalancer balancer = LoadBalancer.start(nodes.stream().map(ChildServer::port).toList(), 200);
            open.add(balancer);

            AtomicReference<String> servedBy = new AtomicReference<>();
            DebugOptions o = options(balancer.port(), binary);
            o.protocolListener = new DebugOptions.RawProtocolListener() {
                @Override public void onRawConnectRequested(String url) { }

                @Override public void onRawConnect(String url) { }

                @Override public void onRawMessageSend(ProtocolMessage message) { }

                @Override public void onRawMessageRecv(ProtocolMessage message) {
                    if (message.action == ProtocolMessage.Action.connected && message.connectionDetails != null) servedBy.set(message.connectionDetails.serverId);
                }
            };
            AblyRealtime subscriber = new AblyRealtime(o);
            open.add(subscriber::close);
            List<String> connectionEvents = new CopyOnWriteArrayList<>();
            subscriber.connection.on(change -> connectionEvents.add(change.current + (change.reason == null ? "" : "(" + change.reason.code + ")")));
            await().atMost(Duration.ofSeconds(15)).until(() -> subscriber.connection.state == ConnectionState.connected && servedBy.get() != null);
            String connectionId = subscriber.connection.id;
            ChildServer doomed = nodes.stream().filter(n -> n.nodeId().equals(servedBy.get())).findFirst().orElseThrow();
            ChildServer publisherNode = nodes.stream().filter(n -> n != doomed).findFirst().orElseThrow();

            Channel subscribed = subscriber.channels.get("killed-node");
            List<String> received = new CopyOnWriteArrayList<>();
            List<String> channelEvents = new CopyOnWriteArrayList<>();
            subscribed.subscribe(m -> received.add((String) m.data));
            subscribed.on(change -> channelEvents.add(change.event + (change.resumed ? "(resumed)" : "")));
            subscribed.attach();
            await().atMost(Duration.ofSeconds(15)).until(() -> subscribed.state == ChannelState.attached);

            AblyRealtime publisher = new AblyRealtime(options(publisherNode.port(), binary));
            open.add(publisher::close);
            Channel publishing = publisher.channels.get("killed-node");
            publishing.attach();
            await().atMost(Duration.ofSeconds(15)).until(() -> publishing.state == ChannelState.attached);
            AtomicInteger acked = new AtomicInteger();
            List<ErrorInfo> errors = new CopyOnWriteArrayList<>();
            Thread publishes = new Thread(() -> {
                long start = System.nanoTime();
                for (int i = 0; i < 1_000; i++) {
                    while (System.nanoTime() < start + i * 5_000_000L) Thread.onSpinWait(); // 200 a second
                    try {
                        publishing.publish(new Message("n", "k" + i), new CompletionListener() {
                            @Override public void onSuccess() { acked.incrementAndGet(); }

                            @Override public void onError(ErrorInfo reason) { errors.add(reason); }
                        });
                    } catch (Exception e) {
                        errors.add(new ErrorInfo(e.toString(), 0));
                    }
                }
            });
            publishes.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 200);
            long killedAt = System.nanoTime();
            doomed.kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> subscriber.connection.state == ConnectionState.connected
                    && servedBy.get() != null && !servedBy.get().equals(doomed.nodeId()));
            long reconnectedMs = (System.nanoTime() - killedAt) / 1_000_000;
            publishes.join(60_000);
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() + errors.size() >= 1_000);
            assertThat(errors).as("publishes on a surviving node").isEmpty();

            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) expected.add("k" + i);
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 1_000);
            System.out.printf("NodeKillIT (%s): reconnected to %s %d ms after the SIGKILL of %s; channel events %s%n",
                    binary ? "msgpack" : "json", servedBy.get(), reconnectedMs, doomed.nodeId(), channelEvents);
            assertThat(received).as("all, once, in order").isEqualTo(expected);
            System.out.printf("NodeKillIT: connection events %s%n", connectionEvents);
            assertThat(subscriber.connection.id).as("the same connection, resumed on another node").isEqualTo(connectionId);
            assertThat(connectionEvents).as("no failed resume").noneMatch(e -> e.contains("80008"));
            // The first attach, then only a RESUMED re-attach on the new node: no discontinuity reported.
            assertThat(channelEvents.subList(1, channelEvents.size())).as("the channel resumed").doesNotContain("update", "attached")
                    .contains("attached(resumed)");
        } finally {
            closeAll(open);
        }
    }

    /** Nodes in their own JVMs on one Redis, with a 1 s presence grace (so a 3 s lease); closed with {@code open}. */
    private static List<ChildServer> startNodes(RedisServers redis, int count, List<AutoCloseable> open) throws Exception {
        List<ChildServer> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ChildServer node = ChildServer.start(Map.of("SWITCHBOARD_REDIS_URL", redis.url(), "SWITCHBOARD_PRESENCE_GRACE_MS", "1000"));
            nodes.add(node);
            open.add(node);
        }
        return nodes;
    }

    /** Closes in reverse order, best effort: a killed node is closed already. */
    private static void closeAll(List<AutoCloseable> open) {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static DebugOptions options(int port, boolean binary) throws Exception {
        DebugOptions o = new DebugOptions(SwitchboardExtension.ROOT_KEY);
        o.restHost = o.realtimeHost = "127.0.0.1";
        o.port = port;
        o.tls = false;
        o.useBinaryProtocol = binary;
        o.fallbackHosts = new String[0];
        o.disconnectedRetryTimeout = 200;
        o.logLevel = Log.NONE;
        return o;
    }

    @org.junit.jupiter.api.Test
    void theMembersOfANodeThatDiesLeaveAnnouncedByTheSurvivors() throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        try (RedisServers redis = RedisServers.standalone()) {
            List<ChildServer> nodes = startNodes(redis, 2, open);
            DebugOptions direct = options(nodes.get(0).port(), true);
            direct.disconnectedRetryTimeout = 60_000; // stays away once its node is gone
            AblyRealtime member = new AblyRealtime(direct);
            open.add(member::close);
            AblyRealtime observer = new AblyRealtime(options(nodes.get(1).port(), true));
            open.add(observer::close);
            Channel entering = member.channels.get("crowd-of-a-dying-node");
            entering.attach();
            await().atMost(Duration.ofSeconds(15)).until(() -> entering.state == ChannelState.attached);
            AtomicInteger entered = new AtomicInteger();
            for (int i = 0; i < 50; i++) {
                entering.presence.enterClient("doomed-" + i, "here", new CompletionListener() {
                    @Override public void onSuccess() { entered.incrementAndGet(); }

                    @Override public void onError(ErrorInfo reason) { }
                });
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> entered.get() == 50);
            Channel watching = observer.channels.get("crowd-of-a-dying-node");
            List<String> leaves = new CopyOnWriteArrayList<>();
            watching.presence.subscribe(io.ably.lib.types.PresenceMessage.Action.leave, m -> leaves.add(m.clientId));
            await().atMost(Duration.ofSeconds(15)).until(() -> watching.presence.get(false).length == 50);

            long killedAt = System.nanoTime();
            nodes.get(0).kill();
            await().atMost(Duration.ofSeconds(20)).until(() -> leaves.size() >= 50);
            System.out.printf("NodeKillIT: the 50 members of the SIGKILLed node left %d ms after it died%n", (System.nanoTime() - killedAt) / 1_000_000);
            assertThat(new java.util.HashSet<>(leaves)).hasSize(50);
            assertThat(watching.presence.get(false)).isEmpty();
        } finally {
            closeAll(open);
        }
    }

    /**
     * A connection resumed on another node after its own was SIGKILLed keeps its members: the new node adopts them, so
     * nobody sees them leave when the dead node's lease lapses (about 3 s here). The member speaks the raw protocol as
     * an SDK following RTP17i does: after a RESUMED re-attach it does not enter its members again (ably-java 1.5 does,
     * which would hide a server that drops them).
     */
    @org.junit.jupiter.api.Test
    void membersOfAConnectionResumedOnAnotherNodeStayWhenTheDeadNodesLeaseLapses() throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        try (RedisServers redis = RedisServers.standalone()) {
            List<ChildServer> nodes = startNodes(redis, 2, open);
            ChildServer doomed = nodes.get(0);
            ChildServer survivor = nodes.get(1);
            String channel = "members-that-move";

            RawWebSocket member = RawWebSocket.connect("ws://127.0.0.1:" + doomed.port() + "/", SwitchboardExtension.ROOT_KEY);
            open.add(member);
            JsonNode connected = member.awaitFrame(f -> f.path("action").asInt() == 4);
            String connectionId = connected.path("connectionId").asText();
            String connectionKey = connected.path("connectionDetails").path("connectionKey").asText();
            member.send(RawWebSocket.frame(10).put("channel", channel));
            JsonNode attached = member.awaitFrame(f -> f.path("action").asInt() == 11);
            var enter = RawWebSocket.frame(14).put("channel", channel).put("msgSerial", 0);
            var members = enter.putArray("presence");
            for (int i = 0; i < 5; i++) members.addObject().put("action", 2).put("clientId", "mover-" + i).put("data", "here");
            member.send(enter);
            member.awaitFrame(f -> f.path("action").asInt() == 1);

            AblyRealtime observer = new AblyRealtime(options(survivor.port(), true));
            open.add(observer::close);
            Channel watching = observer.channels.get(channel);
            List<String> leaves = new CopyOnWriteArrayList<>();
            watching.presence.subscribe(io.ably.lib.types.PresenceMessage.Action.leave, m -> leaves.add(m.clientId));
            await().atMost(Duration.ofSeconds(15)).until(() -> watching.presence.get(false).length == 5);

            doomed.kill();
            String lastSerial = member.received().stream().filter(f -> f.has("channelSerial") && channel.equals(f.path("channel").asText()))
                    .reduce((a, b) -> b).map(f -> f.path("channelSerial").asText()).orElse(attached.path("channelSerial").asText());
            RawWebSocket resumed = RawWebSocket.open("ws://127.0.0.1:" + survivor.port() + "/", "format=json&v=6&key="
                    + java.net.URLEncoder.encode(SwitchboardExtension.ROOT_KEY, java.nio.charset.StandardCharsets.UTF_8) + "&resume=" + connectionKey);
            open.add(resumed);
            JsonNode again = resumed.awaitFrame(f -> f.path("action").asInt() == 4);
            assertThat(again.path("connectionId").asText()).as("resumed on the survivor").isEqualTo(connectionId);
            resumed.send(RawWebSocket.frame(10).put("channel", channel).put("channelSerial", lastSerial));
            JsonNode reattached = resumed.awaitFrame(f -> f.path("action").asInt() == 11);
            assertThat(reattached.path("flags").asLong() & Flags.RESUMED).as("a RESUMED re-attach").isNotZero();

            // Well past the dead node's 3 s lease and the survivor's check of it (every second).
            await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10))
                    .until(() -> leaves.isEmpty() && watching.presence.get(false).length == 5);
        } finally {
            closeAll(open);
        }
    }
}
