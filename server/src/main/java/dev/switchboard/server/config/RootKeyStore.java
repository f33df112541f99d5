package dev.switchboard.server.config;

import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.protocol.SwitchboardException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
                String key = Files.readString(file, StandardCharsets.UTF_8).trim();
                try {
                    ApiKey.parse(key, Capability.ALL);
                } catch (SwitchboardException e) {
                    throw new SettingsException(Settings.DATA_DIR.env() + ": '" + file + "' does not hold a key ("
                            + e.error().message() + "); delete it to generate a new one");
                }
                created[0] = false;
                return key;
            }
            Files.createDirectories(dataDir);
            SecureRandom random = new SecureRandom();
            String key = "app" + token(random, 6) + "." + "root" + ":" + token(random, 32);
            // Written to an owner-only temporary file and moved into place, so the key is never readable by
            // others and an interrupted write never leaves a partial key behind.
            Path tmp = dataDir.resolve(FILE + ".tmp");
            Files.deleteIfExists(tmp);
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            Files.writeString(tmp, key + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
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
