package dev.switchboard.server.rooms;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.switchboard.server.channel.ChannelRules;
import dev.switchboard.server.channel.ChannelSerial;
import dev.switchboard.server.mutable.AnnotationSummary;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Mutation;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.WireFormat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ably Chat messages as a room's channel ({@code <room>::$chat}) carries them, and as the Chat REST API (v4) shows
 * them. On the channel a chat message is named {@code chat.message}, its data the JSON {@code {text, metadata}}, its
 * {@code extras.headers} the headers; edits and deletes are updates and deletes of it (a delete empties it).
 */
public final class RoomMessages {
    private RoomMessages() {}

    public static final String MESSAGE_NAME = "chat.message";
    /** The chat names of the reaction types, and their annotation types. */
    public static final List<String> REACTION_TYPES = List.of("unique", "distinct", "multiple");

    public static String channelOf(String room) { return room + ChannelRules.ROOM_SUFFIX; }

    /** A new chat message (id null: the server gives one). */
    public static Message create(String id, String text, Map<String, Object> metadata, Map<String, Object> headers, String clientId) {
        return new Message(id, MESSAGE_NAME, clientId, null, null, data(text, metadata), extras(headers), null);
    }

    /** An edit of the message {@code serial}: text, metadata and headers replaced (left out: emptied), with why. */
    public static Message update(String serial, String text, Map<String, Object> metadata, Map<String, Object> headers,
                                 Map<String, Object> version) {
        return new Message(null, null, null, null, null, data(text, metadata), extras(headers), null,
                new Mutation(Mutation.UPDATE, serial, version, null));
    }

    /** A delete of the message {@code serial}: its text, metadata and headers are emptied. */
    public static Message delete(String serial, Map<String, Object> version) {
        return new Message(null, null, null, null, null, data("", Map.of()), extras(Map.of()), null,
                new Mutation(Mutation.DELETE, serial, version, null));
    }

