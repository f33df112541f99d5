package dev.switchboard.server.channel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.config.SettingsException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code channelRules} of the config file, like the hosted service's channel rules: which namespaces are
 * persisted and for how long, and in which messages may be updated, deleted, appended to and annotated
 * ({@code mutableMessages}). A channel's namespace is its name up to the first {@code :} (the whole name when it
 * has none).
 *
 * <pre>
 * "channelRules": [{"namespace": "orders", "persisted": true, "retention": "7d", "mutableMessages": true}]
 * </pre>
 * {@code retention} is a number with a unit: {@code s}, {@code m}, {@code h} or {@code d} (default 1d, at most 365d).
 */
public final class ChannelRules {
    public static final ChannelRules NONE = new ChannelRules(List.of());
    /** What ends the channel of an Ably Chat room: {@code <room>::$chat}. */
    public static final String ROOM_SUFFIX = "::$chat";
    /** How long chat rooms keep their messages unless {@code chatRooms.retention} says otherwise. */
    static final long DEFAULT_ROOM_RETENTION_MS = 30L * 86_400_000L;
    static final long DEFAULT_RETENTION_MS = 86_400_000L;
    private static final long MAX_RETENTION_MS = 365L * 86_400_000L;
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})([smhd])");

    /** One namespace's rule. */
    public record Rule(String namespace, boolean persisted, long retentionMs, boolean mutableMessages) {
        public Rule(String namespace, boolean persisted, long retentionMs) { this(namespace, persisted, retentionMs, false); }
    }

    private final List<Rule> rules;
    private final long roomRetentionMs;

    public ChannelRules(List<Rule> rules) { this(rules, DEFAULT_ROOM_RETENTION_MS); }

    public ChannelRules(List<Rule> rules, long roomRetentionMs) {
        this.rules = List.copyOf(rules);
        this.roomRetentionMs = roomRetentionMs;
    }

    /** True for the channel of an Ably Chat room ({@code <room>::$chat}): its messages may change and are kept. */
    public static boolean isRoom(String channelName) { return channelName.endsWith(ROOM_SUFFIX) && channelName.length() > ROOM_SUFFIX.length(); }

    /** How long chat rooms keep their messages when there is a database ({@code chatRooms.retention}). */
    public long roomRetentionMs() { return roomRetentionMs; }

    public List<Rule> rules() { return rules; }

    /** The namespace of a channel name: up to the first ':'. */
    public static String namespaceOf(String channelName) {
        int colon = channelName.indexOf(':');
        return colon < 0 ? channelName : channelName.substring(0, colon);
    }

    /** How long a channel's messages are kept when its namespace is persisted; empty for ephemeral channels. */
    public Optional<Long> retentionMs(String channelName) {
        if (isRoom(channelName)) return Optional.of(roomRetentionMs);
        String ns = namespaceOf(channelName);
        for (Rule r : rules) if (r.persisted() && r.namespace().equals(ns)) return Optional.of(r.retentionMs());
        return Optional.empty();
    }

    /** True when the channel's namespace lets messages be updated, deleted, appended to and annotated. */
    public boolean mutableMessages(String channelName) {
        if (isRoom(channelName)) return true;
        String ns = namespaceOf(channelName);
        for (Rule r : rules) if (r.mutableMessages() && r.namespace().equals(ns)) return true;
        return false;
    }

    public boolean anyPersisted() { return rules.stream().anyMatch(Rule::persisted); }

    /** The longest retention of any persisted namespace or of chat rooms. */
    public long maxRetentionMs() {
        return Math.max(roomRetentionMs, rules.stream().filter(Rule::persisted).mapToLong(Rule::retentionMs).max().orElse(0));
    }

    /** These rules plus {@code rule}, unless its namespace already has one (the configured rule wins). */
    public ChannelRules withDefault(Rule rule) {
        if (rules.stream().anyMatch(r -> r.namespace().equals(rule.namespace()))) return this;
        List<Rule> all = new ArrayList<>(rules);
        all.add(rule);
        return new ChannelRules(all, roomRetentionMs);
    }

    /** Reads {@code channelRules} of a config file (a missing node gives no rules); every problem names its key. */
    public static ChannelRules parse(JsonNode file) {
        long roomRetention = parseRooms(file == null ? null : file.path("chatRooms"));
        JsonNode list = file == null ? null : file.path("channelRules");
        if (list == null || list.isMissingNode() || list.isNull()) return new ChannelRules(List.of(), roomRetention);
        if (!list.isArray()) throw error("channelRules", "must be an array of {\"namespace\", \"persisted\", \"retention\"}");
        List<Rule> rules = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String key = "channelRules[" + i + "]";
            JsonNode node = list.get(i);
            if (!node.isObject()) throw error(key, "must be an object");
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!Set.of("namespace", "persisted", "retention", "mutableMessages").contains(field)) {
                    throw error(key + "." + field, "unknown key (expected namespace, persisted, retention, mutableMessages)");
                }
            }
            JsonNode ns = node.path("namespace");
            if (!ns.isTextual() || ns.asText().isBlank() || ns.asText().contains(":")) {
                throw error(key + ".namespace", "must be a non-empty string without ':' (the channel name's part before the first ':')");
            }
            if (!seen.add(ns.asText())) throw error(key + ".namespace", "duplicate namespace '" + ns.asText() + "'");
            JsonNode persisted = node.path("persisted");
            if (!persisted.isMissingNode() && !persisted.isBoolean()) throw error(key + ".persisted", "must be true or false");
            long retention = retention(node.path("retention"), key + ".retention", DEFAULT_RETENTION_MS);
            JsonNode mutable = node.path("mutableMessages");
            if (!mutable.isMissingNode() && !mutable.isBoolean()) throw error(key + ".mutableMessages", "must be true or false");
            rules.add(new Rule(ns.asText(), persisted.asBoolean(false), retention, mutable.asBoolean(false)));
        }
        return new ChannelRules(rules, roomRetention);
    }

    /** {@code "chatRooms": {"retention": "30d"}}: how long chat rooms keep their messages (they are kept when there is a database). */
    private static long parseRooms(JsonNode rooms) {
        if (rooms == null || rooms.isMissingNode() || rooms.isNull()) return DEFAULT_ROOM_RETENTION_MS;
        if (!rooms.isObject()) throw error("chatRooms", "must be an object like {\"retention\": \"30d\"}");
        for (Iterator<String> it = rooms.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("retention")) throw error("chatRooms." + field, "unknown key (expected retention)");
        }
        return retention(rooms.path("retention"), "chatRooms.retention", DEFAULT_ROOM_RETENTION_MS);
    }

    private static long retention(JsonNode r, String key, long fallback) {
        if (r.isMissingNode()) return fallback;
        Matcher m = r.isTextual() ? DURATION.matcher(r.asText()) : null;
        if (m == null || !m.matches()) throw error(key, "must be a duration like \"30m\", \"12h\" or \"7d\", was " + r);
        long unit = switch (m.group(2)) {
            case "s" -> 1000L;
            case "m" -> 60_000L;
            case "h" -> 3_600_000L;
            default -> 86_400_000L;
        };
        long retention = Long.parseLong(m.group(1)) * unit;
        if (retention < 1000 || retention > MAX_RETENTION_MS) throw error(key, "must be from 1s to 365d");
        return retention;
    }

    private static SettingsException error(String key, String problem) {
        return new SettingsException("config key '" + key + "': " + problem);
    }
}
