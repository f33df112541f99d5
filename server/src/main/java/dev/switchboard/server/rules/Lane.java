package dev.switchboard.server.rules;

import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The queue of one (rule, channel): the head is in flight (or waiting for its retry), the rest wait behind it,
 * which is what keeps delivery in publish order. A lane that runs empty retires and leaves the engine's map, so
 * idle channels cost nothing; an offer that finds a retired lane takes a fresh one. The lock is held only for
 * queue bookkeeping, never across a delivery.
 */
final class Lane {
    enum Offer { STARTED, QUEUED, OVERFLOW, RETIRED }

    final RulesEngine.LaneKey key;
    final RulesEngine.RuleRuntime runtime;
    private final ArrayDeque<RulesEngine.Pending> queue = new ArrayDeque<>();
    private boolean busy;
    private boolean retired;
    private long timerId = -1;

    Lane(RulesEngine.LaneKey key, RulesEngine.RuleRuntime runtime) {
        this.key = key;
        this.runtime = runtime;
    }

    /** Adds an event; STARTED tells the caller to start delivering it (the lane was idle). */
    synchronized Offer offer(RulesEngine.Pending pending, boolean enforceLimit) {
        if (retired) return Offer.RETIRED;
        if (enforceLimit && queue.size() >= runtime.rule.queueLimit()) return Offer.OVERFLOW;
        queue.addLast(pending);
        runtime.queued.incrementAndGet();
        if (busy) return Offer.QUEUED;
        busy = true;
        return Offer.STARTED;
    }

    /** The head is done (delivered or finally failed): returns the next event to deliver, or null after retiring. */
    synchronized RulesEngine.Pending finishHead(Map<RulesEngine.LaneKey, Lane> lanes) {
        if (queue.pollFirst() != null) runtime.queued.decrementAndGet();
        RulesEngine.Pending next = queue.peekFirst();
        if (next == null) {
            busy = false;
            retired = true;
            lanes.remove(key, this);
        }
        return next;
    }

    synchronized void setTimer(long id) { timerId = id; }

    /** Marks the stored events whose id is not in {@code stillOwned} (another node delivers them); returns how many. */
    synchronized int disownExcept(Set<Long> stillOwned) {
        int marked = 0;
        for (RulesEngine.Pending p : queue) {
            if (p.durable() && !p.disowned && !stillOwned.contains(p.outboxId)) {
                p.disowned = true;
                marked++;
            }
        }
        return marked;
    }

    /** Events waiting or in flight. */
    synchronized int size() { return queue.size(); }

    /** At shutdown: cancels a pending retry and returns the events that will not be delivered. */
    synchronized List<RulesEngine.Pending> abandon(Vertx vertx) {
        if (timerId >= 0) vertx.cancelTimer(timerId);
        retired = true;
        List<RulesEngine.Pending> left = new ArrayList<>(queue);
        runtime.queued.addAndGet(-left.size());
        queue.clear();
        return left;
    }
}
