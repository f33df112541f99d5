package dev.switchboard.server.presence;

import dev.switchboard.server.protocol.PresenceMessage;

import java.util.List;

/**
 * The members present on one channel, keyed by (clientId, connectionId): one user on two devices is two
 * members. Called only from the channel's owner context, so implementations need no locking; they must
 * not block (a remote implementation keeps a local view and replicates asynchronously).
 */
public interface PresenceStore {

    /**
     * Applies an ENTER, UPDATE or LEAVE (ids, clientId, connectionId and timestamp already set) and
     * returns the event to broadcast, or null when it changes nothing (a repeated ENTER with the same id,
     * a LEAVE of an absent member).
     */
    PresenceMessage apply(PresenceMessage event);

    /** Current members as PRESENT messages, in entry order. */
    List<PresenceMessage> members();

    /** The members a connection holds, for leaving them when it goes. */
    List<PresenceMessage> membersOf(String connectionId);

    boolean isEmpty();

    /** How many members there are; may be read from any thread (a gauge), where it is approximate. */
    int size();
}
