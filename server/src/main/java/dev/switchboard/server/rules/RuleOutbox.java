package dev.switchboard.server.rules;

import dev.switchboard.server.protocol.Message;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Where after-publish rules keep their events until delivered, so that a crash or a restart loses none: an event is
 * added (and committed) before the publisher's ACK, removed when its target took it, and moved to the dead letters
 * when its attempts ran out. Ids increase in the order events were added; delivery follows them per (rule, channel).
 *
 * <p>Several nodes may share one outbox: an event belongs to the node that added it, which alone delivers it while it
 * holds its lease; when a node's lease lapses, one other node takes over all its events and delivers them. A node is
 * told its events through {@link Owner}: its own at {@link #start}, then those it takes over, and, should its own
 * lease have lapsed, which of them it still owns.
 *
 * <p>Contract: no method blocks the caller except {@link #start}, {@link #pending()}, {@link #deadLetters} and the
 * replay/discard calls, which are for start-up and the admin API. {@link #add} completes once the events are durable,
 * or fails with a retriable error and nothing was added.
 */
public interface RuleOutbox extends AutoCloseable {

    /** An event of one rule: the messages of one publish on one channel. {@code id} orders delivery. */
    record Event(long id, String ruleId, String appId, String channel, long createdAt, List<Message> messages) {}

    /** A dead letter: an event whose attempts ran out, with the last failure. */
    record DeadLetter(Event event, int attempts, String lastError, long failedAt) {}

    /** Assigns ids to the events (in the order given) and makes them durable. */
    CompletableFuture<List<Event>> add(List<Event> withoutIds);

    /** The event was delivered: it is forgotten (asynchronously; after a crash before that, it is delivered again). */
    void delivered(long id);

    /** The event's attempts ran out: it moves to the dead letters. */
    CompletableFuture<Void> deadLetter(long id, int attempts, String lastError);

    /** Every event of this node not yet delivered, in id order. */
    List<Event> pending() throws Exception;

    /**
     * Hands {@code owner} this node's undelivered events (what it left at its last stop or crash), then keeps it
     * informed: events taken over from nodes whose lease lapsed, and the loss of events when this node's own lease
     * lapsed. Call once, before traffic; blocking. Without a cluster there is nothing to take over.
     */
    default void start(Owner owner) throws Exception {
        owner.take(pending());
    }

    /**
     * False while this node cannot be sure it still owns its events (its lease may have lapsed): delivering them then
     * could duplicate another node's delivery, so delivery waits.
     */
    default boolean holdsLease() {
        return true;
    }

    /** Who delivers a node's events: the rules engine. Called on the outbox's threads; must not block. */
    interface Owner {
        /** Events this node is to deliver (its own at start, or taken over from a lapsed node), in id order. */
        void take(List<Event> events);

        /**
         * This node's lease had lapsed and other nodes may have taken its events: of the events it was given before,
         * only those with an id in {@code stillOwned} are its own; it must not deliver the others.
         */
        void keepOnly(Set<Long> stillOwned);
    }

    /** Dead letters, oldest first, at most {@code limit}. */
    List<DeadLetter> deadLetters(int limit) throws Exception;

    /** Moves a dead letter back into the outbox (with a new id, behind what waits); empty if there is no such dead letter. */
    Optional<Event> replay(long id) throws Exception;

    /** Deletes a dead letter for good; false if there is no such dead letter. */
    boolean discard(long id) throws Exception;

    @Override
    void close();
}
