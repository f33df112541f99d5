package dev.switchboard.server.cdc;

import java.time.Duration;

/**
 * Timing and sizing knobs of a {@link ChangeConnector}; {@link #defaults()} suit production.
 *
 * @param statusInterval     how often a standby status (flushed LSN) is sent to the server
 * @param lockPollInterval   how often a standby instance tries to take the advisory lock
 * @param minBackoff         first reconnect delay, doubled per failure
 * @param maxBackoff         longest reconnect delay (also the retry delay of FAILED)
 * @param maxBatchSize       messages per {@link ChangeSink#publish} call (large transactions are split)
 * @param maxQueuedMessages  messages read but not yet handed to the sink before reading pauses
 */
public record ConnectorOptions(Duration statusInterval, Duration lockPollInterval, Duration minBackoff,
                               Duration maxBackoff, int maxBatchSize, int maxQueuedMessages) {

    public static ConnectorOptions defaults() {
        return new ConnectorOptions(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofMillis(200),
                Duration.ofSeconds(30), 1000, 20_000);
    }

    /** Short intervals for tests. */
    public ConnectorOptions fast() {
        return new ConnectorOptions(Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofMillis(50),
                Duration.ofSeconds(1), maxBatchSize, maxQueuedMessages);
    }
}
