package dev.switchboard.server.cdc;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Batches handed to the sink and not yet confirmed, oldest first. Confirmation is taken strictly
 * from the head, so the flushable position only ever covers a gap-free prefix of the stream.
 * Used by the connector thread only.
 */
final class PendingBatches {

    /** One publish call; {@code flushTo} is set on the last batch of a transaction only. */
    record Batch(CompletableFuture<Void> done, int size, Lsn flushTo, Instant commitTime) {
    }

    /** What the head-most confirmed batches allow. */
    record Progress(Lsn flushTo, long confirmedMessages) {
    }

    private final Deque<Batch> batches = new ArrayDeque<>();

    void add(Batch batch) {
        batches.addLast(batch);
    }

    int size() {
        return batches.size();
    }

    boolean isEmpty() {
        return batches.isEmpty();
    }

    Batch oldest() {
        return batches.peekFirst();
    }

    /**
     * Removes the completed batches at the head.
     *
     * @throws SinkFailedException if the head batch failed; the caller must replay from the slot
     */
    Progress drainConfirmed() {
        Lsn flushTo = null;
        long confirmed = 0;
        while (!batches.isEmpty() && batches.peekFirst().done().isDone()) {
            Batch head = batches.pollFirst();
            try {
                head.done().get();
            } catch (ExecutionException e) {
                throw new SinkFailedException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SinkFailedException(e);
            } catch (java.util.concurrent.CancellationException e) {
                throw new SinkFailedException(e);
            }
            confirmed += head.size();
            if (head.flushTo() != null) {
                flushTo = head.flushTo();
            }
        }
        return new Progress(flushTo, confirmed);
    }

    void clear() {
        batches.clear();
    }

    /** The sink completed a publish exceptionally. */
    static final class SinkFailedException extends RuntimeException {
        SinkFailedException(Throwable cause) {
            super("change sink failed to accept a batch: " + cause, cause);
        }
    }
}
