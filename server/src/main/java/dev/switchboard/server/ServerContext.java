package dev.switchboard.server;

import dev.switchboard.server.health.Health;
import dev.switchboard.server.rules.RulesEngine;
import dev.switchboard.server.apps.AppRegistry;
import dev.switchboard.server.auth.TokenService;
import dev.switchboard.server.channel.ChannelRegistry;
import dev.switchboard.server.config.ServerConfig;
import dev.switchboard.server.connection.ConnectionRegistry;
import io.vertx.core.Vertx;

import java.time.Clock;

/** The shared services every edge handler (WebSocket, REST) works with. All are thread-safe. */
public record ServerContext(Vertx vertx, ServerConfig config, Clock clock, String serverId, AppRegistry apps,
                            TokenService tokens, ChannelRegistry channels, ConnectionRegistry connections, Health health, RulesEngine rules,
                            dev.switchboard.server.mutable.MessageOperations operations, dev.switchboard.server.metrics.Metrics metrics) {

    /**
     * Messages a client published (over a connection or REST) arrived: counted once for the app's stats
     * ({@code GET /stats}, by transport) and once for the metrics (by source).
     */
    public void recordInbound(String appId, dev.switchboard.server.metrics.Metrics.Source source, int messages, long bytes) {
        apps.getOrCreate(appId).stats().recordInbound(clock.millis(), source.tag(), messages, bytes);
        metrics.accepted(source, messages, bytes);
    }
}
