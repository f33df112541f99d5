package dev.switchboard.server.rules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.config.SettingsException;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads the {@code rules} array of the config file. Every problem is a {@link SettingsException} naming the key,
 * e.g. {@code config key 'rules[0].target.url': ...}. Unknown keys are errors too, so a typo does not silently
 * fall back to a default.
 *
 * <pre>
 * "rules": [{
 *   "id": "chat-persist",                 required, unique
 *   "channelFilter": "^outgoing-chat$",   required, Java regex, find() on the channel name without qualifier
 *   "source": "channel.message",          or "channel.presence"; default channel.message
 *   "invocation": "afterPublish",         or "beforePublish": the publisher is ACKed only after the target took the
 *                                         message (channel.message only; no retry or queueLimit; one attempt)
 *   "enveloped": true,                    default true
 *   "target": {"type": "function", "name": "chat-persistence", "timeoutMs": 30000 (2000 before publish)}
 *          or {"type": "webhook", "url": "https://...", "signingKey": "...", "timeoutMs": 5000 (2000 before publish),
 *              "headers": {"X-A": "v"}},
 *   "retry": {"maxAttempts": 5, "initialBackoffMs": 200, "maxBackoffMs": 30000, "jitter": 0.2},
 *   "queueLimit": 10000                   events waiting per channel before overflow
 * }]
 * </pre>
 */
public final class RulesConfig {
    static final long DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;
    static final long DEFAULT_FUNCTION_TIMEOUT_MS = 30_000;
    /** A publisher waits for a before-publish rule: its target must answer quickly or the publish is NACKed. */
    static final long DEFAULT_BEFORE_PUBLISH_TIMEOUT_MS = 2_000;
    static final int DEFAULT_QUEUE_LIMIT = 10_000;
    private static final long MAX_TIMEOUT_MS = 600_000;
    private static final long MAX_BACKOFF_MS = 3_600_000;

    private RulesConfig() {}

    /**
     * The rules of a config file ({@code file} may be a missing node: no rules).
     *
     * @param functions when not null, function targets must name a function registered there
     */
    public static List<Rule> parse(JsonNode file, RuleFunctions functions) {
        JsonNode list = file == null ? null : file.path("rules");
        if (list == null || list.isMissingNode() || list.isNull()) return List.of();
        if (!list.isArray()) throw error("rules", "must be an array of rules");
        List<Rule> rules = new ArrayList<>(list.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String key = "rules[" + i + "]";
            Rule rule = parseRule(list.get(i), key, functions);
            if (!ids.add(rule.id())) throw error(key + ".id", "duplicate rule id '" + rule.id() + "'");
            rules.add(rule);
        }
        return List.copyOf(rules);
    }

