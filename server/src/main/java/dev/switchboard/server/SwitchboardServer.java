package dev.switchboard.server;

import dev.switchboard.server.apps.AppRegistry;
import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.auth.TokenService;
import dev.switchboard.server.channel.ChannelOwnerVerticle;
import dev.switchboard.server.channel.ChannelRules;
import dev.switchboard.server.config.SettingsException;
import dev.switchboard.server.broker.MemoryBroker;
import dev.switchboard.server.broker.MemoryPresenceManager;
import dev.switchboard.server.persistence.MessageStore;
import dev.switchboard.server.channel.ChannelRegistry;
import dev.switchboard.server.config.RootKeyStore;
import dev.switchboard.server.config.ServerConfig;
import dev.switchboard.server.connection.ConnectionRegistry;
import dev.switchboard.server.http.HttpVerticle;
import dev.switchboard.server.limits.AddressRateLimiter;
import dev.switchboard.server.cluster.RedisLink;
import dev.switchboard.server.limits.ConnectionGuard;
import dev.switchboard.server.rules.RuleFunctions;
import dev.switchboard.server.rules.RulesEngine;
import dev.switchboard.server.metrics.Metrics;
import dev.switchboard.server.util.Ids;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The realtime server: REST and WebSocket on one port, channels owned by event loops. Build with
 * {@link #start(ServerConfig, Clock, List)}; stop with {@link #close()}.
 */
public final class SwitchboardServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SwitchboardServer.class);

    private final Vertx vertx;
    private final ServerContext context;
    private final ApiKey rootKey;
    private final int port;
    private final RulesEngine rules;
    private final String httpDeployment;
    private final ConnectionGuard guard;
    private final RedisLink redis;

    private SwitchboardServer(Vertx vertx, ServerContext context, ApiKey rootKey, int port, RulesEngine rules, String httpDeployment,
                              ConnectionGuard guard, RedisLink redis) {
        this.rules = rules;
        this.guard = guard;
        this.redis = redis;
        this.httpDeployment = httpDeployment;
        this.vertx = vertx;
        this.context = context;
        this.rootKey = rootKey;
        this.port = port;
    }

    /** Starts a server and blocks until it accepts connections. {@code extraRoutes} lets other modules add HTTP routes. */
    public static SwitchboardServer start(ServerConfig config, Clock clock, List<Consumer<Router>> extraRoutes) {
        return start(config, clock, extraRoutes, RuleFunctions.discovered());
    }

    /** Starts a server whose integration rules (config file key {@code rules}) can target the given functions. */
    public static SwitchboardServer start(ServerConfig config, Clock clock, List<Consumer<Router>> extraRoutes, RuleFunctions functions) {
        return start(config, clock, extraRoutes, functions, Storage.NONE);
    }

    /**
     * Starts a server whose persisted namespaces (config file key {@code channelRules}) keep their messages in the
     * storage's message store, whose after-publish rules keep their events in its outbox (resuming what it holds) and
     * whose token endpoint remembers used nonces in its nonce store.
     */
    public static SwitchboardServer start(ServerConfig config, Clock clock, List<Consumer<Router>> extraRoutes, RuleFunctions functions,
                                          Storage storage) {
        MessageStore store = storage.messages();
        config = withRootKey(config);
        ApiKey rootKey = ApiKey.parse(config.rootKey(), Capability.ALL);
        AppRegistry apps = new AppRegistry();
        apps.addKey(rootKey);
        for (ApiKey k : config.extraKeys()) apps.addKey(k);

        int eventLoops = Math.max(2, Runtime.getRuntime().availableProcessors());
        Vertx vertx = config.transport().vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
        // Made inside the try; a failed start releases them (the registry's JVM listeners, Redis connections).
        Metrics metrics = null;
        RedisLink redis = null;
        try {
            List<Context> owners = new ArrayList<>();
            await(vertx.deployVerticle(() -> new ChannelOwnerVerticle(owners), new DeploymentOptions().setInstances(eventLoops)));
            int port = config.port() == 0 ? freePort() : config.port();
            ServerConfig bound = config.withPort(port);
            ChannelRegistry channels = new ChannelRegistry(owners, clock, bound.history());
            metrics = new Metrics();
            channels.useMetrics(metrics);
            ChannelRules channelRules = ChannelRules.parse(bound.file());
            channels.useRules(channelRules);
            String nodeId = "sb-" + Ids.random(8);
            redis = bound.cluster().enabled() ? RedisLink.connect(bound, clock, vertx, channels, channelRules, nodeId) : null;
            if (redis == null) {
                // One node: the same seam, in memory. Persisted namespaces keep their own path (commit, then deliver).
                MemoryBroker broker = new MemoryBroker(clock, dev.switchboard.server.broker.Broker.Retention.of(bound.history()));
                channels.shareThrough(new ChannelRegistry.SharedLog(broker, new MemoryPresenceManager(clock), nodeId, false), vertx,
                        Math.max(3_000, bound.presenceGraceMs()));
            }
            if (channelRules.anyPersisted() && store == null) {
                throw new SettingsException("config key 'channelRules': persisted namespaces need a database to keep their messages in");
            }
            // With a database, chat rooms (<room>::$chat) keep their messages there too.
            if (store != null) {
                try {
                    channels.enablePersistence(channelRules, store);
                } catch (Exception e) {
                    throw new IllegalStateException("Persisted channels could not be read back from the message store: " + e.getMessage(), e);
                }
            }
            RulesEngine rules = RulesEngine.fromConfig(vertx, bound.file(), functions, clock);
            if (storage.ruleOutbox() != null) {
                try {
                    rules.useOutbox(storage.ruleOutbox());
                } catch (Exception e) {
                    throw new IllegalStateException("The rules' outbox could not be read: " + e.getMessage(), e);
                }
            }
            channels.setListener(rules);
            channels.setGate(rules);
            // Idle long enough that no client can still resume from the channel's serials.
            channels.startSweeper(vertx, 30_000, Math.max(bound.connectionStateTtlMs(), bound.history().maxAgeMs()) + 60_000);
            // Used TokenRequests are remembered where every node sees them: the database if there is one, else Redis.
            dev.switchboard.server.auth.NonceStore nonces = storage.tokenNonces() != null ? storage.tokenNonces()
                    : redis != null ? redis.nonces() : null;
            TokenService tokens = nonces == null
                    ? new TokenService(apps, clock, bound.tokenTtlMs(), bound.tokenRequestWindowMs())
                    : new TokenService(apps, clock, bound.tokenTtlMs(), bound.tokenRequestWindowMs(), nonces);
            ServerContext context = new ServerContext(vertx, bound, clock, nodeId, apps, tokens, channels,
                    new ConnectionRegistry(vertx, channels), new dev.switchboard.server.health.Health(), rules,
                    new dev.switchboard.server.mutable.MessageOperations(channels, clock), metrics);
            ServerMetrics.register(context, redis);
            if (redis != null) {
                redis.reportTo(context.health());
                context.connections().shareThrough(redis.resumeDirectory(), bound.connectionStateTtlMs(), clock);
            }
            ConnectionGuard guard = new ConnectionGuard(vertx, bound.limits());
            AddressRateLimiter tokenRequests = redis != null ? redis.tokenRequests(bound.limits(), "rest")
                    : AddressRateLimiter.forTokenRequests(clock, bound.limits());
            String http = await(vertx.deployVerticle(() -> new HttpVerticle(context, extraRoutes, guard, tokenRequests), new DeploymentOptions().setInstances(eventLoops)));
            log.info("Switchboard listening on {}:{} ({} event loops, {})", bound.host(), port, eventLoops,
                    config.transport().resolve().name());
            return new SwitchboardServer(vertx, context, rootKey, port, rules, http, guard, redis);
        } catch (RuntimeException e) {
            if (redis != null) closeQuietly(redis::close, "the Redis link");
            vertx.close();
            if (metrics != null) closeQuietly(metrics::close, "the metrics registry");
            throw e;
        }
    }

    private static void closeQuietly(Runnable close, String what) {
        try {
            close.run();
        } catch (RuntimeException e) {
            log.warn("Releasing {} after a failed start: {}", what, e.toString());
        }
    }

    /** The config with its root key set: as given, else the one kept in the data directory (generated once). */
    public static ServerConfig withRootKey(ServerConfig config) {
        if (config.rootKey() != null) return config;
        boolean[] created = new boolean[1];
        String key = RootKeyStore.loadOrCreate(config.dataDir(), created);
        // The name only: a secret never goes to the log.
        if (created[0]) log.info("Generated the root key {} (its secret is in {})", key.substring(0, key.indexOf(':')), config.dataDir().resolve("root-key"));
        return config.withRootKey(key);
    }

    public int port() { return port; }

    public ApiKey rootKey() { return rootKey; }

    public ServerContext context() { return context; }

    public Vertx vertx() { return vertx; }

    /** Components register here what {@code GET /health} reports. */
    public dev.switchboard.server.health.Health health() { return context.health(); }

    /** The integration rules engine (counters via {@code rules().snapshot()}). */
    public RulesEngine rules() { return rules; }

    /**
     * Stops in the order that loses nothing: no new connections or requests first, then the rules drain what they
     * hold (events of an outbox stay there for the next start), then everything else.
     */
    @Override
    public void close() {
        // First no new connections, so the clients told to reconnect below do not reconnect to this server.
        guard.stopAccepting();
        try {
            // Clients reconnect at once (to another node, behind a balancer) instead of noticing the silence later.
            context.connections().disconnectAll("The server is shutting down; reconnect").get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("Telling connections the server is going away: {}", e.toString());
        }
        try {
            await(vertx.undeploy(httpDeployment));
        } catch (RuntimeException e) {
            log.warn("Stopping the HTTP listeners: {}", e.toString());
        }
        rules.close();
        // Before the event loops stop: notices still arriving would be handed to loops that no longer run.
        if (redis != null) redis.close();
        await(vertx.close());
        context.metrics().close();
    }

    /** This node's link to the Redis that several nodes share; null on a single node. */
    public RedisLink redis() { return redis; }

    private static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) throw re;
            throw new IllegalStateException(cause);
        } catch (Exception e) {
            throw new IllegalStateException("Server operation did not finish", e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("No free port", e);
        }
    }
}
