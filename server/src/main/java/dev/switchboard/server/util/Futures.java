package dev.switchboard.server.util;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Small helpers for futures. */
public final class Futures {
    private Futures() {}

    /** The failure a future's wrappers ({@link CompletionException}, {@link ExecutionException}) stand for. */
    public static Throwable cause(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }

    /** Waits for the future and returns its value, or throws its failure as it was thrown (unwrapped). */
    public static <T> T join(java.util.concurrent.CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = cause(e);
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw e;
        }
    }
}
