package dev.switchboard.server.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real {@code redis-server} processes for the Redis tests, on free loopback ports with a temporary directory and no
 * persistence (never the machine's own Redis on 6379): a standalone server, or a Redis Cluster of masters created
 * with {@code redis-cli --cluster create}. A test class starts one set and closes it after its tests; processes still
 * running when the JVM exits are killed by a shutdown hook. The binaries come from Debian's {@code redis-server} and
 * {@code redis-tools} packages (test.sh installs them).
 */
public final class RedisServers implements AutoCloseable {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "redis-servers-reaper"));
    }

    private final Path dir;
    private final boolean cluster;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Integer> busPorts = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private RedisServers(boolean cluster) throws IOException {
        requireBinary("redis-server");
        requireBinary("redis-cli");
        this.cluster = cluster;
        this.dir = Files.createTempDirectory("switchboard-redis-");
    }

    /** One standalone Redis. */
    public static RedisServers standalone() throws Exception {
        RedisServers servers = new RedisServers(false);
        try {
            servers.ports.add(0);
            servers.startOnFreePorts(0);
            return servers;
        } catch (Exception | Error e) {
            servers.close();
            throw e;
        }
    }

    /** A Redis Cluster of {@code masters} masters without replicas, every slot covered and the state ok on all. */
    public static RedisServers cluster(int masters) throws Exception {
        RedisServers servers = new RedisServers(true);
        try {
            for (int i = 0; i < masters; i++) {
                servers.ports.add(0);
                servers.busPorts.add(0);
                servers.startOnFreePorts(i);
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            create.addAll(servers.hostPorts());
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            servers.run(create, "cluster-create.log");
            servers.awaitClusterOk();
            return servers;
        } catch (Exception | Error e) {
            servers.close();
            throw e;
        }
    }

    /** {@code redis://127.0.0.1:port} of the standalone server (or the cluster's first node). */
    public String url() { return "redis://127.0.0.1:" + ports.get(0); }

    /** {@code 127.0.0.1:port} of every server, in start order. */
    public List<String> hostPorts() { return ports.stream().map(p -> "127.0.0.1:" + p).toList(); }

    public int port(int index) { return ports.get(index); }

    /** Kills server {@code index} with SIGKILL: its data is gone, as after a crash without persistence. */
    public void kill(int index) throws InterruptedException {
        Process p = processes.get(index);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        LIVE.remove(p);
    }

    /** Starts a fresh, empty standalone server on the port of the killed server {@code index}. */
    public void restart(int index) throws Exception {
        if (cluster) throw new UnsupportedOperationException("restarting a cluster node would need its cluster config");
        if (processes.get(index).isAlive()) kill(index);
        processes.set(index, launch(index));
        awaitPong(index);
    }

    /** Sends one command to server {@code index} and returns the reply as text (a small RESP client for setup). */
    public String command(int index, String... args) throws IOException {
        return Resp.call(ports.get(index), args);
    }

    /** The index of the cluster server that owns hash slot {@code slot}, as server 0 sees it. */
    public int ownerOf(int slot) throws IOException {
        for (String line : command(0, "CLUSTER", "NODES").split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 9) continue;
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) continue; // a slot being migrated or imported
                String[] range = f[i].split("-");
                int first = Integer.parseInt(range[0]);
                int last = range.length > 1 ? Integer.parseInt(range[1]) : first;
                if (slot >= first && slot <= last) return ports.indexOf(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@'))));
            }
        }
        throw new IllegalStateException("no server owns slot " + slot);
    }

    /**
     * Moves hash slot {@code slot} with its keys to cluster server {@code to}, as a resharding does (IMPORTING /
     * MIGRATING, MIGRATE, SETSLOT NODE everywhere); the old owner drops its shard channel subscriptions of the slot.
     */
    public void moveSlot(int slot, int to) throws Exception {
        int from = ownerOf(slot);
        if (from == to) return;
        String s = Integer.toString(slot);
        String fromId = command(from, "CLUSTER", "MYID");
        String toId = command(to, "CLUSTER", "MYID");
        command(to, "CLUSTER", "SETSLOT", s, "IMPORTING", fromId);
        command(from, "CLUSTER", "SETSLOT", s, "MIGRATING", toId);
        while (true) {
            String keys = command(from, "CLUSTER", "GETKEYSINSLOT", s, "100");
            if (keys == null || keys.isEmpty()) break;
            List<String> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(ports.get(to)), "", "0", "5000", "KEYS"));
            migrate.addAll(List.of(keys.split("\n")));
            command(from, migrate.toArray(String[]::new));
        }
        command(to, "CLUSTER", "SETSLOT", s, "NODE", toId);
        command(from, "CLUSTER", "SETSLOT", s, "NODE", toId);
        for (int i = 0; i < ports.size(); i++) if (i != to && i != from) command(i, "CLUSTER", "SETSLOT", s, "NODE", toId);
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LIVE.remove(p);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }

    /**
     * Starts server {@code index} on ports that are free now; if another process takes one between the check and the
     * server's bind (a client's ephemeral port, say), it starts again on new ones rather than failing the test class.
     */
    private void startOnFreePorts(int index) throws Exception {
        for (int attempt = 1; ; attempt++) {
            ports.set(index, freePort());
            if (cluster) busPorts.set(index, freePort());
            if (index < processes.size()) processes.set(index, launch(index));
            else processes.add(launch(index));
            try {
                awaitPong(index);
                return;
            } catch (IllegalStateException exited) {
                boolean portTaken = log(ports.get(index)).contains("Address already in use");
                if (!portTaken || attempt == 5) throw exited;
            }
        }
    }

    private Process launch(int index) throws IOException {
        int port = ports.get(index);
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        if (cluster) {
            cmd.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                    "--cluster-node-timeout", "2000", "--cluster-port", Integer.toString(busPorts.get(index))));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis-" + port + ".log").toFile())).start();
        LIVE.add(p);
        return p;
    }

    private void awaitPong(int index) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            if (!processes.get(index).isAlive()) throw new IllegalStateException("redis-server on port " + ports.get(index)
                    + " exited: " + log(ports.get(index)));
            try {
                if ("PONG".equals(command(index, "PING"))) return;
            } catch (IOException notYet) {
                // still starting
            }
            if (System.nanoTime() > deadline) throw new IllegalStateException("redis-server on port " + ports.get(index) + " did not answer");
            Thread.sleep(50);
        }
    }

    private void awaitClusterOk() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int i = 0; i < ports.size(); i++) {
            while (true) {
                String info = command(i, "CLUSTER", "INFO");
                if (info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:" + ports.size())) break;
                if (System.nanoTime() > deadline) throw new IllegalStateException("the cluster did not become ok: " + info);
                Thread.sleep(100);
            }
        }
    }

    private void run(List<String> cmd, String logName) throws Exception {
        File log = dir.resolve(logName).toFile();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + Files.readString(log.toPath()));
        }
    }

    private String log(int port) {
        try {
            return Files.readString(dir.resolve("redis-" + port + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void requireBinary(String name) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, name))) return;
        }
        throw new IllegalStateException(name + " is not on the PATH: the Redis tests need Debian's redis-server and redis-tools"
                + " packages (./test.sh installs them; by hand: apt-get install redis-server redis-tools)");
    }

    private static int freePort() throws IOException {
        return FreePorts.belowEphemeralRange();
    }

    /** Just enough RESP to send a command and read its reply: arrays come back one element a line. */
    private static final class Resp {
        static String call(int port, String... args) throws IOException {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                socket.setSoTimeout(5_000);
                StringBuilder out = new StringBuilder("*").append(args.length).append("\r\n");
                for (String a : args) {
                    out.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
                }
                OutputStream os = socket.getOutputStream();
                os.write(out.toString().getBytes(StandardCharsets.UTF_8));
                os.flush();
                return reply(socket.getInputStream());
            }
        }

        private static String reply(InputStream in) throws IOException {
            String line = readLine(in);
            switch (line.charAt(0)) {
                case '$' -> {
                    int len = Integer.parseInt(line.substring(1));
                    if (len < 0) return null;
                    byte[] body = in.readNBytes(len + 2);
                    return new String(body, 0, len, StandardCharsets.UTF_8);
                }
                case '*' -> {
                    int n = Integer.parseInt(line.substring(1));
                    List<String> items = new ArrayList<>();
                    for (int i = 0; i < n; i++) items.add(reply(in));
                    return String.join("\n", items);
                }
                case '-' -> throw new IOException("redis error: " + line.substring(1));
                default -> {
                    return line.substring(1);
                }
            }
        }

        private static String readLine(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\r') {
                    in.read();
                    return sb.toString();
                }
                sb.append((char) c);
            }
            throw new IOException("connection closed");
        }
    }
}
