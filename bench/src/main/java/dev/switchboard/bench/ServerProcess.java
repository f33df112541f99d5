package dev.switchboard.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A server under test in its own process, so its CPU time and memory can be read from /proc without the
 * load client's share, and the 20,000 open files limit applies to it alone: Switchboard in a separate JVM
 * (from this JVM's own classpath, embedded PostgreSQL in a temporary directory), or the Socket.IO peer
 * under Node.
 */
public final class ServerProcess implements Target {
    public static final String ROOT_KEY = "bench.root:benchsecret0123456789";

    private final String name;
    private final Process process;
    private final int port;
    private final String jdbcUrl;
    private final Path tempDir;

    /** The JVM the started Switchboard runs on (this one's by default; {@code --server-java} picks another, e.g. for ZGC on 21+). */
    private static volatile Path serverJavaHome = Path.of(System.getProperty("java.home"));
    private Path safepointLog;

    static void useJava(Path javaHome) {
        if (!Files.isExecutable(javaHome.resolve("bin").resolve("java"))) throw new IllegalArgumentException("no bin/java under " + javaHome);
        serverJavaHome = javaHome;
    }

    static Path serverJavaHome() { return serverJavaHome; }

    /** When the process started, if the OS says. */
    java.util.Optional<java.time.Instant> startedAt() { return process.info().startInstant(); }

    /** The server JVM's safepoint log (every stop-the-world pause), or null for the Socket.IO peer. */
    Path safepointLog() { return safepointLog; }

    private ServerProcess(String name, Process process, int port, String jdbcUrl, Path tempDir) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.jdbcUrl = jdbcUrl;
        this.tempDir = tempDir;
    }

    /** Starts Switchboard (app main) and waits until it accepts connections. */
    public static ServerProcess switchboard(Path logDir, String label, List<String> jvmArgs, boolean chat, String configJson) {
        return switchboard(logDir, label, jvmArgs, chat, configJson, Map.of());
    }

    /**
     * As {@link #switchboard(Path, String, List, boolean, String)}, with {@code extraEnv} added to (or replacing) the
     * server's environment, e.g. {@code SWITCHBOARD_REDIS_URL} for a node of a cluster. Each node gets its own data
     * directory and embedded database.
     */
    public static ServerProcess switchboard(Path logDir, String label, List<String> jvmArgs, boolean chat, String configJson,
                                            Map<String, String> extraEnv) {
        try {
            Path temp = Files.createTempDirectory("switchboard-bench-");
            // The embedded PostgreSQL may run as another user (when this is root): its parents must be searchable.
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
            int port = freePort(), dbPort = freePort();
            List<String> cmd = new ArrayList<>();
            cmd.add(serverJavaHome.resolve("bin").resolve("java").toString());
            cmd.addAll(jvmArgs);
            Files.createDirectories(logDir);
            Path safepoints = logDir.resolve("safepoints-" + label + ".log");
            Files.deleteIfExists(safepoints);
            cmd.add(Pauses.logOption(safepoints));
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("dev.switchboard.app.Main");
            ProcessBuilder pb = new ProcessBuilder(cmd);
            Map<String, String> env = pb.environment();
            env.put("SWITCHBOARD_PORT", Integer.toString(port));
            env.put("SWITCHBOARD_HOST", "127.0.0.1");
            env.put("SWITCHBOARD_DATA_DIR", temp.resolve("data").toString());
            env.put("SWITCHBOARD_ROOT_KEY", ROOT_KEY);
            env.put("SWITCHBOARD_EMBEDDED_DB_PORT", Integer.toString(dbPort));
            env.put("SWITCHBOARD_MAX_INBOUND_RATE", "100000");
            // The load client is one host: it opens more connections than one address may hold by default.
            env.put("SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS", "100000");
            env.put("SWITCHBOARD_CHAT", Boolean.toString(chat));
            env.put("SWITCHBOARD_LOG_LEVEL", "WARN");
            if (configJson != null) {
                Path config = temp.resolve("config.json");
                Files.writeString(config, configJson);
                env.put("SWITCHBOARD_CONFIG", config.toString());
            }
            env.putAll(extraEnv);
            Files.createDirectories(logDir);
            Path log = logDir.resolve("server-" + label + ".log");
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            Process p = pb.start();
            ServerProcess s = new ServerProcess("switchboard", p, port, "jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres", temp);
            s.safepointLog = safepoints;
            s.awaitLine(log, "Switchboard is running", 180);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the Socket.IO broadcast server from {@code peerDir} (installing its locked packages if missing). */
    public static ServerProcess socketIo(Path logDir, Path peerDir) {
        return socketIo(logDir, peerDir, "socketio", null);
    }

    /**
     * As {@link #socketIo(Path, Path)}, logging to {@code server-<label>.log}; with a {@code redisUrl} the process joins
     * the others on that Redis through the official Redis adapter.
     */
    public static ServerProcess socketIo(Path logDir, Path peerDir, String label, String redisUrl) {
        try {
            // The redis packages came later than socket.io: a node_modules from before them needs the install too.
            if (!Files.isDirectory(peerDir.resolve("node_modules/socket.io")) || !Files.isDirectory(peerDir.resolve("node_modules/@socket.io/redis-adapter"))) {
                Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(peerDir.toFile())
                        .redirectErrorStream(true).redirectOutput(logDir.resolve("npm-ci.log").toFile()).start();
                if (!npm.waitFor(300, TimeUnit.SECONDS) || npm.exitValue() != 0) throw new IllegalStateException("npm ci failed in " + peerDir);
            }
            int port = freePort();
            Path log = logDir.resolve("server-" + label + ".log");
            List<String> cmd = new ArrayList<>(List.of("node", "server.js", Integer.toString(port)));
            if (redisUrl != null) cmd.add(redisUrl);
            Process p = new ProcessBuilder(cmd).directory(peerDir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            ServerProcess s = new ServerProcess("socket.io", p, port, null, null);
            s.awaitLine(log, "listening", 60);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override public String name() { return name; }

    @Override public String host() { return "127.0.0.1"; }

    @Override public int port() { return port; }

    @Override public String key() { return ROOT_KEY; }

    @Override public long pid() { return process.pid(); }

    /** The embedded database's URL with its superuser login (the password is generated by the server at its first start). */
    @Override
    public String jdbcUrl() {
        if (jdbcUrl == null || tempDir == null) return jdbcUrl;
        try {
            String password = Files.readString(tempDir.resolve("data").resolve("postgres.password")).strip();
            return jdbcUrl + "?user=postgres&password=" + password;
        } catch (IOException e) {
            throw new UncheckedIOException("the embedded database's password file is not there yet", e);
        }
    }

    /**
     * CPU of the embedded PostgreSQL: pg_ctl daemonises the postmaster (so it is no descendant of the JVM);
     * it is found by its data directory on the command line, its backends are its children.
     */
    @Override
    public double childCpuSeconds() {
        if (tempDir == null) return 0;
        String marker = tempDir.toString();
        return ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().map(c -> c.contains(marker) && c.contains("postgres")).orElse(false))
                .flatMap(h -> java.util.stream.Stream.concat(java.util.stream.Stream.of(h), h.descendants()))
                .mapToLong(ProcessHandle::pid).distinct()
                .mapToDouble(pid -> {
                    double c = ProcStat.cpuSeconds(pid);
                    return Double.isNaN(c) ? 0 : c;
                }).sum();
    }

    /** Live heap of the server JVM in bytes (after a full GC), -1 if jcmd is missing. */
    public long liveHeapBytes() {
        java.util.Map<String, long[]> h = classHistogram();
        return h == null ? -1 : h.get("Total")[1];
    }

    /**
     * Live objects by class after a full GC ({@code jcmd <pid> GC.class_histogram}): class → {instances, bytes},
     * with the sum under "Total". Null if jcmd is missing or fails.
     */
    public java.util.Map<String, long[]> classHistogram() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) return null;
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), "GC.class_histogram").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(120, TimeUnit.SECONDS);
            java.util.Map<String, long[]> h = new java.util.HashMap<>();
            for (String line : out.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 4 && f[0].endsWith(":")) h.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
                else if (f.length >= 3 && f[0].equals("Total")) h.put("Total", new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
            return h.containsKey("Total") ? h : null;
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void awaitLine(Path log, String text, int seconds) {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        try {
            while (System.currentTimeMillis() < deadline) {
                if (Files.exists(log) && Files.readString(log).contains(text)) return;
                if (!process.isAlive()) break;
                Thread.sleep(100);
            }
            String tail = Files.exists(log) ? Files.readString(log) : "";
            close();
            throw new IllegalStateException(name + " did not start (log " + log + "):\n"
                    + tail.substring(Math.max(0, tail.length() - 3000)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (tempDir != null) {
            try (Stream<Path> files = Files.walk(tempDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // a temp dir left behind is harmless
            }
        }
    }

    static String javaBinary() { return Path.of(System.getProperty("java.home"), "bin", "java").toString(); }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
