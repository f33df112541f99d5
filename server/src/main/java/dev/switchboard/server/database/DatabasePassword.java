package dev.switchboard.server.database;

import dev.switchboard.server.util.SecretFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded PostgreSQL's superuser password: generated once, kept owner-only beside the cluster, and required
 * for every login. initdb (run by zonky) trusts every local login; {@link #requirePasswords} sets the password and
 * switches the cluster's {@code pg_hba.conf} to scram-sha-256, once, also for clusters made by older versions.
 */
final class DatabasePassword {
    private static final String TRUST = "trust";
    private static final String SCRAM = "scram-sha-256";

    private DatabasePassword() {}

    static String loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (!stored.isEmpty()) return stored;
        }
        String password = SecretFiles.token(24);
        SecretFiles.writeOwnerOnly(file, password + "\n");
        return password;
    }

    /** When the cluster still trusts logins: sets the superuser's password, then asks for it on every connection. */
    static void requirePasswords(Path dataDir, DatabaseEndpoint superuser) throws IOException, SQLException {
        Path hba = dataDir.resolve("pg_hba.conf");
        List<String> lines = Files.readAllLines(hba, StandardCharsets.UTF_8);
        List<String> locked = new ArrayList<>(lines.size());
        boolean trusting = false;
        for (String line : lines) {
            String[] fields = line.strip().split("\\s+");
            boolean rule = !line.strip().isEmpty() && !line.strip().startsWith("#");
            if (rule && fields[fields.length - 1].equals(TRUST)) {
                trusting = true;
                locked.add(line.substring(0, line.lastIndexOf(TRUST)) + SCRAM);
            } else {
                locked.add(line);
            }
        }
        if (!trusting) return;
        try (Connection c = superuser.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER ROLE " + superuser.user() + " PASSWORD '" + superuser.password().replace("'", "''") + "'");
            // Written in place: the file keeps the owner and mode the server (possibly another user) reads it with.
            Files.write(hba, locked, StandardCharsets.UTF_8);
            s.execute("SELECT pg_reload_conf()");
        }
    }
}
