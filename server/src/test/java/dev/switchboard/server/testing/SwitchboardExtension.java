package dev.switchboard.server.testing;

import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.config.ServerConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Starts a real Switchboard server on a free port with a temporary data directory and three keys of one
 * app, once per test class; closes whatever a test registered with {@link #closeAfterEach} after each test.
 * <pre>{@code @RegisterExtension static final SwitchboardExtension server = new SwitchboardExtension();}</pre>
 */
public final class SwitchboardExtension implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
    public static final String APP_ID = "sbtest";
    /** Full capability. */
    public static final String ROOT_KEY = APP_ID + ".root:root-secret-0123456789";
    /** May publish and subscribe on {@code allowed:*} only. */
    public static final String RESTRICTED_KEY = APP_ID + ".restricted:restricted-secret-0123456789";
    public static final String RESTRICTED_CAPABILITY = "{\"allowed:*\":[\"subscribe\",\"publish\"]}";
    /** May only subscribe, on every channel. */
    public static final String SUBSCRIBE_ONLY_KEY = APP_ID + ".readonly:readonly-secret-0123456789";
    public static final String SUBSCRIBE_ONLY_CAPABILITY = "{\"*\":[\"subscribe\"]}";
    /** May only publish, on every channel. */
    public static final String PUBLISH_ONLY_KEY = APP_ID + ".writeonly:writeonly-secret-0123456789";
    public static final String PUBLISH_ONLY_CAPABILITY = "{\"*\":[\"publish\"]}";

    private Integer maxInboundRate;
    private Long connectionStateTtlMs;
    private Long presenceGraceMs;
    private boolean sandbox;
    /** With a database: an embedded PostgreSQL and the message store on it (persisted namespaces, chat rooms). */
    private boolean database;
    private Path databaseDir;
    private dev.switchboard.server.database.EmbeddedDatabase db;
    private dev.switchboard.server.persistence.PgMessageStore store;
    private ServerConfig started;
    private java.util.function.UnaryOperator<ServerConfig> adjust = c -> c;
    private SwitchboardServer server;
    private Path dataDir;
    private final Deque<AutoCloseable> perTest = new ArrayDeque<>();

    /** A server with a per-connection inbound rate of {@code messagesPerSecond} instead of the default. */
    public SwitchboardExtension withMaxInboundRate(int messagesPerSecond) {
        this.maxInboundRate = messagesPerSecond;
        return this;
    }

    /** A server whose dropped connections can be resumed for {@code ms} only (sent to clients as connectionStateTtl). */
    public SwitchboardExtension withConnectionStateTtlMs(long ms) {
        this.connectionStateTtlMs = ms;
        return this;
    }

    /** A server that keeps a dropped connection's presence members for {@code ms} before they leave. */
    public SwitchboardExtension withPresenceGraceMs(long ms) {
        this.presenceGraceMs = ms;
        return this;
    }

    /** A server with sandbox provisioning ({@code POST /apps}, {@code DELETE /apps/{id}}) enabled. */
    public SwitchboardExtension withSandbox() {
        this.sandbox = true;
        return this;
    }

    /** The config file's content (JSON), e.g. its {@code channelRules}. */
    public SwitchboardExtension withConfigFile(String json) {
        com.fasterxml.jackson.databind.JsonNode file;
        try {
            file = dev.switchboard.server.protocol.WireFormat.jsonMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
        return withConfig(c -> c.withFile(file));
    }

    /** The namespace {@code mutable} with the mutableMessages rule, as the ably-js tests and the sandbox use it. */
    public static final String MUTABLE_NAMESPACE_RULES = "{\"channelRules\": [{\"namespace\": \"mutable\", \"mutableMessages\": true}]}";

    /** A server with an embedded PostgreSQL holding its message store: chat rooms and persisted namespaces keep messages there. */
    public SwitchboardExtension withDatabase() {
        this.database = true;
        return this;
    }

    /** Stops the server and starts it again on the same port (with the same database when it has one). */
    public void restart() {
        server.close();
        if (store != null) store.close();
        startServer(started.withPort(started.port() == 0 ? server.port() : started.port()));
    }

    /** A server whose configuration is changed by {@code change} after the defaults above (e.g. its limits). */
    public SwitchboardExtension withConfig(java.util.function.UnaryOperator<ServerConfig> change) {
        java.util.function.UnaryOperator<ServerConfig> before = adjust;
        this.adjust = c -> change.apply(before.apply(c));
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dataDir = Files.createTempDirectory("switchboard-it-");
        ServerConfig config = ServerConfig.defaults(ROOT_KEY, dataDir).withExtraKeys(List.of(
                ApiKey.parse(RESTRICTED_KEY, Capability.parse(RESTRICTED_CAPABILITY)),
                ApiKey.parse(SUBSCRIBE_ONLY_KEY, Capability.parse(SUBSCRIBE_ONLY_CAPABILITY)),
                ApiKey.parse(PUBLISH_ONLY_KEY, Capability.parse(PUBLISH_ONLY_CAPABILITY))));
        if (maxInboundRate != null) config = config.withMaxInboundRate(maxInboundRate);
        if (connectionStateTtlMs != null) config = config.withConnectionStateTtlMs(connectionStateTtlMs);
        if (presenceGraceMs != null) config = config.withPresenceGraceMs(presenceGraceMs);
        if (sandbox) config = config.withSandbox(true);
        config = adjust.apply(config);
        if (database) {
            databaseDir = dev.switchboard.server.database.TestDataDirectories.fresh("extension-db");
            db = dev.switchboard.server.database.EmbeddedDatabase.start(
                    dev.switchboard.server.database.EmbeddedDatabaseSettings.defaults(databaseDir).withSetting("fsync", "off"));
        }
        startServer(config);
    }

    private void startServer(ServerConfig config) {
        dev.switchboard.server.Storage storage = dev.switchboard.server.Storage.NONE;
        if (db != null) {
            store = new dev.switchboard.server.persistence.PgMessageStore(db.endpoint(), Clock.systemUTC());
            storage = new dev.switchboard.server.Storage(store, null);
        }
        server = SwitchboardServer.start(config, Clock.systemUTC(), List.of(), new dev.switchboard.server.rules.RuleFunctions(), storage);
        started = config.port() == 0 ? config.withPort(server.port()) : config;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception first = null;
        while (!perTest.isEmpty()) {
            try {
                perTest.pop().close();
            } catch (Exception e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (server != null) server.close();
            if (store != null) store.close();
            if (db != null) db.close();
        } finally {
            server = null;
            store = null;
            db = null;
            deleteRecursively(dataDir);
            if (databaseDir != null) dev.switchboard.server.database.TestDataDirectories.delete(databaseDir);
        }
    }

    /** Registers something (an SDK client, a socket, a helper server) to be closed after the current test. */
    public <T extends AutoCloseable> T closeAfterEach(T closeable) {
        perTest.push(closeable);
        return closeable;
    }

    public SwitchboardServer server() {
        if (server == null) throw new IllegalStateException("The server is not running (use @RegisterExtension on a static field)");
        return server;
    }

    public int port() { return server().port(); }

    public String host() { return "localhost"; }

    public String httpBase() { return "http://localhost:" + port(); }

    public String wsBase() { return "ws://localhost:" + port() + "/"; }

    public String rootKey() { return server().rootKey().keyString(); }

    /** A channel name no other test uses: tests share one server, never a channel. */
    public static String uniqueChannel(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
