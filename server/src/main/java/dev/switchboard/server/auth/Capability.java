package dev.switchboard.server.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Flags;
import dev.switchboard.server.protocol.WireFormat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a key or token may do: resource patterns mapped to operations. {@code *} in a pattern matches one
 * {@code :}-separated segment, a trailing {@code *} the rest of the name, and {@code [*]*} every channel
 * including qualified ones.
 */
public final class Capability {
    public static final String PUBLISH = "publish";
    public static final String SUBSCRIBE = "subscribe";
    public static final String PRESENCE = "presence";
    public static final String HISTORY = "history";
    public static final String ALL_OPS = "*";
    /** The operations the hosted service knows; a capability naming another is a client's mistake, refused (40003). */
    static final Set<String> KNOWN_OPS = Set.of(ALL_OPS, PUBLISH, SUBSCRIBE, PRESENCE, HISTORY, "stats", "channel-metadata",
            "push-subscribe", "push-admin", "privileged-headers", "object-subscribe", "object-publish", "annotation-publish",
            "annotation-subscribe", "message-update-own", "message-update-any", "message-delete-own", "message-delete-any");

    public static final Capability ALL = new Capability(Map.of("*", Set.of(ALL_OPS)));

    private final Map<String, Set<String>> grants;
    private final String json;

    private Capability(Map<String, Set<String>> grants) {
        Map<String, Set<String>> sorted = new TreeMap<>();
        grants.forEach((k, v) -> sorted.put(k, Collections.unmodifiableSet(new java.util.TreeSet<>(v))));
        this.grants = Collections.unmodifiableMap(sorted);
        this.json = toJson(this.grants);
    }

