package dev.switchboard.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.chat.ChatChannels;
import dev.switchboard.chat.ChatPersistence;
import dev.switchboard.chat.ChatRoutes;
import dev.switchboard.chat.ChatStore;
import dev.switchboard.chat.ClientIdCookie;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.metrics.Metrics;
import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Hmac;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.auth.PgNonceStore;
import dev.switchboard.server.cdc.ChangeConnector;
import dev.switchboard.server.channel.ChannelRules;
import dev.switchboard.server.persistence.PgMessageStore;
import dev.switchboard.server.Storage;
import dev.switchboard.server.rules.Invocation;
import dev.switchboard.server.config.NodeIdStore;
import dev.switchboard.server.rules.PgRuleOutbox;
import dev.switchboard.server.rules.RuleSource;
import dev.switchboard.server.rules.RulesConfig;
import dev.switchboard.server.cdc.ConnectorStatus;
import dev.switchboard.server.cdc.config.ConnectorConfig;
import dev.switchboard.server.cdc.config.ConnectorConfigLoader;
import dev.switchboard.server.config.ServerConfig;
import dev.switchboard.server.database.DatabaseEndpoint;
import dev.switchboard.server.database.DatabaseProbe;
import dev.switchboard.server.database.DatabaseUrl;
import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.broker.RedisSupport;
import dev.switchboard.server.cluster.RedisLink;
import dev.switchboard.server.config.Settings;
import dev.switchboard.server.limits.AddressRateLimiter;
import dev.switchboard.server.config.SettingsException;
import dev.switchboard.server.http.Responder;
import dev.switchboard.server.http.RestAuth;
import dev.switchboard.server.protocol.WireFormat;
import dev.switchboard.server.rules.RuleFunctions;
import io.vertx.ext.web.Router;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The composition root: database (embedded unless a URL is given), the chat's schema, function and routes,
 * the realtime server with its rules, and the change connector publishing table changes to channels.
 * Closing stops them in reverse order.
 */
