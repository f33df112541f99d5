package dev.switchboard.server.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Fresh data directories for embedded PostgreSQL under {@code target/}, whose parents are
 * world-searchable so the server can run as {@code nobody} when the build runs as root.
 */
public final class TestDataDirectories {

    private TestDataDirectories() {
    }

    public static Path fresh(String name) {
        try {
            Path base = Path.of("target", "pgdata").toAbsolutePath();
            Files.createDirectories(base);
            // createTempDirectory makes a 0700 directory, which nobody could not enter.
            Path dir = Files.createTempDirectory(base, name + "-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return dir.resolve("cluster");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a directory made by {@link #fresh(String)} (the server must be stopped). */
    public static void delete(Path cluster) {
        Path root = cluster.getParent();
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
