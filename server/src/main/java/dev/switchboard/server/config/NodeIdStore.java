package dev.switchboard.server.config;

import dev.switchboard.server.util.Ids;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps this node's id in the data directory so it survives restarts: a restarted node then finds its own undelivered
 * rule events (and their order) instead of waiting for another node to take them over. Nodes must not share a data
 * directory.
 */
public final class NodeIdStore {
    private static final String FILE = "node-id";

    private NodeIdStore() {}

    /** The stored id, generating and storing one when there is none. */
    public static String loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!id.matches("[A-Za-z0-9_.-]{1,64}")) {
                    throw new SettingsException(Settings.DATA_DIR.env() + ": '" + file + "' does not hold a node id; delete it to generate a new one");
                }
                return id;
            }
            String id = "sb-" + Ids.random(12);
            Files.createDirectories(dataDir);
            Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new SettingsException(Settings.DATA_DIR.env() + ": cannot keep the node id in '" + dataDir + "': " + e.getMessage(), e);
        }
    }
}
