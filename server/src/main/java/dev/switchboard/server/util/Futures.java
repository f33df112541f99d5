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
}
