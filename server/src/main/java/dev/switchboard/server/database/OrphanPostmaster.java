package dev.switchboard.server.database;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A PostgreSQL server still running on a data directory after the process that started it died (SIGKILL, crash):
 * pg_ctl daemonises the postmaster, so it outlives its parent and keeps the directory locked, and a new start on
 * the same directory would wait for a server that never comes. It is found through {@code postmaster.pid} and
 * stopped with a fast shutdown (committed data is kept), then an immediate one if it does not go.
 */
final class OrphanPostmaster {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanPostmaster.class);

    private OrphanPostmaster() {}

    /** The pid recorded in the data directory's {@code postmaster.pid}, if there is one. */
    static Optional<Long> pidOf(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) return Optional.empty();
            String first = Files.readAllLines(pidFile, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
            return Optional.of(Long.parseLong(first));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // being written or garbage: PostgreSQL itself decides at start
        }
    }

    /** Stops the server running on {@code dataDir}, if any; {@code why} says in the log why one is still there. */
    static void stopIfRunning(Path dataDir, Duration wait, String why) throws IOException {
        Optional<ProcessHandle> found = pidOf(dataDir).flatMap(ProcessHandle::of).filter(OrphanPostmaster::isPostgres);
        if (found.isEmpty()) return;
        ProcessHandle postmaster = found.get();
        LOG.warn("A PostgreSQL server (pid {}) is still running on {}, {}; stopping it", postmaster.pid(), dataDir, why);
        signal(postmaster, "INT"); // fast shutdown: sessions ended, checkpoint written
        if (awaitExit(postmaster, wait)) return;
        LOG.warn("PostgreSQL pid {} did not stop within {} s; sending an immediate shutdown", postmaster.pid(), wait.toSeconds());
        signal(postmaster, "QUIT");
        if (!awaitExit(postmaster, Duration.ofSeconds(10))) {
            throw new IOException("PostgreSQL pid " + postmaster.pid() + " still runs on " + dataDir + " and does not stop; stop it by hand");
        }
    }

    private static boolean isPostgres(ProcessHandle p) {
        if (!p.isAlive()) return false;
        try {
            // /proc shows the command line even for processes of another user (the embedded server may run as nobody).
            String cmdline = Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"), StandardCharsets.UTF_8);
            return cmdline.contains("postgres");
        } catch (IOException e) {
            return p.info().command().map(c -> c.contains("postgres")).orElse(false);
        }
    }

    private static void signal(ProcessHandle p, String signal) throws IOException {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).redirectErrorStream(true).start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping PostgreSQL pid " + p.pid(), e);
        }
    }

    private static boolean awaitExit(ProcessHandle p, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (p.isAlive() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !p.isAlive();
    }
}