    private static Payload data(String text, Map<String, Object> metadata) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("text", text);
        data.put("metadata", metadata == null ? Map.of() : metadata);
        try {
            return new Payload(WireFormat.jsonMapper().writeValueAsString(data), "json");
        } catch (JsonProcessingException e) {
            throw ErrorCode.INVALID_MESSAGE_DATA.exception("metadata cannot be written as JSON");
        }
    }

    private static Map<String, Object> extras(Map<String, Object> headers) {
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put("headers", headers == null ? Map.of() : headers);
        return extras;
    }

    /** The annotation type of a chat reaction type ({@code unique} → {@code reaction:unique.v1}); 40003 for another. */
    public static String annotationType(String chatType) {
        if (!REACTION_TYPES.contains(chatType)) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Unknown reaction type '" + chatType + "': use unique, distinct or multiple");
        }
        return "reaction:" + chatType + ".v1";
    }

    /** A message's version as the Chat REST API (v4) shows it, with the message's reactions. */
    public static Map<String, Object> toRest(Message m, Map<String, Object> summary) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("serial", m.messageSerial());
        out.put("clientId", m.clientId() == null ? "" : m.clientId());
        Map<String, Object> data = dataOf(m);
        out.put("text", data.get("text") instanceof String t ? t : "");
        out.put("metadata", data.get("metadata") instanceof Map<?, ?> md ? md : Map.of());
        out.put("headers", m.extras() instanceof Map<?, ?> e && e.get("headers") instanceof Map<?, ?> h ? h : Map.of());
        int action = m.op() == null ? Mutation.CREATE : m.op().action();
        out.put("action", action == Mutation.DELETE ? "message.delete" : action == Mutation.CREATE ? "message.create" : "message.update");
        out.put("timestamp", m.timestamp());
        Map<String, Object> version = new LinkedHashMap<>();
        if (m.op() != null) {
            if (m.op().version() != null) version.putAll(m.op().version());
            version.put("serial", m.serial());
        } else {
            version.put("serial", m.serial());
            version.put("timestamp", m.timestamp());
        }
        out.put("version", version);
        out.put("reactions", reactions(summary));
        return out;
    }

    private static Map<String, Object> dataOf(Message m) {
        Payload p = m.resultingPayload();
        if (p.data() instanceof String s && "json".equals(p.encoding())) {
            try {
                Object tree = WireFormat.jsonMapper().readValue(s, Object.class);
                if (tree instanceof Map<?, ?> map) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    map.forEach((k, v) -> out.put(String.valueOf(k), v));
                    return out;
                }
            } catch (JsonProcessingException e) {
                return Map.of();
            }
        }
        if (p.data() instanceof String s && p.encoding() == null) return Map.of("text", s);
        return Map.of();
    }

    /** A message's reactions keyed by chat type, from its annotation summary. */
    static Map<String, Object> reactions(Map<String, Object> summary) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String type : REACTION_TYPES) {
            Object entry = summary == null ? null : summary.get("reaction:" + type + ".v1");
            out.put(type, entry instanceof Map<?, ?> ? entry : Map.of());
        }
        return out;
    }

    /** One client's part of a message's reactions: the names it used, their totals, itself as the only client. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> clientReactions(Map<String, Object> summary, String clientId) {
        Map<String, Object> all = reactions(summary);
        Map<String, Object> out = new LinkedHashMap<>();
        for (String type : REACTION_TYPES) {
            Map<String, Object> mine = new LinkedHashMap<>();
            ((Map<String, Object>) all.get(type)).forEach((name, value) -> {
                Map<String, Object> entry = new LinkedHashMap<>((Map<String, Object>) value);
                Object clients = entry.get("clientIds");
                if (clients instanceof List<?> list && list.contains(clientId)) {
                    entry.put("clientIds", List.of(clientId));
                    mine.put(name, entry);
                } else if (clients instanceof Map<?, ?> counts && counts.containsKey(clientId)) {
                    entry.put("clientIds", Map.of(clientId, counts.get(clientId)));
                    entry.put("totalClientIds", 1);
                    mine.put(name, entry);
                }
            });
            out.put(type, mine);
        }
        return out;
    }

    /** The name a client's unique reaction has now, or null (a delete of a unique reaction names none). */
    @SuppressWarnings("unchecked")
    public static String uniqueNameOf(Map<String, Object> summary, String clientId) {
        Object entry = summary.get("reaction:unique.v1");
        if (!(entry instanceof Map<?, ?> names)) return null;
        for (Map.Entry<?, ?> e : names.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> v && v.get("clientIds") instanceof List<?> list && list.contains(clientId)) return (String) e.getKey();
        }
        return null;
    }

    /** A room's chat messages at their latest versions, oldest first, each with its annotations' summary. */
    public record Listed(Message latest, Map<String, Object> summary) {}

    /** Folds a room's log (oldest first) into its chat messages: creates with their latest versions and summaries. */
    public static List<Listed> fold(List<Message> log) {
        Map<String, Message> latest = new LinkedHashMap<>();
        Map<String, List<Message>> annotations = new LinkedHashMap<>();
        for (Message m : log) {
            if (m.op() == null) {
                if (MESSAGE_NAME.equals(m.name()) && !m.isEphemeral()) latest.put(key(m.serial()), m);
            } else if (m.isOperation()) {
                String k = key(m.op().messageSerial());
                if (latest.containsKey(k)) latest.put(k, m.stateView());
            } else if (m.isAnnotation()) {
                String k = key(m.op().messageSerial());
                if (latest.containsKey(k)) annotations.computeIfAbsent(k, x -> new ArrayList<>()).add(m);
            }
        }
        List<Listed> out = new ArrayList<>(latest.size());
        latest.forEach((k, m) -> out.add(new Listed(m, AnnotationSummary.of(annotations.getOrDefault(k, List.of())))));
        return out;
    }

    /** A serial in one spelling (the sortable one), so that serials given in either form match. */
    static String key(String serial) {
        ChannelSerial s = ChannelSerial.parse(serial);
        return s == null ? serial : s.formatSortable();
    }
}
