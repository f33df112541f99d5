package dev.switchboard.server.channel;

import dev.switchboard.server.broker.Broker;
import dev.switchboard.server.broker.ChannelKey;
import dev.switchboard.server.broker.MemoryBroker;
import dev.switchboard.server.broker.MemoryPresenceManager;
import dev.switchboard.server.broker.StreamPosition;
import dev.switchboard.server.history.RetentionPolicy;
import dev.switchboard.server.protocol.Message;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static dev.switchboard.server.channel.ChannelTest.msg;
import static org.assertj.core.api.Assertions.assertThat;

/** A channel shared through a broker: one broker call in flight per channel, so a publisher's order survives any broker timing. */
class SharedChannelTest {
    private static Vertx vertx;
    private static List<Context> owners;
    private static ScheduledExecutorService brokerThread;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        owners = ChannelTest.startContexts(vertx, 2);
        brokerThread = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stop() throws Exception {
        brokerThread.shutdownNow();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /**
     * A memory broker whose publishes complete after a random delay and apply in the order they complete, as calls in
     * flight together can on Redis (a script reloaded after NOSCRIPT, a command re-sent after a reconnect).
     */
    private static final class UnorderedBroker implements Broker {
        final MemoryBroker inner = new MemoryBroker(Clock.systemUTC(), new Retention(60_000, 100, 10_000, 60_000));
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger mostInFlight = new AtomicInteger();

        @Override
        public CompletableFuture<Published> publish(ChannelKey channel, List<NewEntry> entries) {
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            CompletableFuture<Published> done = new CompletableFuture<>();
            brokerThread.schedule(() -> {
                inFlight.decrementAndGet();
                inner.publish(channel, entries).whenComplete((p, e) -> { if (e != null) done.completeExceptionally(e); else done.complete(p); });
            }, ThreadLocalRandom.current().nextInt(0, 3_000), TimeUnit.MICROSECONDS);
            return done;
        }

        @Override public CompletableFuture<StreamPosition> top(ChannelKey channel) { return inner.top(channel); }

        @Override public CompletableFuture<Since> since(ChannelKey channel, StreamPosition from, int limit) { return inner.since(channel, from, limit); }

        @Override public CompletableFuture<HistoryPage> history(ChannelKey channel, HistoryQuery query) { return inner.history(channel, query); }

        @Override public CompletableFuture<Subscription> subscribe(ChannelKey channel, Consumer<Notice> listener) { return inner.subscribe(channel, listener); }

        @Override public void close() { inner.close(); }
    }

    @Test
    void aPublishersMessagesAreStoredAndAnsweredInTheOrderSentWhateverTheBrokersTiming() throws Exception {
        UnorderedBroker broker = new UnorderedBroker();
        ChannelRegistry registry = new ChannelRegistry(owners, Clock.systemUTC(), RetentionPolicy.defaults());
        registry.shareThrough(new ChannelRegistry.SharedLog(broker, new MemoryPresenceManager(Clock.systemUTC()), "node-1"), vertx, 10_000);

        List<CompletableFuture<PublishOutcome>> answers = new ArrayList<>();
        for (int i = 0; i < 300; i++) answers.add(registry.publish("app", "ordered", List.of(msg(null, "m" + i)), "conn:" + i));
        List<String> serials = new ArrayList<>();
        for (CompletableFuture<PublishOutcome> a : answers) serials.add(a.get(10, TimeUnit.SECONDS).serials().get(0));

        assertThat(serials).as("serials in the order sent").isSorted().doesNotHaveDuplicates();
        List<String> stored = new ArrayList<>();
        for (Broker.Entry e : broker.history(new ChannelKey("app", "ordered"), new Broker.HistoryQuery(null, null, false, 1_000, null, null)).get().entries()) {
            Message m = BrokerLink.decode(e.payload()).messages.get(0);
            stored.add(m.id());
        }
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) sent.add("conn:" + i + ":0");
        assertThat(stored).as("stored in the order sent").isEqualTo(sent);
        assertThat(broker.mostInFlight.get()).as("broker calls in flight at once for one channel").isEqualTo(1);
    }
}
