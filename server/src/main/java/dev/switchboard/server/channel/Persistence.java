package dev.switchboard.server.channel;

import dev.switchboard.server.persistence.MessageStore;

/**
 * What makes a channel persisted: the store its messages are committed to before they are accepted, how long they
 * are kept, and its position (epoch and last serial), which outlives the in-memory channel so that a channel swept
 * from memory, or a process restarted, carries on with the same epoch and serials.
 */
record Persistence(MessageStore store, long retentionMs, Position position) {

    /** A persisted channel's epoch and last committed serial; shared by successive in-memory instances of the channel. */
    static final class Position {
        final String epoch;
        volatile long seq;

        Position(String epoch, long seq) {
            this.epoch = epoch;
            this.seq = seq;
        }
    }
}