    private static Rule parseRule(JsonNode node, String key, RuleFunctions functions) {
        requireObject(node, key, "id", "channelFilter", "source", "invocation", "enveloped", "target", "retry", "queueLimit");
        String id = requiredText(node, key, "id");
        String filterText = requiredText(node, key, "channelFilter");
        Pattern filter;
        try {
            filter = Pattern.compile(filterText);
        } catch (PatternSyntaxException e) {
            throw error(key + ".channelFilter", "not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
        }
        String sourceText = optionalText(node, key, "source", RuleSource.CHANNEL_MESSAGE.wireName());
        RuleSource source = RuleSource.of(sourceText);
        if (source == null) throw error(key + ".source", "unknown source '" + sourceText + "' (expected channel.message or channel.presence)");
        String invocationText = optionalText(node, key, "invocation", Invocation.AFTER_PUBLISH.wireName());
        Invocation invocation = Invocation.of(invocationText);
        if (invocation == null) throw error(key + ".invocation", "unknown invocation '" + invocationText + "' (expected beforePublish or afterPublish)");
        if (invocation == Invocation.BEFORE_PUBLISH) {
            if (source != RuleSource.CHANNEL_MESSAGE) throw error(key + ".source", "a beforePublish rule takes channel.message only");
            for (String afterOnly : List.of("retry", "queueLimit")) {
                if (node.has(afterOnly)) throw error(key + "." + afterOnly, "applies to afterPublish rules only (a beforePublish rule makes one attempt and answers the publisher)");
            }
        }
        boolean enveloped = optionalBoolean(node, key, "enveloped", true);
        RuleTarget target = parseTarget(node.path("target"), key + ".target", functions, invocation);
        RetryPolicy retry = parseRetry(node.path("retry"), key + ".retry");
        int queueLimit = (int) optionalLong(node, key, "queueLimit", DEFAULT_QUEUE_LIMIT, 1, 10_000_000);
        return new Rule(id, filter, source, enveloped, target, retry, queueLimit, invocation);
    }

    private static RuleTarget parseTarget(JsonNode node, String key, RuleFunctions functions, Invocation invocation) {
        boolean before = invocation == Invocation.BEFORE_PUBLISH;
        if (node.isMissingNode()) throw error(key, "is required");
        if (!node.isObject()) throw error(key, "must be an object");
        JsonNode typeNode = node.path("type");
        if (!typeNode.isTextual()) throw error(key + ".type", "is required: \"function\" or \"webhook\"");
        String type = typeNode.asText();
        switch (type) {
            case "function" -> {
                requireObject(node, key, "type", "name", "timeoutMs");
                String name = requiredText(node, key, "name");
                if (functions != null && functions.find(name) == null) {
                    throw error(key + ".name", "no rule function named '" + name + "' is registered (known: " + functions.names() + ")");
                }
                long timeout = optionalLong(node, key, "timeoutMs", before ? DEFAULT_BEFORE_PUBLISH_TIMEOUT_MS : DEFAULT_FUNCTION_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
                return new RuleTarget.Function(name, timeout);
            }
            case "webhook" -> {
                requireObject(node, key, "type", "url", "signingKey", "timeoutMs", "headers");
                String urlText = requiredText(node, key, "url");
                URI url;
                try {
                    url = new URI(urlText);
                } catch (URISyntaxException e) {
                    throw error(key + ".url", "not a valid URL: " + e.getMessage());
                }
                String scheme = url.getScheme();
                if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || url.getHost() == null) {
                    throw error(key + ".url", "must be an absolute http:// or https:// URL, was '" + urlText + "'");
                }
                String signingKey = optionalText(node, key, "signingKey", null);
                if (signingKey != null && signingKey.isEmpty()) throw error(key + ".signingKey", "must not be empty (leave it out to send unsigned)");
                long timeout = optionalLong(node, key, "timeoutMs", before ? DEFAULT_BEFORE_PUBLISH_TIMEOUT_MS : DEFAULT_WEBHOOK_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
                Map<String, String> headers = new LinkedHashMap<>();
                JsonNode h = node.path("headers");
                if (!h.isMissingNode() && !h.isNull()) {
                    if (!h.isObject()) throw error(key + ".headers", "must be an object of header name to string value");
                    for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        if (!e.getValue().isTextual()) throw error(key + ".headers." + e.getKey(), "must be a string");
                        if (!e.getKey().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) throw error(key + ".headers." + e.getKey(), "not a valid header name");
                        headers.put(e.getKey(), e.getValue().asText());
                    }
                }
                return new RuleTarget.Webhook(url, signingKey, timeout, headers);
            }
            default -> throw error(key + ".type", "unknown target type '" + type + "' (expected function or webhook)");
        }
    }

    private static RetryPolicy parseRetry(JsonNode node, String key) {
        if (node.isMissingNode() || node.isNull()) return RetryPolicy.DEFAULT;
        requireObject(node, key, "maxAttempts", "initialBackoffMs", "maxBackoffMs", "jitter");
        RetryPolicy d = RetryPolicy.DEFAULT;
        int maxAttempts = (int) optionalLong(node, key, "maxAttempts", d.maxAttempts(), 1, 1000);
        long initial = optionalLong(node, key, "initialBackoffMs", d.initialBackoffMs(), 0, MAX_BACKOFF_MS);
        long max = optionalLong(node, key, "maxBackoffMs", Math.max(d.maxBackoffMs(), initial), 0, MAX_BACKOFF_MS);
        if (max < initial) throw error(key + ".maxBackoffMs", "must be at least initialBackoffMs (" + initial + ")");
        double jitter = d.jitter();
        JsonNode j = node.path("jitter");
        if (!j.isMissingNode()) {
            if (!j.isNumber() || j.asDouble() < 0 || j.asDouble() > 1) throw error(key + ".jitter", "must be a number from 0 to 1");
            jitter = j.asDouble();
        }
        return new RetryPolicy(maxAttempts, initial, max, jitter);
    }

    private static void requireObject(JsonNode node, String key, String... allowed) {
        if (node == null || !node.isObject()) throw error(key, "must be an object");
        Set<String> known = Set.of(allowed);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!known.contains(field)) throw error(key + "." + field, "unknown key (expected one of " + List.of(allowed) + ")");
        }
    }

    private static String requiredText(JsonNode node, String key, String field) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull()) throw error(key + "." + field, "is required");
        if (!v.isTextual() || v.asText().isBlank()) throw error(key + "." + field, "must be a non-empty string");
        return v.asText();
    }

    private static String optionalText(JsonNode node, String key, String field, String fallback) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull()) return fallback;
        if (!v.isTextual()) throw error(key + "." + field, "must be a string");
        return v.asText();
    }

    private static boolean optionalBoolean(JsonNode node, String key, String field, boolean fallback) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull()) return fallback;
        if (!v.isBoolean()) throw error(key + "." + field, "must be true or false");
        return v.asBoolean();
    }

    private static long optionalLong(JsonNode node, String key, String field, long fallback, long min, long max) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull()) return fallback;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw error(key + "." + field, "must be an integer from " + min + " to " + max + ", was " + v);
        }
        return v.asLong();
    }

    private static SettingsException error(String key, String problem) {
        return new SettingsException("config key '" + key + "': " + problem);
    }
}