public final class SwitchboardApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SwitchboardApp.class);

    /**
     * The chat's default connector mapping, in the original connector's format. A row removed from the table (by an
     * operator: the chat itself only marks deleted rows) goes out as a DELETE, so pages drop it.
     */
    static final String DEFAULT_CONNECTOR = "{\"connector\":["
            + "{\"tablename\":\"chat_data\",\"ablychannelname\":\"" + ChatChannels.INCOMING + "\",\"operation\":\"INSERT\"},"
            + "{\"tablename\":\"chat_data\",\"ablychannelname\":\"" + ChatChannels.INCOMING + "\",\"operation\":\"UPDATE\"},"
            + "{\"tablename\":\"chat_data\",\"ablychannelname\":\"" + ChatChannels.INCOMING + "\",\"operation\":\"DELETE\"}]}";

    /** A chat publisher waits at most this long for its row; the pool's connection wait is shorter, so a dead database NACKs first. */
    static final long CHAT_RULE_TIMEOUT_MS = 2_000;
    /** How long incoming-chat's row events are kept by default (the rows themselves stay in chat_data). */
    static final String INCOMING_CHAT_RETENTION = "1d";
    private static final long DATABASE_CONNECT_TIMEOUT_MS = 1_000;

    private final List<AutoCloseable> started = new ArrayList<>();
    private SwitchboardServer server;
    private volatile ChangeConnector connector;
    private ChatPersistence chat;
    private DatabaseEndpoint database;
    private EmbeddedDatabase embedded;
    private PgRuleOutbox ruleOutbox;
    private ConnectorConfig connectorConfig;
    private ChannelChangeSink changeSink;
    private final AtomicReference<ChangeConnector> connectorRef = new AtomicReference<>();

    private SwitchboardApp() {}

    public static SwitchboardApp start(ServerConfig serverConfig, AppSettings.Values settings, Map<String, String> env, Clock clock) {
        SwitchboardApp app = new SwitchboardApp();
        try {
            app.boot(serverConfig, settings, env, clock);
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    private void boot(ServerConfig serverConfig, AppSettings.Values settings, Map<String, String> env, Clock clock) {
        ServerConfig config = SwitchboardServer.withRootKey(serverConfig);
        ApiKey rootKey = ApiKey.parse(config.rootKey(), Capability.ALL);
        // Read before anything starts: a malformed connector file stops start-up before the server listens.
        ConnectorConfig connectorSettings = connectorConfig(settings, env);
        if (connectorSettings != null) connectorSettings.ablyApiKey().ifPresent(k -> log.warn("The connector config's ably.apiKey is not used: the connector runs "
                + "inside Switchboard and publishes as the app itself"));
        database = settings.databaseUrl().isEmpty() ? startEmbedded(config.dataDir(), settings.embeddedDatabasePort()) : DatabaseUrl.parse(settings.databaseUrl());
        DatabaseProbe probe = new DatabaseProbe(database);
        started.add(probe);

        List<Consumer<Router>> routes = new ArrayList<>();
        RuleFunctions functions = RuleFunctions.discovered();
        JsonNode file = config.file();
        for (String key : unknownKeys(file)) {
            log.warn("Config file key '{}' is not used by Switchboard (a typo?); the keys it reads are listed by --help and in the README", key);
        }
        // For operators (a key with every capability); on a worker: the dead-letter counts are a database query.
        routes.add(router -> router.get("/status").handler(ctx -> {
            try {
                RestAuth.requireUnrestrictedKey(ctx, server.context().tokens());
            } catch (RuntimeException e) {
                Responder.error(ctx, e);
                return;
            }
            Responder.whenDone(ctx, ctx.vertx().executeBlocking(() -> status(connectorRef.get()), false).toCompletionStage(),
                    body -> Responder.ok(ctx, 200, body));
        }));
        routes.add(SwitchboardApp::consoleRoutes);
        if (settings.chat()) {
            HikariDataSource pool = pool(database);
            started.add(pool);
            dev.switchboard.chat.ChatSchema.migrate(pool);
            ChatStore store = new ChatStore(pool);
            chat = new ChatPersistence(store, clock);
            functions.register(ChatPersistence.NAME, chat);
            AddressRateLimiter chatTokens = AddressRateLimiter.forTokenRequests(clock, config.limits());
            if (config.cluster().enabled()) {
                // One budget per address across the nodes, counted in the Redis they share.
                RedisSupport.Clients redis = RedisSupport.Clients.connect(RedisLink.redisConfig(config.cluster()));
                started.add(redis);
                chatTokens = AddressRateLimiter.forTokenRequests(redis, clock, config.limits(), "chat");
                started.add(chatTokens.limiter());
            }
            routes.add(new ChatRoutes(rootKey, store, new ClientIdCookie(Hmac.sha256(rootKey.secret(), "chat-client-id-cookie")), clock,
                    config.limits(), chatTokens));
            file = withChatRule(file);
            file = withPersistedIncomingChat(file);
        }
        ChannelRules channelRules = ChannelRules.parse(file);
        // Persisted namespaces and chat rooms keep their messages in the app's database.
        PgMessageStore store = new PgMessageStore(database, clock);
        started.add(store);
        store.expireEvery(java.time.Duration.ofHours(1), channelRules.maxRetentionMs());
        PgRuleOutbox outbox = null;
        if (RulesConfig.parse(file, null).stream().anyMatch(r -> r.invocation() == Invocation.AFTER_PUBLISH && r.source() == RuleSource.CHANNEL_MESSAGE)) {
            try {
                // A stable id: restarted, this node resumes its own events at once and in order.
                outbox = new PgRuleOutbox(database, clock, NodeIdStore.loadOrCreate(config.dataDir()), PgRuleOutbox.DEFAULT_LEASE);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("The rules' outbox could not be opened: " + e.getMessage(), e);
            }
            started.add(outbox);
            ruleOutbox = outbox;
        }
        // Always on the database: a TokenRequest used before a restart must stay used after it.
        PgNonceStore tokenNonces = new PgNonceStore(database, clock);
        started.add(tokenNonces);
        server = SwitchboardServer.start(config.withFile(file), clock, routes, functions, new Storage(store, outbox, tokenNonces));
        started.add(server);
        EmbeddedDatabase supervised = embedded;
        server.health().register("database", () -> supervised != null && supervised.problem().isPresent() ? supervised.problem() : probe.problem());
        Metrics metrics = server.context().metrics();
        store.reportCommitsTo(metrics::committed);
        if (outbox != null) AppMetrics.deadLetters(metrics, server.rules().snapshot().rules().keySet(), this::deadLetterCounts, clock);
        if (chat != null) AppMetrics.chat(metrics, chat);

        connectorConfig = connectorSettings;
        if (connectorConfig != null) {
            changeSink = new ChannelChangeSink(server.context().channels(), rootKey.appId(), metrics);
            startConnector();
            AppMetrics.connector(metrics, connectorRef::get);
            server.health().register("connector", this::connectorProblem);
        }
        if (settings.chat()) {
            started.add(new ChatStatusPublisher(server.vertx(), server.health(), server.context().channels(), rootKey.appId(), clock).start());
        }
    }

    /**
     * The operators' web console (built with the chat's web app, under {@code web/console} and {@code web/assets} on the
     * classpath), served whether the chat is on or not; it signs in with a key and reads the guarded endpoints.
     */
    private static void consoleRoutes(io.vertx.ext.web.Router router) {
        // Exactly "/console" (the route alone would also match "/console/"): relative asset paths need the slash.
        router.getWithRegex("^/console$").handler(ctx -> ctx.redirect("/console/"));
        router.get("/console/*").handler(io.vertx.ext.web.handler.StaticHandler.create("web/console").setIndexPage("index.html"));
        router.get("/assets/*").handler(io.vertx.ext.web.handler.StaticHandler.create("web/assets"));
    }

    private void startConnector() {
        connector = new ChangeConnector(connectorConfig, database, changeSink);
        connectorRef.set(connector);
        connector.start();
        started.add(connector);
    }

    /**
     * Stops the change connector (if still running) and starts a new one on the same slot, which resumes from
     * the slot's confirmed position: what an operator's restart does, without restarting the process.
     */
    public synchronized ChangeConnector restartConnector() {
        if (connector == null) throw new IllegalStateException("this app runs no change connector");
        connector.close();
        started.remove(connector);
        startConnector();
        return connector;
    }

    /** Streaming, or waiting for another node that holds the connector's lock, is healthy; anything else is named. */
    private java.util.Optional<String> connectorProblem() {
        ChangeConnector c = connectorRef.get();
        if (c == null) return java.util.Optional.empty();
        ConnectorStatus s = c.status();
        return switch (s.state()) {
            case STREAMING, STANDBY -> java.util.Optional.empty();
            default -> java.util.Optional.of("change connector " + s.state().name().toLowerCase(java.util.Locale.ROOT)
                    + s.lastError().map(e -> ": " + e).orElse(""));
        };
    }

    private DatabaseEndpoint startEmbedded(Path dataDir, int port) {
        try {
            EmbeddedDatabaseSettings s = EmbeddedDatabaseSettings.defaults(dataDir.resolve("postgres"));
            embedded = EmbeddedDatabase.start(port == 0 ? s : s.withPort(port));
            started.add(embedded);
            log.info("Embedded PostgreSQL running with data in {}", dataDir.resolve("postgres"));
            return embedded.endpoint();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("The embedded PostgreSQL did not start: " + e.getMessage(), e);
        }
    }

    private static HikariDataSource pool(DatabaseEndpoint endpoint) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(endpoint.jdbcUrl());
        hc.setUsername(endpoint.user());
        hc.setPassword(endpoint.password());
        hc.setMaximumPoolSize(8);
        hc.setPoolName("switchboard-chat");
        // A database that is down must fail a publish within about a second, not hang it for Hikari's default 30 s.
        hc.setConnectionTimeout(DATABASE_CONNECT_TIMEOUT_MS);
        hc.setInitializationFailTimeout(10_000);
        hc.addDataSourceProperty("connectTimeout", "1");
        hc.addDataSourceProperty("socketTimeout", "5");
        return new HikariDataSource(hc);
    }

    /**
     * The connector's config: the named file, else the original's environment form, each with the chat's own mappings
     * added when the chat is on; else the chat's mappings alone.
     */
    private static ConnectorConfig connectorConfig(AppSettings.Values settings, Map<String, String> env) {
        ConnectorConfig configured = null;
        if (!settings.connectorConfig().isEmpty()) configured = ConnectorConfigLoader.fromFile(Path.of(settings.connectorConfig()));
        else if (env.containsKey("ABLY_CONNECTOR")) configured = ConnectorConfigLoader.fromEnvironment(env);
        if (configured == null) return settings.chat() ? ConnectorConfigLoader.fromJson(DEFAULT_CONNECTOR) : null;
        return settings.chat() ? withChatMappings(configured) : configured;
    }

    /**
     * {@code configured} with the chat's mappings ({@code chat_data} → {@code incoming-chat}) added, as logged; before,
     * a connector config silently replaced them and the chat's messages stopped arriving. Left as it is, and said so,
     * when it maps {@code chat_data} itself or watches another database ({@code dbConfig}).
     */
    static ConnectorConfig withChatMappings(ConnectorConfig configured) {
        if (configured.database().isPresent()) {
            log.info("The connector watches the database at {} (dbConfig), not the app's: the chat's own chat_data mappings are not added",
                    configured.database().get().host());
            return configured;
        }
        ConnectorConfig chat = ConnectorConfigLoader.fromJson(DEFAULT_CONNECTOR);
        boolean mapsChatTable = configured.mappings().stream().anyMatch(m -> chat.mappings().get(0).table().equals(m.table()));
        if (mapsChatTable) {
            log.info("The connector config maps chat_data itself: its mappings take the place of the chat's own");
            return configured;
        }
        List<dev.switchboard.server.cdc.config.TableMapping> merged = new ArrayList<>(configured.mappings());
        merged.addAll(chat.mappings());
        log.info("The chat's own mappings (chat_data -> {}) are added to the connector config's {} mapping(s)", ChatChannels.INCOMING,
                configured.mappings().size());
        return new ConnectorConfig(configured.database(), merged, configured.slotName(), configured.publicationName(), configured.ablyApiKey());
    }

    /**
     * The config file with {@code incoming-chat} persisted (unless its own channelRules say otherwise): the connector's
     * ids are then remembered across restarts, so a replay after a crash is dropped as a repeat, and the chat's row
     * events can be read back from history.
     */
    private static JsonNode withPersistedIncomingChat(JsonNode file) {
        ChannelRules configured = ChannelRules.parse(file);
        if (configured.rules().stream().anyMatch(r -> r.namespace().equals(ChatChannels.INCOMING))) return file;
        ObjectNode copy = file.isObject() ? ((ObjectNode) file).deepCopy() : WireFormat.jsonMapper().createObjectNode();
        ArrayNode rules = copy.has("channelRules") ? (ArrayNode) copy.get("channelRules") : copy.putArray("channelRules");
        rules.addObject().put("namespace", ChatChannels.INCOMING).put("persisted", true).put("retention", INCOMING_CHAT_RETENTION);
        return copy;
    }

    /**
     * The config file with the rule that sends the chat's outgoing messages to its persistence function before they
     * are accepted: a chat message is ACKed only once its row is committed.
     */
    /** Top-level config-file sections read besides the settings (which --help lists). */
    private static final java.util.Set<String> SECTIONS = java.util.Set.of("keys", "rules", "channelRules", "chatRooms");

    /** The config file's top-level keys that nothing reads (before: silently ignored). */
    static List<String> unknownKeys(JsonNode file) {
        java.util.Set<String> known = new java.util.HashSet<>(SECTIONS);
        for (var setting : dev.switchboard.server.config.Settings.ALL) known.add(setting.fileKey());
        for (var setting : AppSettings.ALL) known.add(setting.fileKey());
        List<String> unknown = new ArrayList<>();
        if (file != null && file.isObject()) file.fieldNames().forEachRemaining(k -> { if (!known.contains(k)) unknown.add(k); });
        return unknown;
    }

    /** The id of the chat's own rule; a configured rule with this id takes its place. */
    static final String CHAT_RULE_ID = "chat-persistence";

    /**
     * The config with the chat's own persistence rule added to the configured {@code rules} (before: giving any rules
     * silently dropped it, and the chat stopped saving). A configured rule with the same id replaces it, as logged.
     */
    static JsonNode withChatRule(JsonNode file) {
        ObjectNode copy = file.isObject() ? ((ObjectNode) file).deepCopy() : WireFormat.jsonMapper().createObjectNode();
        JsonNode configured = copy.get("rules");
        if (configured != null && !configured.isArray()) return copy; // the rules' own parsing names the problem
        ArrayNode rules = configured == null ? copy.putArray("rules") : (ArrayNode) configured;
        for (JsonNode r : rules) {
            if (CHAT_RULE_ID.equals(r.path("id").asText(null))) {
                log.info("The config's rule '{}' replaces the chat's own persistence rule", CHAT_RULE_ID);
                return copy;
            }
        }
        if (!rules.isEmpty()) log.info("The chat's own persistence rule '{}' is added to the {} configured rule(s)", CHAT_RULE_ID, rules.size());
        ObjectNode rule = rules.addObject();
        rule.put("id", CHAT_RULE_ID);
        rule.put("channelFilter", "^" + ChatChannels.OUTGOING + "$");
        rule.put("source", "channel.message");
        rule.put("invocation", "beforePublish");
        rule.put("enveloped", true);
        rule.putObject("target").put("type", "function").put("name", ChatPersistence.NAME).put("timeoutMs", CHAT_RULE_TIMEOUT_MS);
        return copy;
    }

    private Map<String, Object> status(ChangeConnector c) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("connections", server == null ? 0 : server.context().connections().size());
        if (server != null) body.put("node", server.context().serverId());
        if (server != null && server.redis() != null) {
            Map<String, Object> redis = new LinkedHashMap<>();
            redis.put("roundTripMicros", server.redis().roundTripMicros());
            redis.put("liveNodes", server.redis().liveNodes());
            body.put("redis", redis);
        }
        if (c != null) {
            ConnectorStatus s = c.status();
            Map<String, Object> cdc = new LinkedHashMap<>();
            cdc.put("state", s.state().name());
            cdc.put("slot", s.slotName());
            cdc.put("confirmedLsn", s.confirmedLsn().toString());
            cdc.put("lagBytes", s.lagBytes());
            cdc.put("lagMillis", s.lagMillis());
            cdc.put("changesPublished", s.changesPublished());
            s.lastError().ifPresent(e -> cdc.put("lastError", e));
            body.put("connector", cdc);
        }
        if (server != null) {
            Map<String, Object> rules = new LinkedHashMap<>();
            Map<String, Long> deadLetters = deadLetterCounts();
            server.rules().snapshot().rules().forEach((id, s) -> {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("delivered", s.delivered());
                r.put("retried", s.retried());
                r.put("failed", s.failed());
                r.put("refused", s.refused());
                r.put("overflowed", s.overflowed());
                r.put("queued", s.queued());
                if (deadLetters != null) r.put("deadLetters", deadLetters.getOrDefault(id, 0L));
                rules.put(id, r);
            });
            body.put("rules", rules);
        }
        if (chat != null) {
            body.put("chat", Map.of("inserted", chat.inserted(), "edited", chat.edited(), "rejected", chat.rejected(),
                    "refusedEdits", chat.refusedEdits()));
        }
        return body;
    }

    /** Dead letters per rule (null without an outbox or when the database does not answer). Blocking: /status runs on a worker. */
    private Map<String, Long> deadLetterCounts() {
        if (ruleOutbox == null) return null;
        try {
            return ruleOutbox.deadLetterCounts();
        } catch (java.sql.SQLException e) {
            return null;
        }
    }

    public SwitchboardServer server() { return server; }

    public ChangeConnector connector() { return connector; }

    public ChatPersistence chat() { return chat; }

    public DatabaseEndpoint database() { return database; }

    /** The embedded database, or null when an external one is configured. */
    public EmbeddedDatabase embeddedDatabase() { return embedded; }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                log.warn("Error while stopping {}: {}", started.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        started.clear();
    }
}
