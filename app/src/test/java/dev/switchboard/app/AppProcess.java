package dev.switchboard.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Switchboard as users run it: {@code dev.switchboard.app.Main} in its own JVM, with the chat on the embedded
 * PostgreSQL, on a fixed port and data directory so that it can be killed (SIGKILL, SIGTERM) and started again
 * where clients reconnect. Its output goes to {@code target/it-logs/<name>-<n>.log}.
 */
final class AppProcess implements AutoCloseable {
    static final String ROOT_KEY = "faultapp.root:fault-root-secret-0123456789";

    private final String name;
    private final Path dataDir;
    private final int port;
    private final int databasePort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private Process process;
    private int starts;

    private String configFile;
    private Path logFile;
    private long logOffset;
    private final Map<String, String> extraEnv = new java.util.LinkedHashMap<>();

    AppProcess(String name) {
        this(name, null);
    }

    /** {@code configJson}: the contents of the config file ({@code SWITCHBOARD_CONFIG}), or null for none. */
    AppProcess(String name, String configJson) {
        this.name = name;
        this.port = freePort();
        this.databasePort = freePort();
        this.dataDir = freshDirectory(name);
        try {
            if (configJson != null) {
                Path file = dataDir.resolve("config.json");
                Files.writeString(file, configJson);
                configFile = file.toString();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A new directory under {@code target/it-data} whose parents are world-searchable: as root, the embedded PostgreSQL
     * may run as {@code nobody}, which must reach it.
     */
    static Path freshDirectory(String name) {
        try {
            Path base = Path.of("target", "it-data").toAbsolutePath();
            Files.createDirectories(base);
            Path dir = Files.createTempDirectory(base, name + "-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() { return port; }

    /** An environment variable for the next starts (e.g. SWITCHBOARD_DATABASE_URL for an external database). */
    AppProcess withEnv(String name, String value) {
        extraEnv.put(name, value);
        return this;
    }

    /** ably-java options for this process with the root key: no fallback hosts, quick reconnects, quiet. */
    io.ably.lib.debug.DebugOptions clientOptions() {
        try {
            io.ably.lib.debug.DebugOptions o = new io.ably.lib.debug.DebugOptions(ROOT_KEY);
            o.restHost = o.realtimeHost = "localhost";
            o.port = port;
            o.tls = false;
            o.fallbackHosts = new String[0];
            o.disconnectedRetryTimeout = 200;
            o.suspendedRetryTimeout = 1000;
            o.logLevel = io.ably.lib.util.Log.NONE;
            return o;
        } catch (io.ably.lib.types.AblyException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts the process and returns how long it took until {@code /health} answered 200. */
    Duration start() throws Exception {
        return start(status -> status == 200, "become healthy");
    }

    /**
     * Starts the process and returns once its HTTP server answers at all: for a Switchboard that serves while one of its
     * dependencies is down (then {@code /health} answers 503).
     */
    Duration startServing() throws Exception {
        return start(status -> status > 0, "answer HTTP");
    }

    private Duration start(java.util.function.IntPredicate ready, String what) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName());
        Map<String, String> env = pb.environment();
        env.put("SWITCHBOARD_PORT", Integer.toString(port));
        env.put("SWITCHBOARD_HOST", "127.0.0.1");
        env.put("SWITCHBOARD_DATA_DIR", dataDir.toString());
        env.put("SWITCHBOARD_ROOT_KEY", ROOT_KEY);
        env.put("SWITCHBOARD_EMBEDDED_DB_PORT", Integer.toString(databasePort));
        env.put("SWITCHBOARD_MAX_INBOUND_RATE", "100000");
        if (configFile != null) env.put("SWITCHBOARD_CONFIG", configFile);
        env.putAll(extraEnv);
        Path logs = Path.of("target", "it-logs").toAbsolutePath();
        Files.createDirectories(logs);
        logFile = logs.resolve(name + "-" + (++starts) + ".log");
        // The file is appended to (an earlier run's lines may be in it): log() reads from here on.
        logOffset = Files.exists(logFile) ? Files.size(logFile) : 0;
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        long started = System.nanoTime();
        process = pb.start();
        long deadline = started + TimeUnit.SECONDS.toNanos(120);
        while (!ready.test(healthStatus())) {
            if (!process.isAlive()) throw new IllegalStateException("Switchboard exited with " + process.exitValue() + " (see target/it-logs)");
            if (System.nanoTime() > deadline) throw new IllegalStateException("Switchboard did not " + what + " within 120 s");
            Thread.sleep(50);
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** What the process has written (stdout and stderr) since its latest start. */
    String log() throws IOException {
        if (logFile == null) return "";
        byte[] all = Files.readAllBytes(logFile);
        return new String(all, (int) Math.min(logOffset, all.length), (int) Math.max(0, all.length - logOffset), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** SIGKILL: nothing of ours runs any more; the embedded PostgreSQL is left running, orphaned. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the graceful stop. Returns the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException("Switchboard did not stop within 60 s of SIGTERM");
        return process.exitValue();
    }

    /** The embedded PostgreSQL's postmaster, from its pid file. */
    ProcessHandle postmaster() throws IOException {
        String pid = Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid")).get(0).strip();
        return ProcessHandle.of(Long.parseLong(pid)).orElseThrow();
    }

    /** The status of {@code GET /health}, or -1 when nothing answers. */
    int healthStatus() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Every message of a channel through REST history (root key), oldest first, following the Link headers. */
    List<com.fasterxml.jackson.databind.JsonNode> restHistory(String channel) throws IOException, InterruptedException {
        List<com.fasterxml.jackson.databind.JsonNode> newestFirst = new java.util.ArrayList<>();
        String base = "/channels/" + java.net.URLEncoder.encode(channel, java.nio.charset.StandardCharsets.UTF_8) + "/";
        String next = base + "messages?limit=1000";
        while (next != null) {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + next))
                    .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(ROOT_KEY.getBytes()))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) throw new IOException("history of " + channel + " answered " + res.statusCode() + ": " + res.body());
            RunningApp.JSON.readTree(res.body()).forEach(newestFirst::add);
            next = res.headers().firstValue("Link").map(l -> base + l.substring(l.indexOf("./") + 2, l.indexOf('>'))).orElse(null);
        }
        java.util.Collections.reverse(newestFirst);
        return newestFirst;
    }

    /** A request with the root key, body and status as they come. */
    HttpResponse<String> request(String method, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(ROOT_KEY.getBytes()))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    Connection jdbc() throws SQLException, IOException {
        String password = Files.readString(dataDir.resolve("postgres.password")).strip();
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + databasePort + "/postgres", "postgres", password);
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) terminate();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
