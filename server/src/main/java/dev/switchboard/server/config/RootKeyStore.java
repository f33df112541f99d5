package dev.switchboard.server.config;

import dev.switchboard.server.util.SecretFiles;
import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.protocol.SwitchboardException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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
            String key = "app" + SecretFiles.token(6) + "." + "root" + ":" + SecretFiles.token(32);
            SecretFiles.writeOwnerOnly(file, key + "\n");
            created[0] = true;
            return key;
        } catch (IOException e) {
            throw new SettingsException(Settings.DATA_DIR.env() + ": cannot keep the root key in '" + dataDir + "': " + e.getMessage(), e);
        }
    }
}
