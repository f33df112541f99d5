package dev.switchboard.server.protocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One frame of the realtime protocol. A plain mutable carrier: built, encoded once per wire format, then
 * dropped; absent fields are null and are left out on the wire.
 */
public final class ProtocolMessage {
    public int action;
    public Long flags;
    public String id;
    public Long timestamp;
    public Integer count;
    public ErrorInfo error;
    public String connectionId;
    public String connectionKey;
    public String channel;
    public String channelSerial;
    public Long msgSerial;
    public List<Message> messages;
    public List<PresenceMessage> presence;
    public String accessToken;
    public Map<String, Object> connectionDetails;
    public Map<String, String> params;
    public List<List<String>> res;

    public ProtocolMessage(int action) { this.action = action; }

    public static ProtocolMessage of(int action, String channel) {
        ProtocolMessage pm = new ProtocolMessage(action);
        pm.channel = channel;
        return pm;
    }

    public static ProtocolMessage error(int action, String channel, ErrorInfo error) {
        ProtocolMessage pm = of(action, channel);
        pm.error = error;
        return pm;
    }

    /** A shallow copy with another channel name; the message lists are shared, read-only. */
    public ProtocolMessage copyForChannel(String channelName) {
        ProtocolMessage c = new ProtocolMessage(action);
        c.flags = flags; c.id = id; c.timestamp = timestamp; c.count = count; c.error = error;
        c.connectionId = connectionId; c.connectionKey = connectionKey; c.channel = channelName;
        c.channelSerial = channelSerial; c.msgSerial = msgSerial; c.messages = messages; c.presence = presence;
        c.accessToken = accessToken; c.connectionDetails = connectionDetails; c.params = params; c.res = res;
        return c;
    }

    public boolean hasFlag(int bit) { return flags != null && Flags.has(flags, bit); }

    public byte[] encode(WireFormat format) { return format.writeTree(toTree(format)); }

    public static ProtocolMessage decode(byte[] bytes, WireFormat format) { return fromTree(format.readTree(bytes), format); }

    @SuppressWarnings("unchecked")
    public static ProtocolMessage fromTree(Object tree, WireFormat format) {
        Map<String, Object> m = Trees.mapOrNull(tree);
        if (m == null) throw ErrorCode.BAD_REQUEST.exception("A protocol message must be an object");
        Long action = Trees.longOrNull(m.get("action"));
        if (action == null) throw ErrorCode.BAD_REQUEST.exception("Protocol message has no action");
        ProtocolMessage pm = new ProtocolMessage(action.intValue());
        pm.flags = Trees.longOrNull(m.get("flags"));
        pm.id = Trees.stringOr(m.get("id"), null);
        pm.timestamp = Trees.longOrNull(m.get("timestamp"));
        pm.channel = Trees.stringOr(m.get("channel"), null);
        pm.channelSerial = Trees.stringOr(m.get("channelSerial"), null);
        pm.msgSerial = Trees.longOrNull(m.get("msgSerial"));
        pm.connectionId = Trees.stringOr(m.get("connectionId"), null);
        pm.error = ErrorInfo.fromTree(m.get("error"));
        Object params = m.get("params");
        if (params instanceof Map<?, ?> pmap) {
            pm.params = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : pmap.entrySet()) pm.params.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
        }
        Map<String, Object> auth = Trees.mapOrNull(m.get("auth"));
        if (auth != null) pm.accessToken = Trees.stringOr(auth.get("accessToken"), null);
        Object messages = m.get("messages");
        if (messages != null && pm.action != Action.ANNOTATION) {
            if (!(messages instanceof List<?> list)) throw ErrorCode.BAD_REQUEST.exception("messages must be an array");
            pm.messages = new ArrayList<>(list.size());
            for (Object o : list) pm.messages.add(Message.fromTree(o, format));
        }
        Object annotations = m.get("annotations");
        if (annotations != null && pm.action == Action.ANNOTATION) {
            // Annotations travel in the messages list: the channel logs them with its messages.
            if (!(annotations instanceof List<?> list)) throw ErrorCode.BAD_REQUEST.exception("annotations must be an array");
            pm.messages = new ArrayList<>(list.size());
            for (Object o : list) pm.messages.add(Message.fromAnnotationTree(o, format));
        }
        Object presence = m.get("presence");
        if (presence != null) {
            if (!(presence instanceof List<?> list)) throw ErrorCode.BAD_REQUEST.exception("presence must be an array");
            pm.presence = new ArrayList<>(list.size());
            for (Object o : list) pm.presence.add(PresenceMessage.fromTree(o, format));
        }
        return pm;
    }

    public Map<String, Object> toTree(WireFormat format) {
        Map<String, Object> m = new LinkedHashMap<>(16);
        m.put("action", action);
        if (flags != null) m.put("flags", flags);
        if (id != null) m.put("id", id);
        if (timestamp != null) m.put("timestamp", timestamp);
        if (count != null) m.put("count", count);
        if (error != null) m.put("error", error.toTree());
        if (connectionId != null) m.put("connectionId", connectionId);
        if (connectionKey != null) m.put("connectionKey", connectionKey);
        if (channel != null) m.put("channel", channel);
        if (channelSerial != null) m.put("channelSerial", channelSerial);
        if (msgSerial != null) m.put("msgSerial", msgSerial);
        if (messages != null && action == Action.ANNOTATION) {
            List<Object> list = new ArrayList<>(messages.size());
            for (Message msg : messages) list.add(msg.isAnnotation() ? msg.toAnnotationTree(format) : msg.toTree(format));
            m.put("annotations", list);
        } else if (messages != null) {
            List<Object> list = new ArrayList<>(messages.size());
            for (Message msg : messages) list.add(msg.toTree(format));
            m.put("messages", list);
        }
        if (presence != null) {
            List<Object> list = new ArrayList<>(presence.size());
            for (PresenceMessage p : presence) list.add(p.toTree(format));
            m.put("presence", list);
        }
        if (accessToken != null) m.put("auth", Map.of("accessToken", accessToken));
        if (connectionDetails != null) m.put("connectionDetails", connectionDetails);
        if (params != null) m.put("params", params);
        if (res != null) {
            List<Object> list = new ArrayList<>(res.size());
            for (List<String> serials : res) list.add(Map.of("serials", serials));
            m.put("res", list);
        }
        return m;
    }

    @Override
    public String toString() { return new String(encode(WireFormat.JSON)); }
}
