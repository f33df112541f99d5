package dev.switchboard.app;

import dev.switchboard.app.logging.LogSetup;
import dev.switchboard.server.cdc.config.ConfigException;
import dev.switchboard.server.config.ServerConfig;
import dev.switchboard.server.config.Settings;
import dev.switchboard.server.config.SettingsException;

import java.time.Clock;
import java.util.Map;

/** Starts Switchboard from environment variables and the optional config file. */
public final class Main {
    private Main() {}

    /** What {@code --help} prints: every setting, the config file, and the connector's environment form. */
    static String help() {
        return "Usage: java -jar switchboard.jar\n\nSettings (environment variable, config file key, meaning):\n"
                + Settings.describe() + Settings.describe(AppSettings.ALL)
                + "\nSWITCHBOARD_CONFIG: path of the JSON config file holding the keys above and keys, rules, channelRules, chatRooms\n"
                + "\nThe change connector's environment form (instead of SWITCHBOARD_CONNECTOR_CONFIG): DB_HOST, DB_PORT, DB_USER, DB_PASSWORD,\n"
                + "DB_NAME, ABLY_CONNECTOR (the mappings as JSON text), ABLY_API_KEY (accepted, not used); SWITCHBOARD_CDC_SLOT and\n"
                + "SWITCHBOARD_CDC_PUBLICATION name its replication slot and publication (default switchboard_cdc)\n";
    }

    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(help());
            return;
        }
        Map<String, String> env = System.getenv();
        SwitchboardApp app;
        AppSettings.Logging logging;
        try {
            ServerConfig config = Settings.load(env);
            logging = AppSettings.logging(env, config.file());
            LogSetup.apply(logging);
            app = SwitchboardApp.start(config, AppSettings.load(env, config.file()), env, Clock.systemUTC());
        } catch (SettingsException | ConfigException e) {
            System.err.println("Switchboard cannot start: " + e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            System.err.println("Switchboard cannot start: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "switchboard-shutdown"));
        String banner = banner(app.server().context().config(), app.server().port(), app.chat() != null);
        String rootKey = "Root key: " + app.server().rootKey().keyName() + " (full key in " + app.server().context().config().dataDir().resolve("root-key")
                + " unless SWITCHBOARD_ROOT_KEY is set)";
        if (logging.json()) {
            // Standard output stays JSON lines only.
            org.slf4j.LoggerFactory.getLogger(Main.class).info("{} {}", banner, rootKey);
            return;
        }
        System.out.println();
        System.out.println(banner);
        System.out.println(rootKey);
    }

    /** What is running and where: the chat only when it is on, the address it listens on (all interfaces named as such). */
    static String banner(ServerConfig config, int port, boolean chat) {
        String host = config.host();
        boolean everywhere = host == null || host.isEmpty() || host.equals("0.0.0.0") || host.equals("::");
        String url = "http://" + (everywhere ? "localhost" : host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/";
        String where = everywhere ? " (listening on all interfaces, port " + port + ")" : "";
        return chat ? "Switchboard is running. Open the chat: " + url + where
                : "Switchboard is running (the chat is off): " + url + where;
    }
}
