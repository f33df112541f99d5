package dev.switchboard.server.rules;

import java.util.regex.Pattern;

/**
 * One integration rule: events of {@code source} on channels whose name (without qualifier) contains a match of
 * {@code channelFilter} go to {@code target}, enveloped or as the bare array of items.
 *
 * @param queueLimit events waiting per channel before new ones are counted as overflowed and dropped
 */
public record Rule(String id, Pattern channelFilter, RuleSource source, boolean enveloped, RuleTarget target,
                   RetryPolicy retry, int queueLimit) {

    /** True when this rule takes events of {@code eventSource} on {@code channelName}. */
    public boolean matches(RuleSource eventSource, String channelName) {
        return source == eventSource && channelFilter.matcher(channelName).find();
    }
}
