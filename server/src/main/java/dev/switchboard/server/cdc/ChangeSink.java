package dev.switchboard.server.cdc;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where the change connector delivers messages; the realtime server implements it.
 *
 * <p>Contract:
 * <ul>
 *   <li><b>Order.</b> Calls are made from the connector's thread, in commit order, and the next
 *       call is made only after the previous future completed successfully: at most one batch is
 *       outstanding, so the sink never has to reorder.</li>
 *   <li><b>Durability.</b> Complete the future only when every message of the batch is durably
 *       accepted (e.g. appended to the channel's history). Only then does the connector let
 *       PostgreSQL discard the WAL behind it.</li>
 *   <li><b>Idempotence.</b> After a crash or reconnect the connector replays from the last
 *       confirmed position, so a message may arrive again with the same {@link ChangeMessage#id()}
 *       (same channel). The sink must drop such repeats so subscribers see each change once.</li>
 *   <li><b>Failure.</b> Completing exceptionally makes the connector reconnect and replay from the
 *       last confirmed position (with backoff).</li>
 *   <li><b>Non-blocking.</b> {@code publish} should return quickly and complete the future later
 *       (e.g. from the channel's owner context); the connector keeps reading meanwhile.</li>
 * </ul>
 * A batch holds whole transactions (those committed while the previous batch was out, up to the
 * batch size) or one part of a transaction larger than the batch size; messages are in commit
 * order and, within a transaction, in change order.
 */
@FunctionalInterface
public interface ChangeSink {

    CompletionStage<Void> publish(List<ChangeMessage> batch);
}
