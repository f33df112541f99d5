package dev.switchboard.server.rules;

import dev.switchboard.server.protocol.Message;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where after-publish rules keep their events until delivered, so that a crash or a restart loses none: an event is
 * added (and committed) before the publisher's ACK, removed when its target took it, and moved to the dead letters
 * when its attempts ran out. Ids increase in the order events were added; delivery follows them per (rule, channel).
 *
 * <p>Contract: no method blocks the caller except {@link #pending()}, {@link #deadLetters} and the replay/discard
 * calls, which are for start-up and the admin API. {@link #add} completes once the events are durable, or fails with a
 * retriable error and nothing was added.
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

    /** Every event not yet delivered, in id order (for start-up). */
    List<Event> pending() throws Exception;

    /** Dead letters, oldest first, at most {@code limit}. */
    List<DeadLetter> deadLetters(int limit) throws Exception;

    /** Moves a dead letter back into the outbox (with a new id, behind what waits); empty if there is no such dead letter. */
    Optional<Event> replay(long id) throws Exception;

    /** Deletes a dead letter for good; false if there is no such dead letter. */
    boolean discard(long id) throws Exception;

    @Override
    void close();
}
