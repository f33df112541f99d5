package dev.switchboard.server.rules;

/**
 * Counters of one rule since start. {@code delivered}, {@code failed} and {@code overflowed} count events (one
 * publish on one channel); {@code retried} counts retry attempts; {@code queued} is the number of events waiting
 * or in flight now.
 */
public record RuleStats(String ruleId, long delivered, long retried, long failed, long overflowed, long queued) {}
