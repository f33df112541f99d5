package dev.switchboard.server.it;

import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs the ably-js 2.28 tests in {@code src/test/js} under Node ({@code node --test}) against a real server,
 * one test file per invocation; installs the pinned npm packages first when {@code node_modules} is missing.
 */
class AblyJsIT {
    private static final Logger log = LoggerFactory.getLogger(AblyJsIT.class);
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration NODE_TIMEOUT = Duration.ofMinutes(3);

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();

    static final long SHORT_TTL_MS = 3_000;
    static final long SHORT_GRACE_MS = 2_500;
    /** For gaps past the connection state TTL, presence grace periods and sandbox apps. */
    @RegisterExtension
    static final SwitchboardExtension shortServer = new SwitchboardExtension()
            .withConnectionStateTtlMs(SHORT_TTL_MS).withPresenceGraceMs(SHORT_GRACE_MS).withSandbox();

    private static Path jsDir() {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path dir = base.resolve("src/test/js");
        if (!Files.isDirectory(dir)) dir = base.resolve("server/src/test/js");
        return dir.toAbsolutePath();
    }

    @BeforeAll
    static void installPackages() throws Exception {
        Path dir = jsDir();
        if (Files.isDirectory(dir.resolve("node_modules/ably")) && Files.isDirectory(dir.resolve("node_modules/ws"))) return;
        Result npm = run(List.of("npm", "ci", "--no-audit", "--no-fund"), dir, Map.of(), NPM_TIMEOUT);
        if (npm.exitCode != 0) fail("npm ci in " + dir + " failed with exit code " + npm.exitCode + ":\n" + npm.output);
    }

    @ParameterizedTest
    @ValueSource(strings = {"realtime.test.mjs", "malformed.test.mjs", "history.test.mjs", "resume.test.mjs", "presence.test.mjs"})
    void ablyJsUnderNode(String file) throws Exception {
        Map<String, String> env = Map.of(
                "SWITCHBOARD_TEST_PORT", String.valueOf(server.port()),
                "SWITCHBOARD_TEST_ROOT_KEY", SwitchboardExtension.ROOT_KEY,
                "SWITCHBOARD_TEST_RESTRICTED_KEY", SwitchboardExtension.RESTRICTED_KEY,
                "SWITCHBOARD_TEST_SUBSCRIBE_ONLY_KEY", SwitchboardExtension.SUBSCRIBE_ONLY_KEY,
                "SWITCHBOARD_TEST_SHORT_PORT", String.valueOf(shortServer.port()),
                "SWITCHBOARD_TEST_SHORT_TTL_MS", String.valueOf(SHORT_TTL_MS),
                "SWITCHBOARD_TEST_SHORT_GRACE_MS", String.valueOf(SHORT_GRACE_MS));

        Result node = run(List.of("node", "--test", "--test-reporter=spec", file), jsDir(), env, NODE_TIMEOUT);

        if (node.exitCode != 0) fail("node --test " + file + " exited with " + node.exitCode + ":\n" + node.output);
        assertThat(node.output).as("node output").contains("ℹ fail 0").containsPattern("ℹ pass [1-9]");
    }

    private record Result(int exitCode, String output) {}

    /** Runs a command, streaming its output into the test log; kills it (and its children) on timeout. */
    private static Result run(List<String> command, Path dir, Map<String, String> env, Duration timeout) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        log.info("Running {} in {}", String.join(" ", command), dir);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new AssertionError("Could not start " + command.get(0) + " (is Node.js 20+ installed and on PATH?)", e);
        }
        StringBuilder output = new StringBuilder();
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    log.info("[{}] {}", command.get(0), line);
                    synchronized (output) { output.append(line).append('\n'); }
                }
            } catch (IOException ignored) {
                // the process was killed
            }
        }, "output-" + command.get(0));
        pump.setDaemon(true);
        pump.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            pump.join(5_000);
            synchronized (output) {
                fail(String.join(" ", command) + " did not finish within " + timeout.toSeconds() + " s and was killed:\n" + output);
            }
        }
        pump.join(10_000);
        synchronized (output) { return new Result(process.exitValue(), output.toString()); }
    }
}
