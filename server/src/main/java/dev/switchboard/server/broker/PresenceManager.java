package dev.switchboard.server.broker;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The members present on every channel, shared by the nodes: the seam beside {@link Broker}. A member is keyed by
 * (clientId, connectionId) and held by the node its connection is on. Implementations: {@link MemoryPresenceManager}
 * (one node) and, for several nodes, one on Redis.
 *
 * <p>Contract, for every implementation:
 * <ul>
 *   <li><b>Changes.</b> {@link #apply} applies one ENTER, UPDATE or LEAVE atomically per channel and says what changed:
 *       an ENTER of a member already present with the same member id, or a LEAVE of an absent member, changes
 *       nothing (null); such an ENTER from another node moves the member to that node's lease (a connection resumed
 *       there adopts its members). Counts stay exact however many nodes apply changes at once.</li>
 *   <li><b>Leases.</b> A node renews its lease with {@link #renew}; the members of a node whose lease has lapsed are
 *       removed by {@link #expireLapsed}, each reported to exactly one caller cluster-wide, so exactly one node
 *       announces its LEAVE. A node that comes back with the same id after its members were expired must enter
 *       them again.</li>
 *   <li><b>Reads.</b> {@link #members} lists the channel's current members in entry order (for SYNC); it reflects every
 *       change whose future has completed.</li>
 *   <li><b>Non-blocking and fallible</b>, as {@link Broker}: futures, and {@code SwitchboardException}s that say
 *       retriable (50003: the store is unavailable) or permanent.</li>
 * </ul>
 */
public interface PresenceManager extends AutoCloseable {

    /** Applies a change; completes with what it changed (to broadcast), or null when it changed nothing. */
    CompletableFuture<Member> apply(ChannelKey channel, Change change);

    /** The channel's members, in entry order. */
    CompletableFuture<List<Member>> members(ChannelKey channel);

    /** Renews {@code nodeId}'s lease on its members for {@code leaseMs} from now. */
    CompletableFuture<Void> renew(String nodeId, long leaseMs);

    /** Removes the members of nodes whose lease has lapsed and returns them, each to one caller only. */
    CompletableFuture<List<Departure>> expireLapsed();

    @Override
    void close();

    enum Action { ENTER, UPDATE, LEAVE }

    /**
     * A change asked for by a member's connection on {@code nodeId}: the member id (dedup of repeated ENTERs), its time,
     * and the member's data as opaque bytes.
     */
    record Change(Action action, String clientId, String connectionId, String nodeId, String memberId, long timestamp,
                  byte[] data) {}

    /** A member as stored: {@code action} is what it last did (ENTER, UPDATE, or LEAVE for a reported departure). */
    record Member(Action action, String clientId, String connectionId, String nodeId, String memberId, long timestamp,
                  byte[] data) {}

    /** A member removed because its node's lease lapsed. */
    record Departure(ChannelKey channel, Member member) {}
}
