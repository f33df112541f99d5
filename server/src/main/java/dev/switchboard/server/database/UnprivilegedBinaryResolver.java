package dev.switchboard.server.database;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZInputStream;
import org.tukaani.xz.XZOutputStream;

/**
 * Lets zonky's embedded PostgreSQL run when this process is root, which PostgreSQL forbids.
 *
 * <p>zonky only ever executes {@code bin/initdb} and {@code bin/pg_ctl} from the archive a
 * {@link PgBinaryResolver} hands it. This resolver unpacks the real binaries itself (once, into
 * the work directory, readable by everyone) and hands zonky a tiny archive whose
 * {@code initdb} and {@code pg_ctl} are shell wrappers that {@code exec} the real programs under
 * {@code setpriv} as the {@code nobody} user. The real {@code initdb}/{@code pg_ctl} then find the
 * real {@code postgres} next to themselves, so the whole server runs unprivileged.
 *
 * <p>Used only when zonky's own workaround ({@code unshare -U}) is unavailable; the wrappers still
 * check the uid, so they are harmless if zonky wraps them in {@code unshare} after all.
 */
final class UnprivilegedBinaryResolver implements PgBinaryResolver {

    private static final Set<String> WRAPPED = Set.of("initdb", "pg_ctl");
    private static final ConcurrentHashMap<Path, UnprivilegedBinaryResolver> BY_WORK_DIR = new ConcurrentHashMap<>();

    private final Path workDir;

    private UnprivilegedBinaryResolver(Path workDir) {
        this.workDir = workDir;
    }

    /** One instance per directory, so zonky's own per-resolver cache is hit on later starts. */
    static UnprivilegedBinaryResolver forWorkDirectory(Path workDir) {
        return BY_WORK_DIR.computeIfAbsent(workDir.toAbsolutePath().normalize(), UnprivilegedBinaryResolver::new);
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name")) || currentUid() == 0;
    }

    private static long currentUid() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return ((Number) uid).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
        byte[] archive;
        try (InputStream real = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware)) {
            archive = real.readAllBytes();
        }
        Path realDir = workDir.resolve("pg-unprivileged-" + sha256(archive).substring(0, 16));
        if (!Files.exists(realDir.resolve(".complete"))) {
            unpack(archive, realDir);
        }
        return new ByteArrayInputStream(wrapperArchive(realDir, unprivilegedUser()));
    }

    /** Unpacks into a scratch directory and renames it, so a half-written tree is never used. */
    private static void unpack(byte[] archive, Path realDir) throws IOException {
        Path scratch = Files.createTempDirectory(realDir.getParent(), realDir.getFileName() + ".tmp");
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(new ByteArrayInputStream(archive)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path target = scratch.resolve(entry.getName()).normalize();
                if (!target.startsWith(scratch)) {
                    throw new IOException("archive entry escapes its directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(target.getParent());
                    Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    Files.createDirectories(target.getParent());
                    Files.createLink(target, scratch.resolve(entry.getLinkName()).normalize());
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                    boolean executable = (entry.getMode() & 0100) != 0 || entry.getName().matches("(\\./)?bin/.*");
                    Files.setPosixFilePermissions(target, executable ? permissions("rwxr-xr-x") : permissions("rw-r--r--"));
                }
            }
        }
        try (var dirs = Files.walk(scratch)) {
            for (Path dir : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                Files.setPosixFilePermissions(dir, permissions("rwxr-xr-x"));
            }
        }
        Files.createFile(scratch.resolve(".complete"));
        try {
            Files.move(scratch, realDir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException raced) {
            // Another process finished first; its copy is identical.
            if (!Files.exists(realDir.resolve(".complete"))) {
                throw raced;
            }
            deleteTree(scratch);
        }
    }

    private static byte[] wrapperArchive(Path realDir, UnprivilegedUser user) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new XZOutputStream(bytes, new LZMA2Options(0)))) {
            for (String program : WRAPPED) {
                String script = "#!/bin/sh\n"
                        + "# PostgreSQL refuses to run as root: run it as " + user.name() + ".\n"
                        + "cd / || exit 1\n"
                        + "real='" + realDir.resolve("bin").resolve(program) + "'\n"
                        + "if [ \"$(id -u)\" != 0 ]; then exec \"$real\" \"$@\"; fi\n"
                        + "exec setpriv --reuid=" + user.uid() + " --regid=" + user.gid() + " --clear-groups -- \"$real\" \"$@\"\n";
                byte[] content = script.getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry("bin/" + program);
                entry.setMode(0100755);
                entry.setSize(content.length);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** The account the server runs as when we are root. */
    record UnprivilegedUser(String name, int uid, int gid) {

        boolean canWrite(Path dir) {
            return run(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--", "test", "-w", dir.toString())) == 0;
        }
    }

    static UnprivilegedUser unprivilegedUser() {
        String name = "nobody";
        return new UnprivilegedUser(name, idOf(name, "-u"), idOf(name, "-g"));
    }

    private static int idOf(String user, String flag) {
        try {
            Process p = new ProcessBuilder("id", flag, user).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() == 0 && out.matches("\\d+")) {
                return Integer.parseInt(out);
            }
        } catch (IOException e) {
            // fall through to the conventional id
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 65534;
    }

    private static int run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static Set<PosixFilePermission> permissions(String spec) {
        return java.nio.file.attribute.PosixFilePermissions.fromString(spec);
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
