package dev.switchboard.server.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real load balancer in front of Switchboard nodes: Debian's haproxy with the configuration the README shows
 * (round robin over nodes that answer {@code GET /health}, WebSockets tunnelled with a long tunnel timeout), on a
 * free port, started and stopped by the test. {@code ./test.sh} installs the haproxy package when it is missing.
 */
public final class LoadBalancer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    private LoadBalancer(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Starts haproxy in front of nodes listening on 127.0.0.1 at {@code nodePorts}; health checked every {@code checkMs}. */
    public static LoadBalancer start(List<Integer> nodePorts, long checkMs) throws IOException {
        String haproxy = Files.isExecutable(Path.of("/usr/sbin/haproxy")) ? "/usr/sbin/haproxy" : "haproxy";
        int port = freePort();
        Path dir = Files.createTempDirectory("switchboard-haproxy-");
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, config(port, nodePorts, checkMs));
        Process process;
        try {
            process = new ProcessBuilder(haproxy, "-db", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        } catch (IOException e) {
            throw new IOException("haproxy is needed for the load-balancer tests (Debian package haproxy; ./test.sh installs it)", e);
        }
        LoadBalancer balancer = new LoadBalancer(process, port, dir);
        await().atMost(Duration.ofSeconds(15)).ignoreException(java.net.ConnectException.class).until(() -> {
            if (!process.isAlive()) throw new IllegalStateException("haproxy exited: " + Files.readString(dir.resolve("haproxy.log")));
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            }
        });
        return balancer;
    }

    /**
     * The configuration for nodes at {@code nodePorts}: what a deployment needs, with the health check interval made
     * short for tests. {@code timeout tunnel} outlives the realtime heartbeat interval (15 s), so idle WebSockets stay.
     */
    public static String config(int port, List<Integer> nodePorts, long checkMs) {
        StringBuilder b = new StringBuilder();
        b.append("global\n  maxconn 5000\n\n"); // haproxy asks for two descriptors per connection; the limit here is 20,000
        b.append("defaults\n  mode http\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n")
                .append("  timeout http-request 10s\n  timeout tunnel 1h\n  timeout check 2s\n  option http-server-close\n")
                // A connection to a node that just went (before its health check says so) is sent to another one.
                .append("  retries 2\n  option redispatch 1\n\n");
        b.append("frontend switchboard\n  bind 127.0.0.1:").append(port).append("\n  default_backend nodes\n\n");
        b.append("backend nodes\n  balance roundrobin\n  option httpchk GET /health\n  http-check expect status 200\n")
                .append("  default-server inter ").append(checkMs).append("ms fall 2 rise 1\n");
        for (int i = 0; i < nodePorts.size(); i++) {
            b.append("  server node").append(i).append(" 127.0.0.1:").append(nodePorts.get(i)).append(" check\n");
        }
        return b.toString();
    }

    public int port() { return port; }

    public String httpBase() { return "http://127.0.0.1:" + port; }

    public String wsBase() { return "ws://127.0.0.1:" + port + "/"; }

    /** haproxy's own log (backend state changes), for failure messages. */
    public String log() throws IOException { return Files.readString(dir.resolve("haproxy.log")); }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }

    private static int freePort() throws IOException {
        return FreePorts.belowEphemeralRange();
    }
}
