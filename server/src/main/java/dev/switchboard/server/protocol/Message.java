package dev.switchboard.server.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/** A channel message. Immutable once the channel has accepted it (id, serial and timestamp assigned). */
public record Message(String id, String name, String clientId, String connectionId, Long timestamp,
                      Payload payload, Object extras, String serial) {

    public static Message fromTree(Object tree, WireFormat format) {
        Map<String, Object> m = Trees.mapOrNull(tree);
        if (m == null) throw ErrorCode.BAD_REQUEST.exception("A message must be an object");
        Object name = m.get("name");
        if (name != null && !(name instanceof String)) throw ErrorCode.BAD_REQUEST.exception("Message name must be a string");
        Object id = m.get("id");
        if (id != null && !(id instanceof String)) throw ErrorCode.INVALID_MESSAGE_ID.exception("Message id must be a string");
        Object clientId = m.get("clientId");
        if (clientId != null && !(clientId instanceof String)) throw ErrorCode.INVALID_CLIENT_ID.exception("clientId must be a string");
        Object encoding = m.get("encoding");
        if (encoding != null && !(encoding instanceof String)) throw ErrorCode.INVALID_MESSAGE_DATA.exception("encoding must be a string");
        Object extras = m.get("extras");
        if (extras != null && !(extras instanceof Map<?, ?>)) throw ErrorCode.BAD_REQUEST.exception("extras must be an object");
        requireShallowExtras(extras);
        return new Message((String) id, (String) name, (String) clientId, Trees.stringOr(m.get("connectionId"), null),
                Trees.longOrNull(m.get("timestamp")), Payload.fromWire(m.get("data"), (String) encoding, format),
                extras, null);
    }

    /**
     * Deepest nesting of {@code extras}. They travel as trees inside the server's envelopes (frames, history pages, rule
     * events), which must stay within the codecs' 1,000 levels: extras at that limit decoded, then failed to encode.
     */
    public static final int MAX_EXTRAS_DEPTH = 64;

    /** Refuses (40000) extras nested deeper than {@link #MAX_EXTRAS_DEPTH}. */
    static void requireShallowExtras(Object extras) {
        if (Trees.nestedDeeperThan(extras, MAX_EXTRAS_DEPTH)) {
            throw ErrorCode.BAD_REQUEST.exception("extras must not nest more than " + MAX_EXTRAS_DEPTH + " levels");
        }
    }

    public Map<String, Object> toTree(WireFormat format) {
        Map<String, Object> m = new LinkedHashMap<>(12);
        if (id != null) m.put("id", id);
        if (name != null) m.put("name", name);
        if (clientId != null) m.put("clientId", clientId);
        if (connectionId != null) m.put("connectionId", connectionId);
        if (timestamp != null) m.put("timestamp", timestamp);
        payload.writeTo(m, format);
        if (extras != null) m.put("extras", extras);
        if (serial != null) m.put("serial", serial);
        return m;
    }

    /** Bytes counted towards the maximum message size: name, clientId, data and extras. */
    public int size() {
        return Payload.utf8Length(name) + Payload.utf8Length(clientId) + payload.size() + Payload.jsonLength(extras);
    }

    /** The longest message id a client may choose. */
    public static final int MAX_ID_LENGTH = 256;
    /** The shape of the ids the server gives a connection's messages: {@code <connectionId>:<msgSerial>:<index>}. */
    private static final java.util.regex.Pattern SERVER_ID = java.util.regex.Pattern.compile("([0-9A-Za-z]{10}):\\d+:\\d+");

    /**
     * Refuses (40003) a client-chosen id that is too long or that has the shape of the server's ids for another connection's
     * messages (publishing it first would have that connection's message dropped as a repeat). {@code ownConnectionId}
     * is null for REST publishes.
     */
    public void requirePublishableId(String ownConnectionId) {
        if (id == null) return;
        if (id.length() > MAX_ID_LENGTH) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Message id is longer than " + MAX_ID_LENGTH + " characters");
        }
        java.util.regex.Matcher m = SERVER_ID.matcher(id);
        if (m.matches() && !m.group(1).equals(ownConnectionId)) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Message id '" + id + "' has the form of another connection's message ids");
        }
    }

    public Message withId(String newId) {
        return new Message(newId, name, clientId, connectionId, timestamp, payload, extras, serial);
    }

    /**
     * This message with its data as a vcdiff delta of {@code previous}'s (the bytes of each as the wire carries them
     * before any transport base64: text as UTF-8): the encoding gains {@code utf-8} for text and then {@code vcdiff},
     * so the SDK gets the original back, and {@code extras.delta} says which message the delta is of.
     */
    public Message asDeltaOf(Message previous) {
        byte[] delta = Vcdiff.encode(bytesOf(previous.payload), bytesOf(payload));
        String steps = payload.data() instanceof String ? "utf-8/vcdiff" : "vcdiff";
        String encoding = payload.encoding() == null ? steps : payload.encoding() + "/" + steps;
        Map<String, Object> newExtras = new LinkedHashMap<>();
        if (extras instanceof Map<?, ?> existing) existing.forEach((k, v) -> newExtras.put(String.valueOf(k), v));
        newExtras.put("delta", Map.of("from", previous.id, "format", "vcdiff"));
        return new Message(id, name, clientId, connectionId, timestamp, new Payload(delta, encoding), newExtras, serial);
    }

    private static byte[] bytesOf(Payload p) {
        return p.data() instanceof byte[] b ? b : ((String) p.data()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The message as accepted by a channel: identity, origin, time and position fixed. */
    public Message accepted(String newId, String newClientId, String newConnectionId, long newTimestamp, String newSerial) {
        return new Message(newId, name, newClientId, newConnectionId, newTimestamp, payload, extras, newSerial);
    }
}
