package dev.switchboard.server.rules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.channel.Channel;
import dev.switchboard.server.channel.ChannelListener;
import dev.switchboard.server.channel.PublishGate;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.util.Futures;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.PresenceMessage;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * Runs integration rules. Before-publish rules are the channels' {@link PublishGate}: one attempt per publish, whose
 * success lets the channel accept the message and whose failure NACKs the publisher (a {@link RuleRefusal}'s error,
 * 50003 for a timeout or an unavailable target); publishes are independent, so one slow or refused message delays
 * no other. After-publish rules observe what channels accepted and deliver each matching event to the target.
 *
 * <p>After-publish guarantees: at-least-once delivery with exponential backoff up to the rule's {@code maxAttempts}; strictly in
 * publish order per (rule, channel) — the next event waits until the previous one is delivered or has finally
 * failed; asynchronous to the publisher's ACK. The listener callbacks only enqueue (bounded per rule and channel;
 * past the bound the event is counted as overflowed and logged). Without an outbox events live in memory: a crash or
 * a stop past the shutdown grace loses what is still queued. With one, message events are stored before the ACK and
 * delivered by the node that stored them, or, once its outbox lease lapsed, by the one node that took them over.
 *
 * <p>Threads: the callbacks run on channel owners and never block; attempts start on the engine's own event-loop
 * context; functions run on a worker pool; backoff waits are Vert.x timers.
 */
