package dev.switchboard.server.database;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * An embedded PostgreSQL started by another JVM, which a test can SIGKILL: what a killed Switchboard leaves behind.
 * {@link #main} is that JVM: it starts the database on the given directory, prints {@code READY <port>} and waits.
 */
public final class EmbeddedDatabaseProcess implements AutoCloseable {
    private final Process process;

    private EmbeddedDatabaseProcess(Process process) { this.process = process; }

    public static EmbeddedDatabaseProcess start(Path dataDir) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), EmbeddedDatabaseProcess.class.getName(), dataDir.toString())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY ")) {
                // Keep draining so the child never blocks on a full pipe.
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "embedded-db-process-output");
                drain.setDaemon(true);
                drain.start();
                return new EmbeddedDatabaseProcess(p);
            }
        }
        throw new IOException("the database process ended without starting (exit " + waitFor(p) + ")");
    }

    private static int waitFor(Process p) {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** SIGKILL: the JVM dies at once, its PostgreSQL keeps running. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException { kill(); }

    public static void main(String[] args) throws Exception {
        EmbeddedDatabase db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(Path.of(args[0])));
        System.out.println("READY " + db.port());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
