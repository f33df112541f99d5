package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.testing.LoadBalancer;
import dev.switchboard.server.testing.RawWebSocket;
import dev.switchboard.server.testing.SwitchboardExtension;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.util.Log;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Switchboard nodes behind a real haproxy (the configuration in {@link LoadBalancer#config}): WebSockets and REST
 * pass the balancer, connections spread over the nodes, and when a node goes its clients reconnect through the
 * balancer to another. Nodes do not share state yet (issue 12), so that client is told its connection could not be
 * resumed (80008) — never a silent gap.
 */
class LoadBalancerIT {

    /** Two fresh nodes with a balancer in front; closed by the caller. */
    private static final class Deployment implements AutoCloseable {
        final List<SwitchboardExtension> nodes = new ArrayList<>();
        final LoadBalancer balancer;

        Deployment(int size) throws Exception {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                SwitchboardExtension node = new SwitchboardExtension();
                node.beforeAll(null);
                nodes.add(node);
                ports.add(node.port());
            }
            balancer = LoadBalancer.start(ports, 200);
        }

        @Override
        public void close() throws Exception {
            balancer.close();
            for (SwitchboardExtension node : nodes) node.afterAll(null);
        }
    }

    @Test
    void connectionsSpreadOverTheNodesAndWorkThroughTheBalancer() throws Exception {
        try (Deployment d = new Deployment(2)) {
            Set<String> servers = new HashSet<>();
            List<RawWebSocket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    RawWebSocket ws = RawWebSocket.connect(d.balancer.wsBase(), SwitchboardExtension.ROOT_KEY);
                    sockets.add(ws);
                    JsonNode connected = ws.awaitFrame(f -> f.path("action").asInt() == 4);
                    servers.add(connected.path("connectionDetails").path("serverId").asText());
                }
                assertThat(servers).as("round robin over both nodes").hasSize(2);

                RawWebSocket ws = sockets.get(0);
                ws.send(RawWebSocket.frame(10).put("channel", "through-the-balancer"));
                ws.awaitFrame(f -> f.path("action").asInt() == 11);
                ObjectNode publish = RawWebSocket.frame(15).put("channel", "through-the-balancer").put("msgSerial", 0);
                publish.putArray("messages").addObject().put("name", "hello").put("data", "via haproxy");
                ws.send(publish);
                JsonNode message = ws.awaitFrame(f -> f.path("action").asInt() == 15);
                assertThat(message.path("messages").path(0).path("data").asText()).isEqualTo("via haproxy");
            } finally {
                sockets.forEach(RawWebSocket::close);
            }
        }
    }

    @Test
    void whenANodeGoesItsClientsReconnectThroughTheBalancerAndAreToldTheConnectionWasNotResumed() throws Exception {
        try (Deployment d = new Deployment(2)) {
            ClientOptions options = new ClientOptions(SwitchboardExtension.ROOT_KEY);
            options.restHost = "127.0.0.1";
            options.realtimeHost = "127.0.0.1";
            options.port = d.balancer.port();
            options.tls = false;
            options.logLevel = Log.WARN;
            options.disconnectedRetryTimeout = 500;
            AblyRealtime client = new AblyRealtime(options);
            try {
                List<ErrorInfo> reasons = new CopyOnWriteArrayList<>();
                client.connection.on(change -> { if (change.reason != null) reasons.add(change.reason); });
                await().atMost(Duration.ofSeconds(15)).until(() -> client.connection.state == ConnectionState.connected);
                String firstId = client.connection.id;
                SwitchboardExtension serving = d.nodes.stream()
                        .filter(n -> n.server().context().connections().get(firstId) != null).findFirst().orElseThrow();
                SwitchboardExtension other = d.nodes.stream().filter(n -> n != serving).findFirst().orElseThrow();

                long stoppedAt = System.nanoTime();
                serving.afterAll(null); // the node goes away; haproxy's health check takes it out of rotation

                List<String> states = new CopyOnWriteArrayList<>();
                client.connection.on(change -> states.add(change.current + (change.reason == null ? "" : "(" + change.reason.code + " " + change.reason.message + ")")));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(client.connection.state == ConnectionState.connected
                        && !firstId.equals(client.connection.id)).as("connection %s %s, states %s", client.connection.state, client.connection.id, states).isTrue());
                System.out.printf("LoadBalancerIT: reconnected to the other node %d ms after the first stopped; states %s%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt), states);
                assertThat(other.server().context().connections().get(client.connection.id)).as("now on the other node").isNotNull();
                assertThat(reasons).extracting(r -> r.code).as("told the connection was not resumed").contains(80008);

                Channel channel = client.channels.get("after-failover");
                CompletableFuture<Object> received = new CompletableFuture<>();
                channel.subscribe(m -> received.complete(m.data));
                channel.publish("ping", "still working");
                assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo("still working");
            } finally {
                client.close();
            }
        }
    }
}