public final class RulesEngine implements ChannelListener, PublishGate, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RulesEngine.class);
    static final int FUNCTION_WORKERS = 8;
    static final Duration DEFAULT_GRACE = Duration.ofSeconds(2);
    /** How often a delivery waiting for the outbox lease looks again. */
    static final long LEASE_WAIT_MS = 200;

    private final Vertx vertx;
    private final Clock clock;
    private final DoubleSupplier random;
    private final Context context;
    private final WorkerExecutor workers;
    private final WebhookDelivery webhooks;
    private final List<RuleRuntime> runtimes;
    /** Subsets of {@link #runtimes}: rules that gate publishes and rules that observe accepted events. */
    private final List<RuleRuntime> beforePublish;
    private final List<RuleRuntime> afterPublish;
    private final Map<LaneKey, Lane> lanes = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile boolean accepting = true;
    /** Set by useOutbox: after-publish message events are then stored before the ACK and survive restarts. */
    private volatile RuleOutbox outbox;
    private volatile boolean closed;

    /**
     * Reads and validates the {@code rules} of the config file (see {@link RulesConfig}) and builds the engine.
     *
     * @throws dev.switchboard.server.config.SettingsException naming the offending key
     */
    public static RulesEngine fromConfig(Vertx vertx, JsonNode configFile, RuleFunctions functions, Clock clock) {
        return new RulesEngine(vertx, RulesConfig.parse(configFile, functions), functions, clock, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** An engine for already-parsed rules; {@code random} yields values in [0, 1) for the backoff jitter. */
    public RulesEngine(Vertx vertx, List<Rule> rules, RuleFunctions functions, Clock clock, DoubleSupplier random) {
        this.vertx = vertx;
        this.clock = clock;
        this.random = random;
        // Called from a non-Vert.x thread this makes a fresh event-loop context that belongs to the engine.
        this.context = vertx.getOrCreateContext();
        boolean anyFunction = rules.stream().anyMatch(r -> r.target() instanceof RuleTarget.Function);
        boolean anyWebhook = rules.stream().anyMatch(r -> r.target() instanceof RuleTarget.Webhook);
        this.workers = anyFunction ? vertx.createSharedWorkerExecutor("switchboard-rules", FUNCTION_WORKERS, 10, TimeUnit.MINUTES) : null;
        this.webhooks = anyWebhook ? new WebhookDelivery(vertx, context, clock) : null;
        List<RuleRuntime> list = new ArrayList<>(rules.size());
        for (Rule rule : rules) {
            Delivery delivery;
            if (rule.target() instanceof RuleTarget.Function f) {
                RuleFunction fn = functions == null ? null : functions.find(f.name());
                if (fn == null) throw new IllegalArgumentException("Rule '" + rule.id() + "': no rule function named '" + f.name() + "'");
                delivery = new FunctionDelivery(vertx, workers, fn, f.timeoutMs());
            } else {
                RuleTarget.Webhook w = (RuleTarget.Webhook) rule.target();
                delivery = (pending, attempt) -> webhooks.post(w, rule, pending, attempt);
            }
            list.add(new RuleRuntime(rule, delivery));
            log.info("Rule '{}': {} {} on channels matching /{}/ -> {}", rule.id(), rule.invocation().wireName(), rule.source().wireName(),
                    rule.channelFilter(), rule.target());
        }
        this.runtimes = List.copyOf(list);
        this.beforePublish = runtimes.stream().filter(r -> r.rule.invocation() == Invocation.BEFORE_PUBLISH).toList();
        this.afterPublish = runtimes.stream().filter(r -> r.rule.invocation() == Invocation.AFTER_PUBLISH).toList();
    }

    /** The rules in config order. */
    public List<Rule> rules() {
        return runtimes.stream().map(r -> r.rule).toList();
    }

    /** The counters of every rule now. */
    public RulesStatus snapshot() {
        Map<String, RuleStats> map = new LinkedHashMap<>();
        for (RuleRuntime r : runtimes) {
            map.put(r.rule.id(), new RuleStats(r.rule.id(), r.delivered.get(), r.retried.get(), r.failed.get(), r.refused.get(),
                    r.overflowed.get(), r.queued.get(), r.deadLettered.get()));
        }
        return new RulesStatus(map);
    }

    @Override
    public boolean guards(String channelName) {
        for (RuleRuntime rt : beforePublish) if (rt.rule.matches(RuleSource.CHANNEL_MESSAGE, channelName)) return true;
        if (outbox != null) for (RuleRuntime rt : afterPublish) if (rt.rule.matches(RuleSource.CHANNEL_MESSAGE, channelName)) return true;
        return false;
    }

    /** Runs the matching before-publish rules one after the other; the first failure refuses the publish. */
    @Override
    public CompletableFuture<Void> admit(String appId, String channelName, List<Message> messages) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        List<Message> copy = List.copyOf(messages);
        for (RuleRuntime rt : beforePublish) {
            if (!rt.rule.matches(RuleSource.CHANNEL_MESSAGE, channelName)) continue;
            Pending pending = new Pending(appId, channelName, rt.rule.id(), copy, null);
            chain = chain.thenCompose(v -> gateAttempt(rt, pending));
        }
        RuleOutbox box = outbox;
        return box == null ? chain : chain.thenCompose(v -> storeForAfterPublish(box, appId, channelName, copy));
    }

    /**
     * With an outbox: the events of the after-publish rules that take this publish are committed before the publisher
     * is ACKed, then queued. A lane whose backlog reached the rule's bound refuses the publish (42910) instead.
     */
    private CompletableFuture<Void> storeForAfterPublish(RuleOutbox box, String appId, String channelName, List<Message> messages) {
        List<RuleRuntime> matching = new ArrayList<>();
        List<RuleOutbox.Event> events = new ArrayList<>();
        long now = clock.millis();
        for (RuleRuntime rt : afterPublish) {
            if (!rt.rule.matches(RuleSource.CHANNEL_MESSAGE, channelName)) continue;
            Lane lane = lanes.get(new LaneKey(rt.rule.id(), appId, channelName));
            int waiting = lane == null ? 0 : lane.size();
            if (waiting >= rt.rule.queueLimit()) {
                rt.overflowed.incrementAndGet();
                return CompletableFuture.failedFuture(ErrorCode.RATE_LIMIT.exception("Rule '" + rt.rule.id() + "' has " + waiting
                        + " events waiting on channel '" + channelName + "' (its bound); publish again later"));
            }
            matching.add(rt);
            events.add(new RuleOutbox.Event(-1, rt.rule.id(), appId, channelName, now, messages));
        }
        if (events.isEmpty()) return CompletableFuture.completedFuture(null);
        return box.add(events).thenAccept(stored -> {
            for (int i = 0; i < stored.size(); i++) enqueueStored(matching.get(i), stored.get(i));
        });
    }

    private void enqueueStored(RuleRuntime rt, RuleOutbox.Event e) {
        enqueue(rt, e.appId(), e.channel(), new Pending(e.appId(), e.channel(), rt.rule.id(), e.messages(), null, e.id()));
    }

    /**
     * Makes after-publish message rules durable: their events are kept in {@code box} from now on, and what it still
     * holds from before (a crash, a restart) is queued for delivery first, in order. Blocking; call before traffic.
     */
    public void useOutbox(RuleOutbox box) throws Exception {
        this.outbox = box;
        // Shared by several nodes, the outbox also hands over the events of nodes that died, and takes back this
        // node's events should its lease lapse.
        box.start(new RuleOutbox.Owner() {
            @Override
            public void take(List<RuleOutbox.Event> events) {
                resume(events);
            }

            @Override
            public void keepOnly(java.util.Set<Long> stillOwned) {
                disown(stillOwned);
            }
        });
    }

    /** Queues stored events (in id order) behind what waits on their lanes. */
    private void resume(List<RuleOutbox.Event> events) {
        int resumed = 0;
        for (RuleOutbox.Event e : events) {
            RuleRuntime rt = runtime(e.ruleId());
            if (rt == null || rt.rule.invocation() != Invocation.AFTER_PUBLISH) {
                log.warn("Outbox holds an event of rule '{}', which is not configured any more; it stays there (id {})", e.ruleId(), e.id());
                continue;
            }
            enqueueStored(rt, e);
            resumed++;
        }
        if (resumed > 0) log.info("Rules: resuming {} undelivered event(s) from the outbox", resumed);
    }

    /** Another node took over this node's stored events except {@code stillOwned}: the others are skipped, not delivered. */
    private void disown(java.util.Set<Long> stillOwned) {
        int dropped = 0;
        for (Lane lane : lanes.values()) dropped += lane.disownExcept(stillOwned);
        if (dropped > 0) log.warn("Rules: {} queued event(s) were taken over by another node (this node's lease had lapsed); skipping them here", dropped);
    }

    private RuleRuntime runtime(String ruleId) {
        for (RuleRuntime rt : runtimes) if (rt.rule.id().equals(ruleId)) return rt;
        return null;
    }

    /**
     * Dead letters, oldest first (blocking: call off the event loop). Without an outbox (no database, or no
     * after-publish rule) none is ever kept: an event that fails for good is counted as failed and logged.
     */
    public List<RuleOutbox.DeadLetter> deadLetters(int limit) throws Exception {
        RuleOutbox box = outbox;
        return box == null ? List.of() : box.deadLetters(limit);
    }

    /** Sends a dead letter to its rule again, behind what waits on its channel; false if there is none with that id. */
    public boolean replayDeadLetter(long id) throws Exception {
        RuleOutbox box = outbox;
        if (box == null) return false;
        java.util.Optional<RuleOutbox.Event> event = box.replay(id);
        event.ifPresent(e -> {
            RuleRuntime rt = runtime(e.ruleId());
            if (rt != null) enqueueStored(rt, e);
        });
        return event.isPresent();
    }

    /** Forgets a dead letter for good; false if there is none with that id. */
    public boolean discardDeadLetter(long id) throws Exception {
        RuleOutbox box = outbox;
        return box != null && box.discard(id);
    }

    private CompletableFuture<Void> gateAttempt(RuleRuntime rt, Pending pending) {
        if (closed) return CompletableFuture.failedFuture(ErrorCode.TIMEOUT.exception("The server is stopping; publish again"));
        CompletableFuture<Void> attempt;
        try {
            attempt = rt.delivery.attempt(pending, 1);
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        return attempt.handle((ok, error) -> {
            if (error == null) {
                rt.delivered.incrementAndGet();
                return null;
            }
            SwitchboardException answer = gateAnswer(rt.rule, Futures.cause(error));
            if (answer.error().retriable()) {
                rt.failed.incrementAndGet();
                log.warn("Rule '{}' could not take message(s) {} on channel '{}': {}", rt.rule.id(), pending.ids(), pending.channel, answer.error().message());
            } else {
                rt.refused.incrementAndGet();
                log.info("Rule '{}' refused message(s) {} on channel '{}': {}", rt.rule.id(), pending.ids(), pending.channel, answer.error().message());
            }
            throw answer;
        });
    }

    /** What the publisher is answered when a before-publish rule's target did not take the message. */
    static SwitchboardException gateAnswer(Rule rule, Throwable cause) {
        if (cause instanceof RuleRefusal r) return new SwitchboardException(r.error());
        if (cause instanceof SwitchboardException se) return se;
        if (cause instanceof WebhookDelivery.WebhookStatusException w && w.status >= 400 && w.status < 500 && w.status != 429) {
            return ErrorCode.INVALID_PARAMETER_VALUE.exception("Refused by rule '" + rule.id() + "': " + w.getMessage());
        }
        if (cause instanceof TimeoutException) {
            return ErrorCode.TIMEOUT.exception("Rule '" + rule.id() + "' did not answer in time (" + cause.getMessage() + "); publish again");
        }
        return ErrorCode.TIMEOUT.exception("Rule '" + rule.id() + "' could not take the message now (" + describe(cause) + "); publish again");
    }

    @Override
    public void onMessages(Channel channel, List<Message> messages) {
        // With an outbox, message events were stored and queued before the channel accepted them (admit).
        if (afterPublish.isEmpty() || messages.isEmpty() || outbox != null) return;
        List<Message> copy = null;
        for (RuleRuntime rt : afterPublish) {
            if (!rt.rule.matches(RuleSource.CHANNEL_MESSAGE, channel.name())) continue;
            if (copy == null) copy = List.copyOf(messages);
            enqueue(rt, channel.appId(), channel.name(), new Pending(channel.appId(), channel.name(), rt.rule.id(), copy, null));
        }
    }

    @Override
    public void onPresence(Channel channel, List<PresenceMessage> events) {
        if (afterPublish.isEmpty() || events.isEmpty()) return;
        List<PresenceMessage> copy = null;
        for (RuleRuntime rt : afterPublish) {
            if (!rt.rule.matches(RuleSource.CHANNEL_PRESENCE, channel.name())) continue;
            if (copy == null) copy = List.copyOf(events);
            enqueue(rt, channel.appId(), channel.name(), new Pending(channel.appId(), channel.name(), rt.rule.id(), null, copy));
        }
    }

    /** Runs on a channel owner (or the outbox's thread): only queues, never blocks on delivery. */
    private void enqueue(RuleRuntime rt, String appId, String channelName, Pending pending) {
        if (!accepting && !pending.durable()) {
            log.warn("Rule '{}': engine is stopping, event on channel '{}' not queued (ids {})", rt.rule.id(), channelName, pending.ids());
            return;
        }
        LaneKey key = new LaneKey(rt.rule.id(), appId, channelName);
        while (true) {
            Lane lane = lanes.computeIfAbsent(key, k -> new Lane(k, rt));
            // A durable event is already stored: its bound was checked before, it must not be dropped now.
            Lane.Offer offer = lane.offer(pending, !pending.durable());
            switch (offer) {
                case RETIRED -> { continue; } // the lane went idle and left the map; take a fresh one
                case OVERFLOW -> {
                    rt.overflowed.incrementAndGet();
                    long now = clock.millis();
                    long last = rt.lastOverflowLog.get();
                    if (now - last >= 1000 && rt.lastOverflowLog.compareAndSet(last, now)) {
                        log.warn("Rule '{}': queue for channel '{}' is full ({} events), dropping event (ids {}); overflowed so far: {}",
                                rt.rule.id(), channelName, rt.rule.queueLimit(), pending.ids(), rt.overflowed.get());
                    }
                }
                case STARTED -> dispatch(() -> attempt(lane, pending, 1));
                case QUEUED -> { }
            }
            return;
        }
    }

    private void dispatch(Runnable r) {
        context.runOnContext(v -> {
            if (!closed) r.run();
        });
    }

    private void attempt(Lane lane, Pending pending, int attempt) {
        RuleRuntime rt = lane.runtime;
        if (pending.durable()) {
            if (pending.disowned) { // another node delivers it now
                next(lane);
                return;
            }
            if (!outbox.holdsLease()) {
                // Another node may be taking this node's events over: wait until the lease is renewed (or they are gone).
                lane.setTimer(vertx.setTimer(LEASE_WAIT_MS, id -> {
                    lane.setTimer(-1);
                    dispatch(() -> attempt(lane, pending, attempt));
                }));
                return;
            }
        }
        CompletableFuture<Void> result;
        try {
            result = rt.delivery.attempt(pending, attempt);
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        result.whenComplete((ok, error) -> {
            if (closed) return;
            if (error == null) {
                rt.delivered.incrementAndGet();
                if (pending.durable()) outbox.delivered(pending.outboxId);
                if (attempt > 1) log.info("Rule '{}': delivered event on channel '{}' at attempt {} (ids {})", rt.rule.id(), pending.channel, attempt, pending.ids());
                next(lane);
                return;
            }
            if (pending.disowned) { // taken over meanwhile: retries and giving up are the new owner's business
                next(lane);
                return;
            }
            Throwable cause = Futures.cause(error);
            if (cause instanceof RuleRefusal refusal && !refusal.retriable()) {
                rt.refused.incrementAndGet();
                log.warn("Rule '{}' refused an event on channel '{}' (app {}); message ids {}: {}", rt.rule.id(), pending.channel,
                        pending.appId, pending.ids(), refusal.error().message());
                toDeadLetters(rt, pending, attempt, refusal.error().message());
                next(lane);
                return;
            }
            RetryPolicy retry = rt.rule.retry();
            if (retry.retriesAfter(attempt)) {
                long delay = retry.backoffMs(attempt, random.getAsDouble());
                rt.retried.incrementAndGet();
                log.warn("Rule '{}': attempt {}/{} on channel '{}' failed ({}); retrying in {} ms", rt.rule.id(), attempt,
                        retry.maxAttempts(), pending.channel, describe(cause), delay);
                lane.setTimer(vertx.setTimer(Math.max(1, delay), id -> {
                    lane.setTimer(-1);
                    dispatch(() -> attempt(lane, pending, attempt + 1));
                }));
            } else {
                rt.failed.incrementAndGet();
                log.error("Rule '{}' gave up on an event on channel '{}' (app {}) after {} attempts; message ids {}; last failure: {}{}",
                        rt.rule.id(), pending.channel, pending.appId, attempt, pending.ids(), describe(cause),
                        pending.durable() ? " (moved to the dead letters)" : "", cause);
                toDeadLetters(rt, pending, attempt, describe(cause));
                next(lane);
            }
        });
    }

    private void toDeadLetters(RuleRuntime rt, Pending pending, int attempts, String lastError) {
        if (!pending.durable()) return;
        rt.deadLettered.incrementAndGet();
        outbox.deadLetter(pending.outboxId, attempts, lastError).whenComplete((v, e) -> {
            // Not moved: it stays in the outbox and is tried again after the next start.
            if (e != null) log.warn("Rule '{}': event {} could not be moved to the dead letters: {}", rt.rule.id(), pending.outboxId, e.toString());
        });
    }

    private void next(Lane lane) {
        Pending following = lane.finishHead(lanes);
        if (following != null) {
            dispatch(() -> attempt(lane, following, 1));
        } else if (!accepting && lanes.isEmpty()) {
            drained.complete(null);
        }
    }

    /** Stops with {@link #DEFAULT_GRACE}. */
    @Override
    public void close() {
        close(DEFAULT_GRACE);
    }

    /**
     * Stops accepting events, lets queued and in-flight deliveries finish for up to {@code grace}, then drops the
     * rest (logged and counted as failed). Blocks the caller: never call it on an event loop.
     */
    public void close(Duration grace) {
        if (closed) return;
        accepting = false;
        if (lanes.isEmpty()) drained.complete(null);
        try {
            drained.get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // Reported below.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Rules engine shutdown: {}", e.toString());
        }
        closed = true;
        for (Lane lane : lanes.values()) {
            List<Pending> left = new ArrayList<>(lane.abandon(vertx));
            long kept = left.stream().filter(Pending::durable).count();
            if (kept > 0) {
                log.info("Rule '{}': {} undelivered event(s) on channel '{}' stay in the outbox for the next start", lane.runtime.rule.id(), kept, lane.key.channel());
            }
            left.removeIf(Pending::durable);
            if (left.isEmpty()) continue;
            lane.runtime.failed.addAndGet(left.size());
            List<String> ids = new ArrayList<>();
            for (Pending p : left) ids.addAll(p.ids());
            log.error("Rule '{}': stopped with {} undelivered event(s) on channel '{}'; message ids {}", lane.runtime.rule.id(), left.size(), lane.key.channel(), ids);
        }
        lanes.clear();
        if (webhooks != null) webhooks.close();
        if (workers != null) workers.close();
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** One attempt to deliver an event to a target; returns at once, completes when the target has answered. */
    interface Delivery {
        CompletableFuture<Void> attempt(Pending pending, int attempt);
    }

    record LaneKey(String ruleId, String appId, String channel) {}

    /** A rule with its target and counters. */
    static final class RuleRuntime {
        final Rule rule;
        final Delivery delivery;
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong retried = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong deadLettered = new AtomicLong();
        final AtomicLong overflowed = new AtomicLong();
        final AtomicLong queued = new AtomicLong();
        final AtomicLong lastOverflowLog = new AtomicLong(Long.MIN_VALUE / 2);

        RuleRuntime(Rule rule, Delivery delivery) {
            this.rule = rule;
            this.delivery = delivery;
        }
    }

    /** One event for one rule: built cheaply on the owner; the envelope and JSON body are made on first use, off the event loop. */
    static final class Pending {
        final String appId;
        final String channel;
        final String ruleId;
        /** The event's id in the outbox, or -1 for an event held in memory only. */
        final long outboxId;
        /** Set when another node took the stored event over: this node must not deliver it. */
        volatile boolean disowned;
        private final List<Message> messages;
        private final List<PresenceMessage> presence;
        private RuleEnvelope envelope;
        private byte[] enveloped;
        private byte[] bare;

        Pending(String appId, String channel, String ruleId, List<Message> messages, List<PresenceMessage> presence) {
            this(appId, channel, ruleId, messages, presence, -1);
        }

        Pending(String appId, String channel, String ruleId, List<Message> messages, List<PresenceMessage> presence, long outboxId) {
            this.outboxId = outboxId;
            this.appId = appId;
            this.channel = channel;
            this.ruleId = ruleId;
            this.messages = messages;
            this.presence = presence;
        }

        synchronized RuleEnvelope envelope() {
            if (envelope == null) {
                envelope = messages != null ? RuleEnvelope.ofMessages(appId, channel, ruleId, messages)
                        : RuleEnvelope.ofPresence(appId, channel, ruleId, presence);
            }
            return envelope;
        }

        synchronized byte[] body(boolean envelopedForm) {
            if (envelopedForm) {
                if (enveloped == null) enveloped = envelope().toJson(true);
                return enveloped;
            }
            if (bare == null) bare = envelope().toJson(false);
            return bare;
        }

        boolean durable() { return outboxId >= 0; }

        /** Stable across retries, so receivers can deduplicate. */
        String eventId() {
            List<String> ids = ids();
            return ruleId + ":" + (ids.isEmpty() ? "" : ids.get(0)) + (ids.size() > 1 ? "+" + (ids.size() - 1) : "");
        }

        List<String> ids() {
            List<String> ids = new ArrayList<>();
            if (messages != null) for (Message m : messages) ids.add(m.id());
            if (presence != null) for (PresenceMessage m : presence) ids.add(m.id());
            return ids;
        }
    }
}
