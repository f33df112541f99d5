package dev.switchboard.server.history;

/**
 * How long a channel keeps accepted events: everything younger than {@code maxAgeMs}, and, while the channel is in
 * use, at least the last {@code minMessages} regardless of age, but never more than {@code maxMessages}. A channel
 * nobody uses keeps only what is younger than {@code maxAgeMs} (see {@link HistoryStore#pruneBelowFloor}).
 */
public record RetentionPolicy(long maxAgeMs, int minMessages, int maxMessages) {
    public static RetentionPolicy defaults() { return new RetentionPolicy(120_000, 100, 20_000); }
}
