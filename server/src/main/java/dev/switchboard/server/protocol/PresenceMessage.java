package dev.switchboard.server.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/** A presence event or member. Actions: 0 ABSENT, 1 PRESENT, 2 ENTER, 3 LEAVE, 4 UPDATE. */
public record PresenceMessage(String id, int action, String clientId, String connectionId, Long timestamp,
                              Payload payload, Object extras) {

    public static final int ABSENT = 0;
    public static final int PRESENT = 1;
    public static final int ENTER = 2;
    public static final int LEAVE = 3;
    public static final int UPDATE = 4;

    public static PresenceMessage fromTree(Object tree, WireFormat format) {
        Map<String, Object> m = Trees.mapOrNull(tree);
        if (m == null) throw ErrorCode.BAD_REQUEST.exception("A presence message must be an object");
        int action = Trees.intOr(m.get("action"), -1);
        if (action < ABSENT || action > UPDATE) throw ErrorCode.BAD_REQUEST.exception("Invalid presence action " + m.get("action"));
        Object encoding = m.get("encoding");
        if (encoding != null && !(encoding instanceof String)) throw ErrorCode.INVALID_MESSAGE_DATA.exception("encoding must be a string");
        Object clientId = m.get("clientId");
        if (clientId != null && !(clientId instanceof String)) throw ErrorCode.INVALID_CLIENT_ID.exception("clientId must be a string");
        Message.requireShallowExtras(m.get("extras"));
        return new PresenceMessage(Trees.stringOr(m.get("id"), null), action, (String) clientId,
                Trees.stringOr(m.get("connectionId"), null), Trees.longOrNull(m.get("timestamp")),
                Payload.fromWire(m.get("data"), (String) encoding, format), m.get("extras"));
    }

    public Map<String, Object> toTree(WireFormat format) {
        Map<String, Object> m = new LinkedHashMap<>(10);
        if (id != null) m.put("id", id);
        m.put("action", action);
        if (clientId != null) m.put("clientId", clientId);
        if (connectionId != null) m.put("connectionId", connectionId);
        if (timestamp != null) m.put("timestamp", timestamp);
        payload.writeTo(m, format);
        if (extras != null) m.put("extras", extras);
        return m;
    }

    /** Bytes counted towards the maximum message size: clientId, data and extras. */
    public int size() { return Payload.utf8Length(clientId) + payload.size() + Payload.jsonLength(extras); }

    public PresenceMessage with(String newId, int newAction, String newClientId, String newConnectionId, long newTimestamp) {
        return new PresenceMessage(newId, newAction, newClientId, newConnectionId, newTimestamp, payload, extras);
    }
}
