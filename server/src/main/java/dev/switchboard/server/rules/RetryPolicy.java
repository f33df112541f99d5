package dev.switchboard.server.rules;

/**
 * How often and how patiently one event is retried. Attempt {@code n} (1-based) that fails waits
 * {@code min(maxBackoffMs, initialBackoffMs * 2^(n-1))}, reduced by up to {@code jitter} of itself at random
 * so that many lanes failing together do not retry in lock step.
 *
 * @param maxAttempts      total attempts including the first, at least 1
 * @param initialBackoffMs wait after the first failure
 * @param maxBackoffMs     cap of the wait
 * @param jitter           fraction in [0, 1] of the wait that is randomised away
 */
public record RetryPolicy(int maxAttempts, long initialBackoffMs, long maxBackoffMs, double jitter) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, 200, 30_000, 0.2);

    public RetryPolicy {
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1");
        if (initialBackoffMs < 0 || maxBackoffMs < initialBackoffMs) throw new IllegalArgumentException("need 0 <= initialBackoffMs <= maxBackoffMs");
        if (!(jitter >= 0 && jitter <= 1)) throw new IllegalArgumentException("jitter must be within [0, 1]");
    }

    /** True when another attempt follows a failed attempt number {@code attempt} (1-based). */
    public boolean retriesAfter(int attempt) { return attempt < maxAttempts; }

    /**
     * The wait before the attempt after failed attempt {@code attempt} (1-based).
     *
     * @param random a uniform value in [0, 1), injected so tests can pin it
     */
    public long backoffMs(int attempt, double random) {
        long base = initialBackoffMs;
        for (int i = 1; i < attempt && base < maxBackoffMs; i++) base = base * 2;
        base = Math.min(base, maxBackoffMs);
        return base - (long) (base * jitter * random);
    }
}
