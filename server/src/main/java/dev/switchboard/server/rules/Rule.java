package dev.switchboard.server.rules;

import java.util.regex.Pattern;

/**
 * One integration rule: events of {@code source} on channels whose name (without qualifier) contains a match of
 * {@code channelFilter} go to {@code target}, enveloped or as the bare array of items, before or after the
 * publisher's ACK.
 *
 * @param queueLimit events waiting per channel before new ones are counted as overflowed and dropped (after-publish)
 */
public record Rule(String id, Pattern channelFilter, RuleSource source, boolean enveloped, RuleTarget target,
                   RetryPolicy retry, int queueLimit, Invocation invocation) {

    /** An after-publish rule. */
    public Rule(String id, Pattern channelFilter, RuleSource source, boolean enveloped, RuleTarget target, RetryPolicy retry, int queueLimit) {
        this(id, channelFilter, source, enveloped, target, retry, queueLimit, Invocation.AFTER_PUBLISH);
    }

    /** True when this rule takes events of {@code eventSource} on {@code channelName}. */
    public boolean matches(RuleSource eventSource, String channelName) {
        return source == eventSource && channelFilter.matcher(channelName).find();
    }
}
