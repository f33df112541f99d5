package dev.switchboard.server.cdc.mapping;

import dev.switchboard.server.cdc.config.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers "where does a change of this operation on this table go?". Several mappings for the
 * same (table, operation) add up; the result keeps config order, which makes message ids stable.
 */
public final class ChangeMapper {

    /** One destination of a change: a channel and the message name to publish under. */
    public record Target(String channel, String messageName) {
    }

    private record Key(String schema, String table, Operation operation) {
    }

    private final Map<Key, List<Target>> targets = new HashMap<>();

    public ChangeMapper(List<Route> routes) {
        for (Route route : routes) {
            List<Target> list = targets.computeIfAbsent(new Key(route.schema(), route.table(), route.operation()), k -> new ArrayList<>());
            for (String channel : route.channels()) {
                Target target = new Target(channel, route.messageName());
                if (!list.contains(target)) {
                    list.add(target);
                }
            }
        }
    }

    /** Empty when the change is not mapped. */
    public List<Target> targets(String schema, String table, Operation operation) {
        return targets.getOrDefault(new Key(schema, table, operation), List.of());
    }
}
