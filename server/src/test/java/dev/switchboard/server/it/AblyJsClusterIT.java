package dev.switchboard.server.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.server.config.Cluster;
import dev.switchboard.server.testing.LoadBalancer;
import dev.switchboard.server.testing.RedisServers;
import dev.switchboard.server.testing.NodeTests;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * ably-js 2.28 (Node) against three Switchboard nodes sharing one standalone Redis, with haproxy in front: runs
 * {@code src/test/js/cluster.test.mjs}, passing the nodes' ports, the balancer's port and the address of a small
 * control endpoint served here, through which the JS tests ask which node holds a connection, stop a node and start
 * it again on the same port (the balancer's configuration names the ports).
 */
class AblyJsClusterIT {
    private static final Logger log = LoggerFactory.getLogger(AblyJsClusterIT.class);
    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(150);
    private static final int NODES = 3;
    /** Tests in cluster.test.mjs: five scenarios, each in both wire formats. */
    private static final int EXPECTED_TESTS = 10;

    private static RedisServers redis;
    private static final SwitchboardExtension[] nodes = new SwitchboardExtension[NODES];
    private static final int[] ports = new int[NODES];
    private static LoadBalancer balancer;
    private static HttpServer control;
    private static ExecutorService controlThreads;
    /** What the control endpoint did, in order ("stop 1", "start 1"), to check the failover tests really ran. */
    private static final List<String> controlLog = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        NodeTests.installPackages();
        redis = RedisServers.standalone();
        for (int i = 0; i < NODES; i++) {
            nodes[i] = startNode(0);
            ports[i] = nodes[i].port();
        }
        balancer = LoadBalancer.start(List.of(ports[0], ports[1], ports[2]), 200);
        control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        controlThreads = Executors.newCachedThreadPool();
        control.setExecutor(controlThreads);
        control.createContext("/node-of", exchange -> handle(exchange, AblyJsClusterIT::nodeOf));
        control.createContext("/stop", exchange -> handle(exchange, AblyJsClusterIT::stop));
        control.createContext("/start", exchange -> handle(exchange, AblyJsClusterIT::start));
        control.start();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (control != null) control.stop(0);
        if (controlThreads != null) controlThreads.shutdownNow();
        if (balancer != null) balancer.close();
        for (SwitchboardExtension node : nodes) stopQuietly(node);
        if (redis != null) redis.close();
    }

    /** A node on the shared Redis; on {@code port} when not 0 (a restart where the balancer expects it). */
    private static SwitchboardExtension startNode(int port) throws IOException {
        SwitchboardExtension node = new SwitchboardExtension().withPresenceGraceMs(1_000)
                .withConfigFile(SwitchboardExtension.MUTABLE_NAMESPACE_RULES)
                .withConfig(c -> c.withCluster(new Cluster(redis.url(), List.of())))
                .withConfig(c -> port == 0 ? c : c.withPort(port));
        node.beforeAll(null);
        return node;
    }

    private static void stopQuietly(SwitchboardExtension node) {
        if (node == null) return;
        try {
            node.afterAll(null);
        } catch (RuntimeException e) {
            log.warn("stopping a node failed", e);
        }
    }

    @Test
    void ablyJsAcrossThreeNodesBehindHaproxy() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("SWITCHBOARD_TEST_PORT", String.valueOf(ports[0]));
        env.put("SWITCHBOARD_TEST_ROOT_KEY", SwitchboardExtension.ROOT_KEY);
        env.put("SWITCHBOARD_TEST_RESTRICTED_KEY", SwitchboardExtension.RESTRICTED_KEY);
        env.put("SWITCHBOARD_TEST_SUBSCRIBE_ONLY_KEY", SwitchboardExtension.SUBSCRIBE_ONLY_KEY);
        env.put("SWITCHBOARD_CLUSTER_PORTS", ports[0] + "," + ports[1] + "," + ports[2]);
        env.put("SWITCHBOARD_BALANCER_PORT", String.valueOf(balancer.port()));
        env.put("SWITCHBOARD_CONTROL_URL", "http://127.0.0.1:" + control.getAddress().getPort());

        NodeTests.Result node = NodeTests.run(List.of("node", "--test", "--test-reporter=spec", "cluster.test.mjs"), NodeTests.jsDir(), env, NODE_TIMEOUT);

        if (node.exitCode() != 0) fail("node --test cluster.test.mjs exited with " + node.exitCode() + ":\n" + node.output()
                + "\ncontrol: " + controlLog + "\nhaproxy:\n" + balancer.log());
        assertThat(node.output()).as("node output").contains("ℹ fail 0").contains("ℹ skipped 0").contains("ℹ cancelled 0")
                .contains("ℹ pass " + EXPECTED_TESTS);
        assertThat(controlLog.stream().filter(s -> s.startsWith("stop ")).count())
                .as("each failover test (json, msgpack) stopped a node: %s", controlLog).isEqualTo(2);
        log.info("control endpoint calls: {}", controlLog);
    }

    // ---- the control endpoint ------------------------------------------------------------------------------------

    private interface Action {
        String apply(Map<String, String> query) throws Exception;
    }

    private static void handle(HttpExchange exchange, Action action) throws IOException {
        int status = 200;
        String body;
        try {
            body = action.apply(query(exchange));
        } catch (IllegalArgumentException e) {
            status = 400;
            body = e.getMessage();
        } catch (Exception e) {
            log.warn("control request {} failed", exchange.getRequestURI(), e);
            status = 500;
            body = e.toString();
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> query(HttpExchange exchange) {
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) return Map.of();
        return java.util.Arrays.stream(raw.split("&")).map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                        p -> p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : ""));
    }

    private static int nodeIndex(Map<String, String> query) {
        String n = query.get("node");
        if (n == null || !n.matches("[0-9]")) throw new IllegalArgumentException("node=<index> is required");
        int i = Integer.parseInt(n);
        if (i >= NODES) throw new IllegalArgumentException("no node " + i);
        return i;
    }

    /** The index of the running node that holds realtime connection {@code id}; 404-like "none" otherwise. */
    private static String nodeOf(Map<String, String> query) {
        String id = query.get("connection");
        if (id == null) throw new IllegalArgumentException("connection=<id> is required");
        synchronized (nodes) {
            for (int i = 0; i < NODES; i++) {
                if (nodes[i] != null && nodes[i].server().context().connections().get(id) != null) return String.valueOf(i);
            }
        }
        return "none";
    }

    /** Stops node {@code node} (answers once it is closed); refuses unless all three are running, so two always remain. */
    private static String stop(Map<String, String> query) {
        int i = nodeIndex(query);
        synchronized (nodes) {
            if (nodes[i] == null) throw new IllegalArgumentException("node " + i + " is not running");
            long running = java.util.Arrays.stream(nodes).filter(java.util.Objects::nonNull).count();
            if (running < NODES) throw new IllegalArgumentException("only " + running + " nodes are running");
            nodes[i].afterAll(null);
            nodes[i] = null;
        }
        controlLog.add("stop " + i);
        log.info("control: stopped node {} (port {})", i, ports[i]);
        return "stopped " + i;
    }

    /** Starts node {@code node} again on its port, with a new node id and an empty data directory. */
    private static String start(Map<String, String> query) throws IOException {
        int i = nodeIndex(query);
        synchronized (nodes) {
            if (nodes[i] != null) throw new IllegalArgumentException("node " + i + " is running");
            nodes[i] = startNode(ports[i]);
        }
        controlLog.add("start " + i);
        log.info("control: started node {} again on port {}", i, ports[i]);
        return "started " + i;
    }

    // ---- running node ----------------------------------------------------------------------------------------------


}
