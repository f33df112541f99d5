package dev.switchboard.server.testing;

import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.config.Settings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Switchboard server in its own JVM, configured by {@code SWITCHBOARD_*} variables, for tests that need the
 * server's file descriptors and CPU apart from the client's (floods of sockets). {@link #main} prints the port.
 */
public final class ChildServer implements AutoCloseable {
    private static final String PORT_LINE = "CHILD_SERVER_PORT=";
    private static final String NODE_LINE = "CHILD_SERVER_NODE=";
    private final Process process;
    private final int port;
    private final String nodeId;

    private ChildServer(Process process, int port, String nodeId) {
        this.process = process;
        this.port = port;
        this.nodeId = nodeId;
    }

    /** Starts a server with the root key and data directory of the test extension, plus {@code env}. */
    public static ChildServer start(Map<String, String> env) throws IOException, InterruptedException {
        Path dataDir = Files.createTempDirectory("switchboard-child-");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), ChildServer.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> vars = new HashMap<>(Map.of("SWITCHBOARD_PORT", "0", "SWITCHBOARD_HOST", "127.0.0.1",
                "SWITCHBOARD_ROOT_KEY", SwitchboardExtension.ROOT_KEY, "SWITCHBOARD_DATA_DIR", dataDir.toString()));
        vars.putAll(env);
        pb.environment().putAll(vars);
        Process process = pb.start();
        var lines = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        String nodeId = null;
        while ((line = lines.readLine()) != null && System.nanoTime() < deadline) {
            if (line.startsWith(NODE_LINE)) nodeId = line.substring(NODE_LINE.length()).trim();
            if (line.startsWith(PORT_LINE)) {
                int port = Integer.parseInt(line.substring(PORT_LINE.length()).trim());
                Thread drain = new Thread(() -> lines.lines().forEach(l -> { }), "child-server-output");
                drain.setDaemon(true);
                drain.start();
                return new ChildServer(process, port, nodeId);
            }
        }
        process.destroyForcibly();
        throw new IOException("The child server did not start (last line: " + line + ")");
    }

    public int port() { return port; }

    /** The node id the server gives clients as {@code connectionDetails.serverId}. */
    public String nodeId() { return nodeId; }

    /** SIGKILL: the process gets no chance to tell its clients or finish anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(15, TimeUnit.SECONDS);
    }

    public String wsBase() { return "ws://127.0.0.1:" + port + "/"; }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }

    public static void main(String[] args) throws Exception {
        SwitchboardServer server = SwitchboardServer.start(Settings.fromEnvironment(), Clock.systemUTC(), List.of());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println(NODE_LINE + server.context().serverId());
        System.out.println(PORT_LINE + server.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
