package dev.switchboard.server.rules;

/**
 * Counters of one rule since start. {@code delivered}, {@code failed}, {@code refused} and {@code overflowed} count
 * events (one publish on one channel); {@code refused} are events the target refused for good (a before-publish
 * rule's NACKs with a permanent code, an after-publish rule's permanent refusals); {@code retried} counts retry
 * attempts; {@code queued} is the number of events waiting or in flight now; {@code deadLettered} counts events
 * moved to the dead letters (with an outbox) since start.
 */
public record RuleStats(String ruleId, long delivered, long retried, long failed, long refused, long overflowed, long queued,
                        long deadLettered) {}
