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
 * <p>Connect as superuser {@code postgres} (trust authentication, localhost only) to database
 * {@code postgres}: see {@link #endpoint()}.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    private final EmbeddedPostgres postgres;
    private final EmbeddedDatabaseSettings settings;

    private EmbeddedDatabase(EmbeddedPostgres postgres, EmbeddedDatabaseSettings settings) {
        this.postgres = postgres;
        this.settings = settings;
    }

    /** Initialises the cluster if the data directory is new, then starts the server and waits for it. */
    public static EmbeddedDatabase start(EmbeddedDatabaseSettings settings) throws IOException {
        Path dataDir = settings.dataDirectory();
        Path workDir = Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg");
        Files.createDirectories(workDir);
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setOverrideWorkingDirectory(workDir.toFile())
                .setPGStartupWait(STARTUP_WAIT)
                .setPort(settings.port());
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
        LOG.info("starting embedded PostgreSQL, data in {}", dataDir);
        EmbeddedPostgres postgres = builder.start();
        LOG.info("embedded PostgreSQL listening on localhost:{}", postgres.getPort());
        return new EmbeddedDatabase(postgres, settings);
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

    /** Superuser login to the {@code postgres} database. */
    public DatabaseEndpoint endpoint() {
        return endpoint("postgres");
    }

    /** Superuser login to the given database (which must exist). */
    public DatabaseEndpoint endpoint(String database) {
        return new DatabaseEndpoint("jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database, "postgres", "");
    }

    public int port() {
        return postgres.getPort();
    }

    public EmbeddedDatabaseSettings settings() {
        return settings;
    }

    /** Fast shutdown (clients disconnected, committed data kept); the data directory stays. */
    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
