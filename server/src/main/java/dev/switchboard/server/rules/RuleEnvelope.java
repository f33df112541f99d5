package dev.switchboard.server.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.PresenceMessage;
import dev.switchboard.server.protocol.WireFormat;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One event as a rule delivers it: the messages (or presence events) one publish put on one channel.
 * Exactly one of {@code messages} and {@code presence} is non-empty, according to {@code source}.
 *
 * <p>JSON form ({@link #toJson(boolean)}), enveloped:
 * <pre>{"source":"channel.message","appId":"app1","channel":"orders:1","ruleId":"hook",
 *  "messages":[{"id":"...","clientId":"...","connectionId":"...","timestamp":1700000000000,"name":"n","data":"{\"a\":1}","encoding":"json"}]}</pre>
 * presence events go in {@code "presence"} with a numeric {@code action} (1 present, 2 enter, 3 leave, 4 update).
 * Not enveloped, the body is the bare array of items. {@code data} is the text as published (JSON text stays a
 * string); binary data is base64 text with {@code base64} appended to {@code encoding}. Absent fields are left out.
 */
public record RuleEnvelope(String source, String appId, String channel, String ruleId,
                           List<MessageItem> messages, List<PresenceItem> presence) {

    public RuleEnvelope {
        messages = List.copyOf(messages);
        presence = List.copyOf(presence);
    }

    /** A message as the envelope carries it. */
    public record MessageItem(String id, String clientId, String connectionId, Long timestamp, String name,
                              String data, String encoding, Object extras) {}

    /** A presence event as the envelope carries it. */
    public record PresenceItem(String id, int action, String clientId, String connectionId, Long timestamp,
                               String data, String encoding) {}

    static RuleEnvelope ofMessages(String appId, String channel, String ruleId, List<Message> messages) {
        List<MessageItem> items = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Payload p = m.payload();
            items.add(new MessageItem(m.id(), m.clientId(), m.connectionId(), m.timestamp(), m.name(),
                    (String) p.wireData(WireFormat.JSON), p.wireEncoding(WireFormat.JSON), m.extras()));
        }
        return new RuleEnvelope(RuleSource.CHANNEL_MESSAGE.wireName(), appId, channel, ruleId, items, List.of());
    }

    static RuleEnvelope ofPresence(String appId, String channel, String ruleId, List<PresenceMessage> events) {
        List<PresenceItem> items = new ArrayList<>(events.size());
        for (PresenceMessage m : events) {
            Payload p = m.payload();
            items.add(new PresenceItem(m.id(), m.action(), m.clientId(), m.connectionId(), m.timestamp(),
                    (String) p.wireData(WireFormat.JSON), p.wireEncoding(WireFormat.JSON)));
        }
        return new RuleEnvelope(RuleSource.CHANNEL_PRESENCE.wireName(), appId, channel, ruleId, List.of(), items);
    }

    /** The ids of the items, for logs. */
    public List<String> ids() {
        List<String> ids = new ArrayList<>(messages.size() + presence.size());
        for (MessageItem m : messages) ids.add(m.id());
        for (PresenceItem m : presence) ids.add(m.id());
        return ids;
    }

    /** The {@code data} of a message item decoded to bytes when it was binary (encoding ends in base64), else UTF-8 of the text. */
    public static byte[] dataBytes(MessageItem item) {
        if (item.data() == null) return null;
        String enc = item.encoding();
        if (enc != null && (enc.equals("base64") || enc.endsWith("/base64"))) return Base64.getDecoder().decode(item.data());
        return item.data().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The JSON body: the envelope, or when {@code enveloped} is false the bare array of items. */
    public byte[] toJson(boolean enveloped) {
        var mapper = WireFormat.jsonMapper();
        ArrayNode items = mapper.createArrayNode();
        for (MessageItem m : messages) {
            ObjectNode o = items.addObject();
            putIfSet(o, "id", m.id());
            putIfSet(o, "clientId", m.clientId());
            putIfSet(o, "connectionId", m.connectionId());
            if (m.timestamp() != null) o.put("timestamp", m.timestamp());
            putIfSet(o, "name", m.name());
            putIfSet(o, "data", m.data());
            putIfSet(o, "encoding", m.encoding());
            if (m.extras() != null) o.set("extras", mapper.valueToTree(m.extras()));
        }
        for (PresenceItem m : presence) {
            ObjectNode o = items.addObject();
            putIfSet(o, "id", m.id());
            o.put("action", m.action());
            putIfSet(o, "clientId", m.clientId());
            putIfSet(o, "connectionId", m.connectionId());
            if (m.timestamp() != null) o.put("timestamp", m.timestamp());
            putIfSet(o, "data", m.data());
            putIfSet(o, "encoding", m.encoding());
        }
        try {
            if (!enveloped) return mapper.writeValueAsBytes(items);
            ObjectNode env = mapper.createObjectNode();
            env.put("source", source);
            env.put("appId", appId);
            env.put("channel", channel);
            env.put("ruleId", ruleId);
            env.set(presence.isEmpty() ? "messages" : "presence", items);
            return mapper.writeValueAsBytes(env);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialise a rule envelope", e);
        }
    }

    private static void putIfSet(ObjectNode o, String field, String value) {
        if (value != null) o.put(field, value);
    }
}
