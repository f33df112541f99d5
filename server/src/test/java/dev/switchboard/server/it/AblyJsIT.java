package dev.switchboard.server.it;

import dev.switchboard.server.testing.NodeTests;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs the ably-js 2.28 tests in {@code src/test/js} under Node ({@code node --test}) against a real server,
 * one test file per invocation; installs the pinned npm packages first when {@code node_modules} is missing.
 */
class AblyJsIT {
    private static final Logger log = LoggerFactory.getLogger(AblyJsIT.class);
    private static final Duration NODE_TIMEOUT = Duration.ofMinutes(3);

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension().withConfigFile(SwitchboardExtension.MUTABLE_NAMESPACE_RULES);

    static final long SHORT_TTL_MS = 3_000;
    static final long SHORT_GRACE_MS = 2_500;
    /** For gaps past the connection state TTL, presence grace periods and sandbox apps. */
    @RegisterExtension
    static final SwitchboardExtension shortServer = new SwitchboardExtension()
            .withConnectionStateTtlMs(SHORT_TTL_MS).withPresenceGraceMs(SHORT_GRACE_MS).withSandbox();


    @BeforeAll
    static void installPackages() throws Exception {
        NodeTests.installPackages();
    }

    @ParameterizedTest
    @ValueSource(strings = {"realtime.test.mjs", "malformed.test.mjs", "history.test.mjs", "resume.test.mjs", "presence.test.mjs", "comet.test.mjs",
            "mutable.test.mjs", "annotations.test.mjs", "meta.test.mjs"})
    void ablyJsUnderNode(String file) throws Exception {
        Map<String, String> env = Map.of(
                "SWITCHBOARD_TEST_PORT", String.valueOf(server.port()),
                "SWITCHBOARD_TEST_ROOT_KEY", SwitchboardExtension.ROOT_KEY,
                "SWITCHBOARD_TEST_RESTRICTED_KEY", SwitchboardExtension.RESTRICTED_KEY,
                "SWITCHBOARD_TEST_SUBSCRIBE_ONLY_KEY", SwitchboardExtension.SUBSCRIBE_ONLY_KEY,
                "SWITCHBOARD_TEST_SHORT_PORT", String.valueOf(shortServer.port()),
                "SWITCHBOARD_TEST_SHORT_TTL_MS", String.valueOf(SHORT_TTL_MS),
                "SWITCHBOARD_TEST_SHORT_GRACE_MS", String.valueOf(SHORT_GRACE_MS));

        NodeTests.Result node = NodeTests.run(List.of("node", "--test", "--test-reporter=spec", file), NodeTests.jsDir(), env, NODE_TIMEOUT);

        if (node.exitCode() != 0) fail("node --test " + file + " exited with " + node.exitCode() + ":\n" + node.output());
        assertThat(node.output()).as("node output").contains("ℹ fail 0").containsPattern("ℹ pass [1-9]");
    }
}
