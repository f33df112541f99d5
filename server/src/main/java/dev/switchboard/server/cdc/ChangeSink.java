package dev.switchboard.server.cdc;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where the change connector delivers messages; the realtime server implements it.
 *
 * <p>Contract:
 * <ul>
 *   <li><b>Order.</b> Calls are made one after another from the connector's thread, in commit
 *       order, without waiting for earlier futures. The sink must apply batches in call order
 *       (per channel at least) even while earlier ones are still completing.</li>
 *   <li><b>Durability.</b> Complete the future only when every message of the batch is durably
 *       accepted (e.g. appended to the channel's history). Only then does the connector let
 *       PostgreSQL discard the WAL behind it.</li>
 *   <li><b>Idempotence.</b> After a crash or reconnect the connector replays from the last
 *       confirmed position, so a message may arrive again with the same {@link ChangeMessage#id()}
 *       (same channel). The sink must drop such repeats so subscribers see each change once.</li>
 *   <li><b>Failure.</b> Completing exceptionally makes the connector reconnect and replay from the
 *       last confirmed position (with backoff).</li>
 *   <li><b>Non-blocking.</b> {@code publish} should return quickly; the connector bounds the
 *       number of unconfirmed batches itself.</li>
 * </ul>
 * A batch holds the messages of one transaction, or part of a large one, never two transactions.
 */
@FunctionalInterface
public interface ChangeSink {

    CompletionStage<Void> publish(List<ChangeMessage> batch);
}
