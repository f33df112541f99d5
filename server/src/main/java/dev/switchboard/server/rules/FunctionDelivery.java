package dev.switchboard.server.rules;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * Calls a {@link RuleFunction} on the worker pool. An attempt fails when the function throws, completes its stage
 * exceptionally or does not complete within the timeout, counted from submission to the worker pool (a timed-out
 * call is not interrupted and its late outcome is ignored; a call still waiting for a worker is skipped). A function
 * returning null counts as done.
 */
final class FunctionDelivery implements RulesEngine.Delivery {
    private final Vertx vertx;
    private final WorkerExecutor workers;
    private final RuleFunction function;
    private final long timeoutMs;

    FunctionDelivery(Vertx vertx, WorkerExecutor workers, RuleFunction function, long timeoutMs) {
        this.vertx = vertx;
        this.workers = workers;
        this.function = function;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public CompletableFuture<Void> attempt(RulesEngine.Pending pending, int attempt) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        long timer = vertx.setTimer(timeoutMs, id -> result.completeExceptionally(
                new TimeoutException("rule function did not complete within " + timeoutMs + " ms")));
        result.whenComplete((v, e) -> vertx.cancelTimer(timer));
        workers.<Void>executeBlocking(() -> {
            // Timed out while waiting for a free worker: the retry owns the event now, so do not run it twice.
            if (result.isDone()) return null;
            CompletionStage<Void> stage = function.handle(pending.envelope());
            if (stage == null) {
                result.complete(null);
            } else {
                stage.whenComplete((v, e) -> {
                    if (e != null) result.completeExceptionally(e); else result.complete(null);
                });
            }
            return null;
        }, false).onFailure(result::completeExceptionally);
        return result;
    }
}
