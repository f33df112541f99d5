package dev.switchboard.server.testing;

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

import static org.junit.jupiter.api.Assertions.fail;

/** Runs the ably-js tests in {@code src/test/js} under Node.js: the folder, its pinned packages, and a command's output. */
public final class NodeTests {
    private static final Logger log = LoggerFactory.getLogger(NodeTests.class);
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(3);

    private NodeTests() {}

    /** What a command printed and how it ended. */
    public record Result(int exitCode, String output) {}

    /** The {@code src/test/js} folder, from the module's or the repository's directory. */
    public static Path jsDir() {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path dir = base.resolve("src/test/js");
        if (!Files.isDirectory(dir)) dir = base.resolve("server/src/test/js");
        return dir.toAbsolutePath();
    }

    /** Installs the pinned npm packages when {@code node_modules} lacks them. */
    public static void installPackages() throws Exception {
        Path dir = jsDir();
        if (Files.isDirectory(dir.resolve("node_modules/ably")) && Files.isDirectory(dir.resolve("node_modules/ws"))
                && Files.isDirectory(dir.resolve("node_modules/@ably/vcdiff-decoder"))
                && Files.isDirectory(dir.resolve("node_modules/@ably/chat"))) return;
        Result npm = run(List.of("npm", "ci", "--no-audit", "--no-fund"), dir, Map.of(), NPM_TIMEOUT);
        if (npm.exitCode() != 0) fail("npm ci in " + dir + " failed with exit code " + npm.exitCode() + ":\n" + npm.output());
    }

    /** Runs a command, streaming its output into the test log; kills it (and its children) on timeout. */
    public static Result run(List<String> command, Path dir, Map<String, String> env, Duration timeout) throws Exception {
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
