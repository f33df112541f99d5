package dev.switchboard.server.history;

import dev.switchboard.server.channel.ChannelEvent;

import java.util.List;

/**
 * The events one channel retains for history, rewind, resume and idempotent publishing. Used only from
 * the channel's owner context, so implementations need no locking and must not block.
 */
public interface HistoryStore {

    /** Retains an accepted event (its serials are above every retained one). */
    void append(ChannelEvent event);

    /** Drops what the retention policy no longer covers; returns the dropped events (their ids are forgotten). */
    List<ChannelEvent> prune(long now);

    /**
     * As {@link #prune}, but without the floor of minimum messages: every event older than the retention age goes.
     * For channels nobody uses, whose floor would otherwise keep old events, and the channel with them, for ever.
     */
    List<ChannelEvent> pruneBelowFloor(long now);

    /** Retained events, oldest first. */
    List<ChannelEvent> events();

    /** The oldest retained event, or null. */
    ChannelEvent oldest();

    /** Events with at least one item after {@code seq}, oldest first. */
    List<ChannelEvent> after(long seq);

    /** Drops every event: the log they came from was lost, their serials no longer mean anything. */
    void clear();
}
