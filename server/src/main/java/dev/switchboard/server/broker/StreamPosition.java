package dev.switchboard.server.broker;

/**
 * A position in a channel's log: its epoch and an offset. Positions of one epoch compare by offset; one of another
 * epoch cannot be continued from (the log was lost in between).
 */
public record StreamPosition(String epoch, long offset) {
    public boolean sameEpoch(StreamPosition other) { return other != null && epoch.equals(other.epoch); }
}