    /** Parses a capability JSON text; malformed input is a 40000-class error naming the problem. */
    public static Capability parse(String jsonText) {
        if (jsonText == null || jsonText.isBlank()) return ALL;
        JsonNode node;
        try {
            node = WireFormat.jsonMapper().readTree(jsonText);
        } catch (JsonProcessingException e) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Invalid capability: not JSON");
        }
        return fromNode(node);
    }

    public static Capability fromNode(JsonNode node) {
        if (node == null || !node.isObject()) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Invalid capability: must be an object of resource to operations");
        Map<String, Set<String>> grants = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            if (!e.getValue().isArray()) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Invalid capability: operations for '" + e.getKey() + "' must be an array");
            Set<String> ops = new LinkedHashSet<>();
            for (JsonNode op : e.getValue()) {
                if (!op.isTextual()) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Invalid capability: operation names must be strings");
                if (!KNOWN_OPS.contains(op.asText())) {
                    throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Invalid capability: unknown operation '" + op.asText() + "' for '" + e.getKey() + "'");
                }
                ops.add(op.asText());
            }
            if (ops.isEmpty()) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Invalid capability: no operations for '" + e.getKey() + "'");
            if (ops.contains(ALL_OPS) && ops.size() > 1) {
                throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Invalid capability: '*' for '" + e.getKey() + "' cannot be combined with other operations");
            }
            grants.put(e.getKey(), ops);
        }
        return new Capability(grants);
    }

    public static Capability of(Map<String, Set<String>> grants) { return new Capability(grants); }

    public boolean isEmpty() { return grants.isEmpty(); }

    public String json() { return json; }

    public Map<String, Set<String>> grants() { return grants; }

    /** Whether {@code operation} is allowed on {@code channel} (the channel's plain name). */
    public boolean allows(String channel, String operation) {
        for (Map.Entry<String, Set<String>> e : grants.entrySet()) {
            if (matches(e.getKey(), channel) && (e.getValue().contains(ALL_OPS) || e.getValue().contains(operation))) return true;
        }
        return false;
    }

    /** True for the capability of a root key: every operation on every channel (what administrative APIs require). */
    public boolean isUnrestricted() {
        Set<String> ops = grants.get("*");
        return ops != null && ops.contains(ALL_OPS);
    }

    /** Whether any operation at all is allowed on {@code channel}. */
    public boolean allowsAny(String channel) {
        for (String pattern : grants.keySet()) if (matches(pattern, channel)) return true;
        return false;
    }

    /** The ATTACHED mode bits this capability grants on a channel. */
    public int modesFor(String channel) {
        int modes = 0;
        if (allows(channel, PUBLISH)) modes |= Flags.MODE_PUBLISH;
        if (allows(channel, SUBSCRIBE)) modes |= Flags.MODE_SUBSCRIBE | Flags.MODE_PRESENCE_SUBSCRIBE;
        if (allows(channel, PRESENCE)) modes |= Flags.MODE_PRESENCE;
        if (allows(channel, "annotation-publish")) modes |= Flags.MODE_ANNOTATION_PUBLISH;
        if (allows(channel, "annotation-subscribe")) modes |= Flags.MODE_ANNOTATION_SUBSCRIBE;
        return modes;
    }

    /**
     * The capability a token gets: the requested one narrowed to what this (the key's) capability allows.
     * A requested pattern keeps the operations both sides grant; a narrower key pattern under a broader
     * requested one is kept with the operations both grant.
     */
    public Capability intersect(Capability requested) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, Set<String>> req : requested.grants.entrySet()) {
            for (Map.Entry<String, Set<String>> key : grants.entrySet()) {
                String resource;
                if (covers(key.getKey(), req.getKey())) resource = req.getKey();
                else if (covers(req.getKey(), key.getKey())) resource = key.getKey();
                else continue;
                Set<String> ops = intersectOps(req.getValue(), key.getValue());
                if (!ops.isEmpty()) out.computeIfAbsent(resource, r -> new LinkedHashSet<>()).addAll(ops);
            }
        }
        // Two requested patterns can land on one resource (e.g. "*" and "[*]*" both on a key's "*"): '*' alone is
        // the only form parse accepts, so the token's capability must read back as it was issued.
        out.replaceAll((resource, ops) -> ops.contains(ALL_OPS) ? Set.of(ALL_OPS) : ops);
        return new Capability(out);
    }

    private static Set<String> intersectOps(Set<String> a, Set<String> b) {
        if (a.contains(ALL_OPS)) return new LinkedHashSet<>(b);
        if (b.contains(ALL_OPS)) return new LinkedHashSet<>(a);
        Set<String> out = new LinkedHashSet<>(a);
        out.retainAll(b);
        return out;
    }

    /** Whether every name matched by pattern {@code inner} is matched by pattern {@code outer}. */
    static boolean covers(String outer, String inner) {
        if (outer.equals(inner) || outer.equals("[*]*")) return true;
        if (inner.startsWith("[")) return false;
        return matches(outer, inner);
    }

    /** Whether a resource pattern matches a channel name. */
    public static boolean matches(String pattern, String channel) {
        if (pattern.equals("[*]*")) return true;
        if (channel.startsWith("[")) return pattern.equals(channel);
        if (pattern.equals("*")) return true;
        String[] p = pattern.split(":", -1);
        String[] c = channel.split(":", -1);
        for (int i = 0; i < p.length; i++) {
            boolean last = i == p.length - 1;
            if (p[i].equals("*")) {
                if (last) return c.length > i;
                if (i >= c.length) return false;
                continue;
            }
            if (i >= c.length || !p[i].equals(c[i])) return false;
        }
        return p.length == c.length;
    }

    private static String toJson(Map<String, Set<String>> grants) {
        Map<String, List<String>> plain = new LinkedHashMap<>();
        grants.forEach((k, v) -> plain.put(k, new ArrayList<>(v)));
        try {
            return WireFormat.jsonMapper().writeValueAsString(plain);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) { return o instanceof Capability c && c.grants.equals(grants); }

    @Override
    public int hashCode() { return grants.hashCode(); }

    @Override
    public String toString() { return json; }
}
