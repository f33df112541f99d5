package dev.switchboard.server.channel;

/**
 * How long a channel keeps accepted messages in memory for rewind, resume and idempotency: at least
 * {@code maxAgeMs}, but never more than {@code maxMessages}.
 */
public record RetentionPolicy(long maxAgeMs, int minMessages, int maxMessages) {
    public static RetentionPolicy defaults() { return new RetentionPolicy(120_000, 100, 20_000); }
}
