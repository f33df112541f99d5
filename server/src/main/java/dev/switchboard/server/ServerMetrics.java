package dev.switchboard.server;

import dev.switchboard.server.cluster.RedisLink;
import dev.switchboard.server.connection.ClientConnection;
import dev.switchboard.server.metrics.Metrics;
import dev.switchboard.server.protocol.WireFormat;
import io.micrometer.core.instrument.Tags;

/** The server's own gauges: read from its registries at scrape time, nothing counted on the hot paths for them. */
final class ServerMetrics {
    private ServerMetrics() {}

    private static dev.switchboard.server.rules.RuleStats statsOf(dev.switchboard.server.rules.RulesEngine rules, String rule) {
        return rules.snapshot().rule(rule);
    }

    static void register(ServerContext server, RedisLink redis) {
        Metrics m = server.metrics();
        for (String transport : new String[] {"websocket", "comet"}) {
            for (WireFormat format : WireFormat.values()) {
                String formatName = format.name().toLowerCase(java.util.Locale.ROOT);
                m.gauge("switchboard.connections", "Live client connections, by transport and wire format",
                        Tags.of("transport", transport, "format", formatName), server.connections(), connections -> {
                            int n = 0;
                            for (ClientConnection c : connections.all()) {
                                if (c.format() == format && c.transportName().equals(transport)) n++;
                            }
                            return n;
                        });
            }
        }
        m.gauge("switchboard.channels", "Channels in memory on this node", Tags.empty(), server.channels(), c -> c.channelCount());
        m.gauge("switchboard.attachments", "Channel attachments of this node's connections", Tags.empty(), server.channels(),
                c -> c.attachmentCount());
        m.gauge("switchboard.presence.members", "Presence members of the channels in memory on this node", Tags.empty(),
                server.channels(), c -> c.presenceMemberCount());
        for (String rule : server.rules().snapshot().rules().keySet()) {
            Tags tags = Tags.of("rule", rule);
            m.gauge("switchboard.rule.backlog", "Events of the rule waiting for their target", tags, server.rules(),
                    r -> statsOf(r, rule).queued());
            m.counter("switchboard.rule.delivered", "Events the rule's target took", tags, server.rules(), r -> statsOf(r, rule).delivered());
            m.counter("switchboard.rule.retries", "Attempts of the rule that will be tried again", tags, server.rules(),
                    r -> statsOf(r, rule).retried());
            m.counter("switchboard.rule.failed", "Events the rule gave up on (dead letters when there is an outbox)", tags, server.rules(),
                    r -> statsOf(r, rule).failed());
            m.counter("switchboard.rule.refused", "Events the rule's target refused for good", tags, server.rules(),
                    r -> statsOf(r, rule).refused());
            m.counter("switchboard.rule.dead.lettered", "Events the rule set aside as dead letters", tags, server.rules(),
                    r -> statsOf(r, rule).deadLettered());
            m.counter("switchboard.rule.overflowed", "Publishes refused because the rule's backlog was full", tags, server.rules(),
                    r -> statsOf(r, rule).overflowed());
        }
        if (redis != null) {
            m.gauge("switchboard.redis.round.trip.seconds", "The last round trip to Redis", Tags.empty(), redis,
                    r -> r.roundTripMicros() / 1e6);
            m.gauge("switchboard.cluster.nodes", "Nodes alive in the cluster, as this node last read them", Tags.empty(), redis,
                    r -> r.liveNodes().size());
        }
    }
}
