package dev.switchboard.server.cdc;

import dev.switchboard.server.cdc.mapping.CommittedTransaction;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Hands committed transactions to the {@link ChangeSink} one batch at a time, in commit order.
 *
 * <p>Only one batch is ever unconfirmed: if the sink rejected a batch while later ones were
 * already accepted, the replay would put the rejected changes after them. Transactions that
 * commit while a batch is out are queued and go out together in the next batch (like a group
 * commit), so throughput does not suffer from the wait. A transaction larger than the batch size
 * is split into consecutive batches; the slot may be flushed past it only after its last one.
 *
 * <p>Used by the connector thread only.
 */
final class OrderedPublisher {

    /** What was confirmed since the last call. {@code flushTo} is null when no transaction completed. */
    record Progress(Lsn flushTo, long confirmedMessages) {
    }

    private record InFlight(CompletableFuture<Void> done, int size, Lsn flushTo, Instant oldestCommit) {
    }

    private final ChangeSink sink;
    private final int maxBatchSize;
    private final Runnable onComplete;
    private final Deque<CommittedTransaction> queue = new ArrayDeque<>();
    /** How many messages of the head transaction already went out (it is being split). */
    private int sentOfHead;
    private int queuedMessages;
    private InFlight inFlight;

    /**
     * @param onComplete called (on any thread) when a batch completes, to wake the connector
     */
    OrderedPublisher(ChangeSink sink, int maxBatchSize, Runnable onComplete) {
        this.sink = sink;
        this.maxBatchSize = maxBatchSize;
        this.onComplete = onComplete;
    }

    void enqueue(CommittedTransaction tx) {
        queue.addLast(tx);
        queuedMessages += tx.messages().size();
    }

    /** Messages queued and not yet handed to the sink. */
    int queuedMessages() {
        return queuedMessages - sentOfHead;
    }

    /** Nothing queued and nothing waiting for confirmation. */
    boolean isIdle() {
        return inFlight == null && queue.isEmpty();
    }

    /** Commit time of the oldest transaction not yet confirmed, or null. */
    Instant oldestUnconfirmedCommit() {
        if (inFlight != null) {
            return inFlight.oldestCommit();
        }
        return queue.isEmpty() ? null : queue.peekFirst().commitTime();
    }

    /**
     * Collects the outcome of the batch in flight and sends the next one.
     *
     * @throws SinkFailedException if the sink rejected the batch; the caller must replay from the slot
     */
    Progress pump() {
        Lsn flushTo = null;
        long confirmed = 0;
        if (inFlight != null && inFlight.done().isDone()) {
            awaitOutcome(inFlight.done());
            confirmed = inFlight.size();
            flushTo = inFlight.flushTo();
            inFlight = null;
        }
        if (inFlight == null) {
            Lsn sentFlush = sendNext();
            if (inFlight == null && sentFlush != null) {
                // Only empty transactions were queued: nothing to confirm, the position advances at once.
                flushTo = sentFlush;
            }
        }
        return new Progress(flushTo, confirmed);
    }

    /** Waits up to {@code timeout} for the batch in flight; true if none is left in flight. */
    boolean awaitInFlight(long timeoutMillis) throws InterruptedException {
        InFlight current = inFlight;
        if (current == null) {
            return true;
        }
        try {
            current.done().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException | CancellationException e) {
            // pump() reports it.
        }
        return true;
    }

    /** Drops queued work after a failure; it will be replayed from the slot. */
    void clear() {
        queue.clear();
        queuedMessages = 0;
        sentOfHead = 0;
        inFlight = null;
    }

    /** Builds and publishes the next batch; returns the flush position of an all-empty batch. */
    private Lsn sendNext() {
        List<ChangeMessage> batch = new ArrayList<>();
        Lsn flushTo = null;
        Instant oldest = null;
        while (!queue.isEmpty() && batch.size() < maxBatchSize) {
            CommittedTransaction head = queue.peekFirst();
            List<ChangeMessage> messages = head.messages();
            if (oldest == null) {
                oldest = head.commitTime();
            }
            int take = Math.min(messages.size() - sentOfHead, maxBatchSize - batch.size());
            batch.addAll(messages.subList(sentOfHead, sentOfHead + take));
            sentOfHead += take;
            if (sentOfHead < messages.size()) {
                break; // the rest of this transaction goes in the next batch
            }
            queue.pollFirst();
            queuedMessages -= messages.size();
            sentOfHead = 0;
            flushTo = head.endLsn();
        }
        if (batch.isEmpty()) {
            return flushTo;
        }
        CompletableFuture<Void> done;
        try {
            done = sink.publish(List.copyOf(batch)).toCompletableFuture();
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        inFlight = new InFlight(done, batch.size(), flushTo, oldest);
        done.whenComplete((ok, error) -> onComplete.run());
        return null;
    }

    private static void awaitOutcome(CompletableFuture<Void> done) {
        try {
            done.get();
        } catch (ExecutionException e) {
            throw new SinkFailedException(e.getCause());
        } catch (CancellationException e) {
            throw new SinkFailedException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkFailedException(e);
        }
    }

    /** The sink completed a publish exceptionally. */
    static final class SinkFailedException extends RuntimeException {
        SinkFailedException(Throwable cause) {
            super("change sink failed to accept a batch: " + cause, cause);
        }
    }
}
