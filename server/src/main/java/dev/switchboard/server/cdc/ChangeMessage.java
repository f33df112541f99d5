package dev.switchboard.server.cdc;

import java.util.Objects;

/**
 * A message for the realtime layer: publish {@code data} under {@code name} on {@code channel}.
 *
 * @param channel channel name from the mapping, e.g. {@code incoming-chat}
 * @param id      deterministic id {@code <slot>:<commitLsn>:<changeIndex>:<targetIndex>}; a change
 *                replayed after a crash gets the same id, so the sink can drop the repeat
 * @param name    message name from the mapping (default {@code db-change})
 * @param data    JSON text {@code {"table":..,"type":..,"row":{..},..}}, sent as a string like the
 *                original connector did (subscribers {@code JSON.parse} it)
 */
public record ChangeMessage(String channel, String id, String name, String data) {

    public ChangeMessage {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
    }
}
