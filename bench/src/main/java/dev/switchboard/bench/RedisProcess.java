package dev.switchboard.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A redis-server of the benchmark's own (Debian's binary) on a spare loopback port, without persistence, in a
 * temporary directory: never the machine's Redis on 6379. Its CPU is read from /proc like the servers'; its
 * {@code INFO commandstats} and a {@code MONITOR} tell how many commands each publish costs. Speaks just enough
 * RESP over a plain socket for that, so the bench needs no Redis client library.
 */
public final class RedisProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    private RedisProcess(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Starts redis-server and waits until it answers PING; its output goes to {@code redis-<label>.log}. */
    public static RedisProcess start(Path logDir, String label) {
        try {
            Path dir = Files.createTempDirectory("switchboard-bench-redis-");
            int port = ServerProcess.freePort();
            Files.createDirectories(logDir);
            Process p = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no")
                    .redirectErrorStream(true).redirectOutput(logDir.resolve("redis-" + label + ".log").toFile()).start();
            RedisProcess r = new RedisProcess(p, port, dir);
            long deadline = System.currentTimeMillis() + 20_000;
            while (true) {
                try {
                    if ("PONG".equals(r.command("PING"))) return r;
                } catch (IOException e) {
                    if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                        r.close();
                        throw new IllegalStateException("redis-server did not start on port " + port + " (is Debian's redis-server installed?)", e);
                    }
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("redis-server could not be started (is Debian's redis-server installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String url() { return "redis://127.0.0.1:" + port; }

    public long pid() { return process.pid(); }

    /** Calls per command so far ({@code INFO commandstats}), including the commands that scripts ran. */
    public Map<String, Long> commandCalls() throws IOException {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : command("INFO", "commandstats").split("\r\n")) {
            // cmdstat_evalsha:calls=2001,usec=...
            if (!line.startsWith("cmdstat_")) continue;
            int colon = line.indexOf(':'), eq = line.indexOf("calls="), comma = line.indexOf(',', eq);
            if (colon < 0 || eq < 0 || comma < 0) continue;
            calls.put(line.substring(8, colon), Long.parseLong(line.substring(eq + 6, comma)));
        }
        return calls;
    }

    /** Sends one command on a new connection and returns its reply as text (simple string, integer or bulk string). */
    String command(String... args) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            write(s.getOutputStream(), args);
            return readReply(new BufferedInputStream(s.getInputStream()));
        }
    }

    /**
     * Counts commands from now until {@link Monitor#close()}, telling apart those sent by clients (each one a round
     * trip) and those run inside Lua scripts, which {@code INFO commandstats} lumps together. MONITOR costs Redis a
     * little per command; at a few thousand commands a second it is noise.
     */
    public Monitor monitor() throws IOException {
        return new Monitor();
    }

    public final class Monitor implements AutoCloseable {
        /**
         * @param fromClients commands sent by clients (round trips), by name; @param fromScripts commands run inside scripts;
         * @param withMessage client commands carrying a benchmark marker ({@code #B...#}), i.e. a publish's own round trips
         */
        public record Counts(Map<String, Long> fromClients, Map<String, Long> fromScripts, long withMessage, long withoutMessage) {}

        private final Socket socket = new Socket("127.0.0.1", port);
        /** Client-sent commands by name, and those run by scripts. */
        private final Map<String, AtomicLong> fromClients = new ConcurrentHashMap<>(), fromScripts = new ConcurrentHashMap<>();
        /** Client-sent commands that carry a benchmark message (its marker), and the others. */
        private final AtomicLong withMessage = new AtomicLong(), withoutMessage = new AtomicLong();
        private final Thread reader;

        private Monitor() throws IOException {
            write(socket.getOutputStream(), "MONITOR");
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String ok = readLine(in);
            if (!"+OK".equals(ok)) throw new IOException("MONITOR refused: " + ok);
            reader = new Thread(() -> {
                try {
                    for (String line; (line = readLine(in)) != null; ) count(line);
                } catch (IOException ignored) {
                    // closed
                }
            }, "redis-monitor");
            reader.setDaemon(true);
            reader.start();
        }

        /** {@code +1700000000.123456 [0 127.0.0.1:40000] "evalsha" "..."}, or {@code [0 lua]} for a script's command. */
        private void count(String line) {
            int open = line.indexOf(" ["), close = line.indexOf("] \"", open);
            if (open < 0 || close < 0) return;
            int end = line.indexOf('"', close + 3);
            if (end < 0) return;
            String name = line.substring(close + 3, end).toLowerCase(java.util.Locale.ROOT);
            String source = line.substring(open + 2, close);
            boolean lua = source.endsWith(" lua");
            (lua ? fromScripts : fromClients).computeIfAbsent(name, k -> new AtomicLong()).incrementAndGet();
            if (!lua) (line.contains("#B") ? withMessage : withoutMessage).incrementAndGet();
        }

        /** What was counted so far. */
        public Counts counts() { return new Counts(snapshot(fromClients), snapshot(fromScripts), withMessage.get(), withoutMessage.get()); }

        private Map<String, Long> snapshot(Map<String, AtomicLong> m) {
            Map<String, Long> out = new TreeMap<>();
            m.forEach((k, v) -> out.put(k, v.get()));
            return out;
        }

        @Override
        public void close() {
            try {
                socket.close();
                reader.join(2000);
            } catch (IOException ignored) {
                // already closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void write(OutputStream out, String... args) throws IOException {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String readReply(InputStream in) throws IOException {
        String line = readLine(in);
        if (line == null) throw new IOException("connection closed");
        switch (line.charAt(0)) {
            case '+', ':' -> { return line.substring(1); }
            case '-' -> throw new IOException("redis: " + line.substring(1));
            case '$' -> {
                int n = Integer.parseInt(line.substring(1));
                if (n < 0) return null;
                byte[] body = in.readNBytes(n + 2);
                return new String(body, 0, n, StandardCharsets.UTF_8);
            }
            default -> throw new IOException("unexpected reply: " + line);
        }
    }

    /** One CRLF-terminated line without its CRLF, or null at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n' && sb.length() > 0 && sb.charAt(sb.length() - 1) == '\r') {
                sb.setLength(sb.length() - 1);
                return sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: redis-server exits at once (nothing to save)
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
