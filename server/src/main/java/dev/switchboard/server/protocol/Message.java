package dev.switchboard.server.protocol;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A channel message. Immutable once the channel has accepted it (id, serial and timestamp assigned). {@code op} is null
 * for a new message, and says which earlier message an update, delete or append changes (see {@link Mutation}); such
 * an operation has a serial of its own (its version's serial) and shows the changed message's serial on the wire.
 */
public record Message(String id, String name, String clientId, String connectionId, Long timestamp,
                      Payload payload, Object extras, String serial, Mutation op) {

    /** A new message (no operation on an earlier one). */
    public Message(String id, String name, String clientId, String connectionId, Long timestamp, Payload payload, Object extras, String serial) {
        this(id, name, clientId, connectionId, timestamp, payload, extras, serial, null);
    }

    /** Where the log keeps an annotation's own fields when it holds it as a message (never sent to clients). */
    private static final String ANNOTATION_KEY = "x-switchboard-annotation";

    /** Where a stored operation keeps the data an append leaves in its message (never sent to clients). */
    private static final String STATE_KEY = "x-switchboard-state";

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
                extras, null, mutationOf(m, format));
    }

    /** The operation a message tree describes; null for a new message. */
    private static Mutation mutationOf(Map<String, Object> m, WireFormat format) {
        if (m.get(ANNOTATION_KEY) instanceof Map<?, ?> a) {
            Map<String, Object> details = new LinkedHashMap<>();
            a.forEach((k, v) -> details.put(String.valueOf(k), v));
            return new Mutation(Mutation.ANNOTATION, Trees.stringOr(details.remove("messageSerial"), null), null, null, details);
        }
        Object action = m.get("action");
        if (action == null) return null;
        if (!(action instanceof Number n) || n.longValue() < 0 || n.longValue() > Mutation.APPEND || n.longValue() == 3) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Unknown message action " + action);
        }
        int a = n.intValue();
        if (a == Mutation.CREATE) return null;
        Object serial = m.get("serial");
        if (serial != null && !(serial instanceof String)) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("serial must be a string");
        Object version = m.get("version");
        if (version != null && !(version instanceof Map<?, ?>)) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("version must be an object");
        requireShallowExtras(version);
        Map<String, Object> v = null;
        if (version != null) {
            v = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) version).entrySet()) v.put(String.valueOf(e.getKey()), e.getValue());
            if (v.get("clientId") != null && !(v.get("clientId") instanceof String)) throw ErrorCode.INVALID_CLIENT_ID.exception("version.clientId must be a string");
            if (v.get("description") != null && !(v.get("description") instanceof String)) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("version.description must be a string");
            if (v.get("metadata") != null && !(v.get("metadata") instanceof Map<?, ?>)) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("version.metadata must be an object");
        }
        if (a == Mutation.SUMMARY) {
            Map<String, Object> annotations = Trees.mapOrNull(m.get("annotations"));
            return new Mutation(a, (String) serial, null, null, annotations == null ? Map.of() : annotations);
        }
        Payload state = null;
        if (a == Mutation.APPEND && m.get(STATE_KEY) instanceof Map<?, ?> st) {
            Object enc = st.get("encoding");
            state = Payload.fromWire(st.get("data"), enc instanceof String e ? e : null, format);
        }
        return new Mutation(a, (String) serial, v, state);
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
        if (op != null && op.action() == Mutation.ANNOTATION) {
            // Only the log and the store see an annotation as a message; clients get toAnnotationTree.
            Map<String, Object> details = new LinkedHashMap<>(op.details());
            details.put("messageSerial", op.messageSerial());
            m.put(ANNOTATION_KEY, details);
        } else if (op != null && op.action() == Mutation.SUMMARY) {
            m.put("action", op.action());
            m.put("serial", op.messageSerial());
            m.put("annotations", op.details());
        } else if (op != null) {
            m.put("action", op.action());
            if (op.messageSerial() != null) m.put("serial", op.messageSerial());
            m.put("version", op.versionTree(serial));
        } else if (serial != null) {
            m.put("serial", serial);
        }
        return m;
    }

    /** As {@link #toTree}, plus what only the server keeps (an append's resulting data): for the log and the store. */
    public Map<String, Object> toStoredTree(WireFormat format) {
        Map<String, Object> m = toTree(format);
        if (op != null && op.state() != null) {
            Map<String, Object> state = new LinkedHashMap<>(4);
            op.state().writeTo(state, format);
            m.put(STATE_KEY, state);
        }
        return m;
    }

    /**
     * The message as it stands after this event, for readers of the past (history, rewind, a message's versions): an
     * append shows the whole data it left, as an update (live subscribers got only the appended part).
     */
    public Message stateView() {
        if (op == null || op.action() != Mutation.APPEND || op.state() == null) return this;
        return new Message(id, name, clientId, connectionId, timestamp, op.state(), extras, serial,
                new Mutation(Mutation.UPDATE, op.messageSerial(), op.version(), null));
    }

    /** The data this message holds once applied: an append's resulting data, any other message's own. */
    public Payload resultingPayload() { return op != null && op.state() != null ? op.state() : payload; }

    /** True for an annotation of another message (held in the log as a message, sent as an annotation). */
    public boolean isAnnotation() { return op != null && op.action() == Mutation.ANNOTATION; }

    /** True for a summary of a message's annotations (action message.summary). */
    public boolean isSummary() { return op != null && op.action() == Mutation.SUMMARY; }

    /** True for what history and rewind show as a message: not an annotation, a summary or an ephemeral message. */
    public boolean isListed() { return (op == null || Mutation.isOperation(op.action())) && !isEphemeral(); }

    /** True for {@code extras.ephemeral: true}: delivered to those attached now, never kept for history, rewind or resume. */
    public boolean isEphemeral() { return extras instanceof Map<?, ?> e && Boolean.TRUE.equals(e.get("ephemeral")); }

    /**
     * Reads an annotation a client sent (ProtocolMessage action 21, or REST): {@code action} 0 (create) or 1 (delete),
     * {@code messageSerial}, {@code type}, {@code name}, {@code count}, {@code clientId}, {@code data}, {@code extras}.
     */
    public static Message fromAnnotationTree(Object tree, WireFormat format) {
        Map<String, Object> m = Trees.mapOrNull(tree);
        if (m == null) throw ErrorCode.BAD_REQUEST.exception("An annotation must be an object");
        Object action = m.get("action");
        if (action != null && (!(action instanceof Number n) || (n.intValue() != 0 && n.intValue() != 1))) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("An annotation's action must be 0 (create) or 1 (delete)");
        }
        for (String key : List.of("messageSerial", "type", "name", "clientId", "id", "encoding")) {
            if (m.get(key) != null && !(m.get(key) instanceof String)) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("An annotation's " + key + " must be a string");
        }
        Object count = m.get("count");
        if (count != null && !(count instanceof Number)) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("An annotation's count must be a number");
        Object extras = m.get("extras");
        if (extras != null && !(extras instanceof Map<?, ?>)) throw ErrorCode.BAD_REQUEST.exception("extras must be an object");
        requireShallowExtras(extras);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("action", action == null ? 0 : ((Number) action).intValue());
        if (m.get("type") != null) details.put("type", m.get("type"));
        if (count != null) details.put("count", ((Number) count).longValue());
        return new Message((String) m.get("id"), (String) m.get("name"), (String) m.get("clientId"), null, null,
                Payload.fromWire(m.get("data"), (String) m.get("encoding"), format), extras, null,
                new Mutation(Mutation.ANNOTATION, (String) m.get("messageSerial"), null, null, details));
    }

    /** An annotation as clients get it: its own serial, the serial of the message it annotates, type, name, count. */
    public Map<String, Object> toAnnotationTree(WireFormat format) {
        Map<String, Object> m = new LinkedHashMap<>(14);
        if (id != null) m.put("id", id);
        m.put("action", op.details().getOrDefault("action", 0));
        if (serial != null) m.put("serial", serial);
        m.put("messageSerial", op.messageSerial());
        if (op.details().get("type") != null) m.put("type", op.details().get("type"));
        if (name != null) m.put("name", name);
        if (op.details().get("count") != null) m.put("count", op.details().get("count"));
        if (clientId != null) m.put("clientId", clientId);
        if (connectionId != null) m.put("connectionId", connectionId);
        if (timestamp != null) m.put("timestamp", timestamp);
        payload.writeTo(m, format);
        if (extras != null) m.put("extras", extras);
        return m;
    }

    /** True when this message is an update, delete or append of an earlier one. */
    public boolean isOperation() { return op != null && Mutation.isOperation(op.action()); }

    /** The serial of the message this one is a version of: the changed message's for an operation, its own otherwise. */
    public String messageSerial() { return op != null && op.messageSerial() != null ? op.messageSerial() : serial; }

    public Message withMutation(Mutation newOp) {
        return new Message(id, name, clientId, connectionId, timestamp, payload, extras, serial, newOp);
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
        return new Message(newId, name, clientId, connectionId, timestamp, payload, extras, serial, op);
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
        return new Message(id, name, clientId, connectionId, timestamp, new Payload(delta, encoding), newExtras, serial, op);
    }

    private static byte[] bytesOf(Payload p) {
        return p.data() instanceof byte[] b ? b : ((String) p.data()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The message as accepted by a channel: identity, origin, time and position fixed. */
    public Message accepted(String newId, String newClientId, String newConnectionId, long newTimestamp, String newSerial) {
        return new Message(newId, name, newClientId, newConnectionId, newTimestamp, payload, extras, newSerial, op);
    }
}
