package dev.switchboard.server.history;

/**
 * How long a channel keeps accepted events: everything younger than {@code maxAgeMs}, and at least the
 * last {@code minMessages} regardless of age, but never more than {@code maxMessages}.
 */
public record RetentionPolicy(long maxAgeMs, int minMessages, int maxMessages) {
    public static RetentionPolicy defaults() { return new RetentionPolicy(120_000, 100, 20_000); }
}
