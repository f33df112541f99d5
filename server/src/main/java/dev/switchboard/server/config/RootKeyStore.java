package dev.switchboard.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/** Keeps a generated root key in the data directory so it survives restarts. */
public final class RootKeyStore {
    private static final String FILE = "root-key";

    private RootKeyStore() {}

    /** The stored key, generating and storing one when there is none; {@code created[0]} tells which. */
    public static String loadOrCreate(Path dataDir, boolean[] created) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                created[0] = false;
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            Files.createDirectories(dataDir);
            SecureRandom random = new SecureRandom();
            String key = "app" + token(random, 6) + "." + "root" + ":" + token(random, 32);
            Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // Non-POSIX file systems keep their default permissions.
            }
            created[0] = true;
            return key;
        } catch (IOException e) {
            throw new SettingsException(Settings.DATA_DIR.env() + ": cannot keep the root key in '" + dataDir + "': " + e.getMessage(), e);
        }
    }

    private static String token(SecureRandom random, int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b).replace('-', 'x').replace('_', 'y');
    }
}
