package dev.switchboard.server.channel;

import dev.switchboard.server.broker.Broker;
import dev.switchboard.server.broker.ChannelKey;
import dev.switchboard.server.broker.PresenceManager;
import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.PresenceMessage;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.WireFormat;

import java.util.List;

/**
 * A channel's tie to the log it shares with other nodes: the broker that orders, stores and announces its events, the
 * presence manager that holds its members, and the encoding of one event as a broker entry (a MessagePack protocol
 * message with one message or one presence change, so both kinds share one order and one serial sequence).
 */
public record BrokerLink(Broker broker, PresenceManager presence, ChannelKey key, String nodeId, java.time.Clock clock) {

    static byte[] encode(Message m) {
        java.util.Map<String, Object> event = new java.util.LinkedHashMap<>(4);
        event.put("action", Action.MESSAGE);
        event.put("messages", List.of(m.toStoredTree(WireFormat.MSGPACK)));
        return WireFormat.MSGPACK.writeTree(event);
    }

    static byte[] encode(PresenceMessage p) {
        ProtocolMessage pm = ProtocolMessage.of(Action.PRESENCE, null);
        pm.presence = List.of(p);
        return pm.encode(WireFormat.MSGPACK);
    }

    /** An entry's event: a message or a presence change, as stored (without its serial). */
    static ProtocolMessage decode(byte[] payload) { return ProtocolMessage.decode(payload, WireFormat.MSGPACK); }

    /** The message entry {@code e} holds, with {@code serial} (null: none) and the entry's time if it had none; null for a presence change. */
    public static Message messageOf(Broker.Entry e, String serial) {
        ProtocolMessage event = decode(e.payload());
        return event.action == Action.MESSAGE ? stamped(event.messages.get(0), e, serial) : null;
    }

    /** The presence change entry {@code e} holds, with the entry's time if it had none; null for a message. */
    public static PresenceMessage presenceOf(Broker.Entry e) {
        ProtocolMessage event = decode(e.payload());
        if (event.action != Action.PRESENCE) return null;
        PresenceMessage p = event.presence.get(0);
        return p.timestamp() != null ? p : p.with(p.id(), p.action(), p.clientId(), p.connectionId(), e.timestamp());
    }

    /** {@code m} as entry {@code e} of the log holds it: with {@code serial}, and the entry's time if it had none. */
    static Message stamped(Message m, Broker.Entry e, String serial) {
        return m.accepted(m.id(), m.clientId(), m.connectionId(), m.timestamp() == null ? e.timestamp() : m.timestamp(), serial);
    }
}
