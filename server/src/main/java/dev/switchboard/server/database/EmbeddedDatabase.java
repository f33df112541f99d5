package dev.switchboard.server.database;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server run from the zonky embedded binaries (real PostgreSQL shipped in a Maven
 * artifact), with its cluster in a directory of our choosing so data survives restarts.
 *
 * <p>PostgreSQL refuses to run as root. When this JVM is root (containers, CI), zonky 2.2 itself
 * prefixes its commands with {@code unshare -U} where unprivileged user namespaces work (the
 * server then sees itself as {@code nobody} while files stay owned by root). Where they do not
 * (e.g. Docker's default seccomp profile), {@link UnprivilegedBinaryResolver} makes zonky start the
 * binaries through {@code setpriv} as the real {@code nobody} user and hands the data directory to
 * that user. As a normal user nothing special happens.
 *
 * <p>A real database, not a test fixture: fsync, full-page writes and synchronous commit on; the superuser
 * {@code postgres} logs in with a password generated once and kept beside the cluster directory
 * ({@code <dataDirectory>.password}, owner-only), see {@link #endpoint()}; no JVM shutdown hook of its own, so
 * the owner stops it last, after everything that writes to it. A postmaster left running on the same data
 * directory by a killed process is stopped before the start, so a restart after SIGKILL serves at once.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(20);
    /** How often the supervisor looks at the postmaster: a dead database is noticed within this. */
    private static final long SUPERVISE_EVERY_MS = 250;

    private final EmbeddedDatabaseSettings settings;
    private final String password;
    private final java.util.concurrent.ScheduledExecutorService supervisor;
    private volatile EmbeddedPostgres postgres;
    private volatile ProcessHandle postmaster;
    private volatile String problem;
    private volatile boolean closed;
    private long restartAttempts;

    private EmbeddedDatabase(EmbeddedPostgres postgres, EmbeddedDatabaseSettings settings, String password) {
        this.postgres = postgres;
        // Restarts reuse the port, so every URL handed out stays valid.
        this.settings = settings.withPort(postgres.getPort());
        this.password = password;
        this.postmaster = currentPostmaster(settings.dataDirectory());
        this.supervisor = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "embedded-postgres-supervisor");
            t.setDaemon(true);
            return t;
        });
        supervisor.scheduleWithFixedDelay(this::supervise, SUPERVISE_EVERY_MS, SUPERVISE_EVERY_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Initialises the cluster if the data directory is new, then starts the server and waits for it. From then on the
     * server is supervised: if the postmaster dies, {@link #problem()} says so within a quarter of a second and the
     * server is started again on the same port (with backoff) until it runs or {@link #close()} is called.
     */
    public static EmbeddedDatabase start(EmbeddedDatabaseSettings settings) throws IOException {
        Path dataDir = settings.dataDirectory();
        String password = DatabasePassword.loadOrCreate(passwordFile(dataDir));
        EmbeddedPostgres postgres = startPostgres(settings, password);
        EmbeddedDatabase db = new EmbeddedDatabase(postgres, settings, password);
        try {
            DatabasePassword.requirePasswords(dataDir, db.endpoint());
        } catch (IOException | java.sql.SQLException | RuntimeException e) {
            db.close();
            throw new IOException("could not turn on password authentication of the embedded PostgreSQL: " + e.getMessage(), e);
        }
        LOG.info("embedded PostgreSQL listening on localhost:{}", postgres.getPort());
        return db;
    }

    private static EmbeddedPostgres startPostgres(EmbeddedDatabaseSettings settings, String password) throws IOException {
        Path dataDir = settings.dataDirectory();
        Path workDir = Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg");
        Files.createDirectories(workDir);
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setOverrideWorkingDirectory(workDir.toFile())
                .setPGStartupWait(STARTUP_WAIT)
                .setRegisterShutdownHook(false)
                .setPort(settings.port());
        // zonky checks readiness over JDBC: with password authentication in place it needs the password too.
        builder.setConnectConfig("password", password);
        settings.serverSettings().forEach(builder::setServerConfig);
        PgBinaryResolver resolver = UnprivilegedBinaryResolver.isRoot() && !LinuxUtils.isUnshareAvailable()
                ? UnprivilegedBinaryResolver.forWorkDirectory(workDir)
                : null;
        if (resolver != null) {
            builder.setPgBinaryResolver(resolver);
            prepareDataDirectoryForUnprivilegedUser(dataDir);
        } else {
            Files.createDirectories(dataDir);
        }
        OrphanPostmaster.stopIfRunning(dataDir, ORPHAN_STOP_WAIT, "left by a previous process");
        LOG.info("starting embedded PostgreSQL, data in {}", dataDir);
        return builder.start();
    }

    private static ProcessHandle currentPostmaster(Path dataDir) {
        return OrphanPostmaster.pidOf(dataDir).flatMap(ProcessHandle::of).orElse(null);
    }

    /** Runs on the supervisor thread: notices a dead postmaster and starts the server again. */
    private void supervise() {
        if (closed) return;
        ProcessHandle pm = postmaster;
        if (pm != null && pm.isAlive()) return;
        if (problem == null) {
            problem = "the embedded PostgreSQL is not running (postmaster " + (pm == null ? "unknown" : "pid " + pm.pid() + " exited") + "); restarting it";
            LOG.error("Embedded PostgreSQL on {} died; restarting it", settings.dataDirectory());
        }
        // Backoff: every attempt at first, then every 4th (about once a second).
        if (restartAttempts++ > 3 && restartAttempts % 4 != 0) return;
        try {
            try {
                postgres.close(); // releases zonky's lock on the directory; the server is gone already
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing the dead embedded PostgreSQL: {}", e.toString());
            }
            if (closed) return;
            EmbeddedPostgres restarted = startPostgres(settings, password);
            postgres = restarted;
            postmaster = currentPostmaster(settings.dataDirectory());
            problem = null;
            restartAttempts = 0;
            LOG.warn("Embedded PostgreSQL restarted on localhost:{} (pid {})", restarted.getPort(), postmaster == null ? "?" : postmaster.pid());
        } catch (IOException | RuntimeException e) {
            problem = "the embedded PostgreSQL is not running and could not be restarted yet: " + e.getMessage();
            LOG.warn("Embedded PostgreSQL restart failed (will retry): {}", e.getMessage());
        }
    }

    /** Empty while the database runs; otherwise what is wrong (for health checks). */
    public java.util.Optional<String> problem() { return java.util.Optional.ofNullable(problem); }

    /** Where the superuser's generated password is kept: beside the cluster directory, which initdb wants empty. */
    public static Path passwordFile(Path dataDirectory) {
        return dataDirectory.resolveSibling(dataDirectory.getFileName() + ".password");
    }

    private static void prepareDataDirectoryForUnprivilegedUser(Path dataDir) throws IOException {
        UnprivilegedBinaryResolver.UnprivilegedUser user = UnprivilegedBinaryResolver.unprivilegedUser();
        Files.createDirectories(dataDir);
        // initdb insists on owning the directory and on mode 0700.
        Files.setAttribute(dataDir, "unix:uid", user.uid());
        Files.setAttribute(dataDir, "unix:gid", user.gid());
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        if (!user.canWrite(dataDir)) {
            throw new IOException("embedded PostgreSQL runs as user '" + user.name() + "' because this process is root, "
                    + "but that user cannot reach " + dataDir + ": pick a data directory whose parent directories are "
                    + "world-searchable (e.g. under /var/lib or /tmp), or run as a non-root user");
        }
    }

    /** The operating system process of the postmaster, for fault tests; empty if it is not running. */
    public java.util.Optional<ProcessHandle> postmaster() {
        return java.util.Optional.ofNullable(postmaster).filter(ProcessHandle::isAlive);
    }

    /** Superuser login to the {@code postgres} database. */
    public DatabaseEndpoint endpoint() {
        return endpoint("postgres");
    }

    /** Superuser login to the given database (which must exist). */
    public DatabaseEndpoint endpoint(String database) {
        return new DatabaseEndpoint("jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database, "postgres", password);
    }

    public int port() {
        return postgres.getPort();
    }

    public EmbeddedDatabaseSettings settings() {
        return settings;
    }

    /** Fast shutdown (clients disconnected, committed data kept), waited for; the data directory stays. */
    @Override
    public void close() {
        closed = true;
        supervisor.shutdownNow();
        try {
            supervisor.awaitTermination(70, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            postgres.close();
            // pg_ctl gives a fast shutdown 5 s and then only logs; a server still writing its shutdown checkpoint (a busy
            // disk) would be left running: wait for it, as for one left by a dead process, and stop it harder if it hangs.
            OrphanPostmaster.stopIfRunning(settings.dataDirectory(), ORPHAN_STOP_WAIT, "its fast shutdown not finished in time");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
