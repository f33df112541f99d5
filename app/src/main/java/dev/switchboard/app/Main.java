package dev.switchboard.app;

import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.config.ServerConfig;
import dev.switchboard.server.config.Settings;
import dev.switchboard.server.config.SettingsException;

import java.time.Clock;
import java.util.List;

/** Starts Switchboard from environment variables and the optional config file. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println("Usage: java -jar switchboard.jar\n\nSettings (environment variable, config file key, meaning):\n" + Settings.describe());
            return;
        }
        ServerConfig config;
        try {
            config = Settings.fromEnvironment();
        } catch (SettingsException e) {
            System.err.println("Switchboard cannot start: " + e.getMessage());
            System.exit(2);
            return;
        }
        SwitchboardServer server = SwitchboardServer.start(config, Clock.systemUTC(), List.of());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "switchboard-shutdown"));
        System.out.println("Switchboard is running: http://localhost:" + server.port() + "/  (root key " + server.rootKey().keyName() + ")");
    }
}
