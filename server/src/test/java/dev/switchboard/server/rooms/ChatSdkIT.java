package dev.switchboard.server.rooms;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.server.testing.NodeTests;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The official @ably/chat 1.4.0 SDK, unchanged, against a server whose chat rooms keep their messages in an embedded
 * PostgreSQL: {@code src/test/js/chat.test.mjs} under Node, in both wire formats. A small control endpoint lets the
 * test restart the server (same port, same database) between sending and reading history.
 */
class ChatSdkIT {
    private static final Duration NODE_TIMEOUT = Duration.ofMinutes(4);

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension().withDatabase();

    private static HttpServer control;
    private static final AtomicInteger restarts = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        NodeTests.installPackages();
        control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        control.createContext("/restart", exchange -> {
            int status = 200;
            String body = "restarted";
            try {
                server.restart();
                restarts.incrementAndGet();
            } catch (RuntimeException e) {
                status = 500;
                body = e.toString();
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        control.start();
    }

    @AfterAll
    static void stop() {
        if (control != null) control.stop(0);
    }

    @Test
    void theChatSdkWorksUnchangedAgainstSwitchboard() throws Exception {
        Map<String, String> env = Map.of(
                "SWITCHBOARD_TEST_PORT", String.valueOf(server.port()),
                "SWITCHBOARD_TEST_ROOT_KEY", SwitchboardExtension.ROOT_KEY,
                "SWITCHBOARD_TEST_RESTRICTED_KEY", SwitchboardExtension.RESTRICTED_KEY,
                "SWITCHBOARD_TEST_SUBSCRIBE_ONLY_KEY", SwitchboardExtension.SUBSCRIBE_ONLY_KEY,
                "SWITCHBOARD_CONTROL_URL", "http://127.0.0.1:" + control.getAddress().getPort());

        NodeTests.Result node = NodeTests.run(List.of("node", "--test", "--test-reporter=spec", "chat.test.mjs"), NodeTests.jsDir(), env, NODE_TIMEOUT);

        if (node.exitCode() != 0) fail("node --test chat.test.mjs exited with " + node.exitCode() + ":\n" + node.output());
        assertThat(node.output()).as("node output").contains("ℹ fail 0").contains("ℹ skipped 0").containsPattern("ℹ pass [1-9]");
        assertThat(restarts.get()).as("the history test restarted the server once per wire format").isEqualTo(2);
    }

    /** {@code examples/chat-sdk/room.mjs}, as its README line runs it, against this server. */
    @Test
    void theChatSdkExampleRuns() throws Exception {
        java.nio.file.Path example = NodeTests.jsDir().resolve("../../../../examples/chat-sdk").normalize();
        if (!java.nio.file.Files.isDirectory(example.resolve("node_modules/@ably/chat"))) {
            NodeTests.Result npm = NodeTests.run(List.of("npm", "ci", "--no-audit", "--no-fund"), example, Map.of(), Duration.ofMinutes(5));
            assertThat(npm.exitCode()).as(npm.output()).isZero();
        }
        NodeTests.Result run = NodeTests.run(List.of("node", "room.mjs", "example-room"), example,
                Map.of("SWITCHBOARD_URL", server.httpBase(), "SWITCHBOARD_KEY", SwitchboardExtension.ROOT_KEY), Duration.ofMinutes(1));

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("bob received: Hello from Switchboard")
                .contains("history: alice: Hello from Switchboard (edited) [message.update]")
                .contains("reactions: {\"👍\":{\"total\":1,\"clientIds\":[\"bob\"],\"clipped\":false}}");
    }
}
