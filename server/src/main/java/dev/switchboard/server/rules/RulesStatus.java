package dev.switchboard.server.rules;

import java.util.Map;

/** A point-in-time view of every rule's counters, by rule id in config order. */
public record RulesStatus(Map<String, RuleStats> rules) {
    public RulesStatus {
        rules = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rules));
    }

    /** The counters of one rule; throws for an unknown id. */
    public RuleStats rule(String ruleId) {
        RuleStats s = rules.get(ruleId);
        if (s == null) throw new IllegalArgumentException("No rule '" + ruleId + "'");
        return s;
    }
}
