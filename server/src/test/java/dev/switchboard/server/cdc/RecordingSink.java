package dev.switchboard.server.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A {@link ChangeSink} that records what it accepts and, like the realtime server will, drops
 * a message whose (channel, id) it has already seen.
 */
final class RecordingSink implements ChangeSink {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Set<String> seen = new HashSet<>();
    private final List<ChangeMessage> unique = new ArrayList<>();
    private final AtomicInteger received = new AtomicInteger();
    private volatile long confirmDelayMillis;
    private volatile Predicate<List<ChangeMessage>> failWhen = batch -> false;
    private final AtomicInteger failuresInjected = new AtomicInteger();

    /** Confirm batches only after a delay, so some are always unconfirmed when the connector stops. */
    RecordingSink confirmingAfter(long millis) {
        this.confirmDelayMillis = millis;
        return this;
    }

    /** Fail (once) the first batch matching the condition, without recording it. */
    RecordingSink failingOnceWhen(Predicate<List<ChangeMessage>> condition) {
        AtomicInteger fired = new AtomicInteger();
        this.failWhen = batch -> condition.test(batch) && fired.getAndIncrement() == 0;
        return this;
    }

    @Override
    public CompletionStage<Void> publish(List<ChangeMessage> batch) {
        if (failWhen.test(batch)) {
            failuresInjected.incrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException("injected sink failure"));
        }
        synchronized (this) {
            for (ChangeMessage m : batch) {
                received.incrementAndGet();
                if (seen.add(m.channel() + "\u0000" + m.id())) {
                    unique.add(m);
                }
            }
        }
        long delay = confirmDelayMillis;
        return delay == 0 ? CompletableFuture.completedFuture(null)
                : CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS));
    }

    int failuresInjected() {
        return failuresInjected.get();
    }

    synchronized List<ChangeMessage> messages() {
        return List.copyOf(unique);
    }

    synchronized int size() {
        return unique.size();
    }

    /** Messages received including repeats the dedupe dropped. */
    int receivedIncludingRepeats() {
        return received.get();
    }

    List<JsonNode> payloads() {
        return messages().stream().map(m -> parse(m.data())).toList();
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
