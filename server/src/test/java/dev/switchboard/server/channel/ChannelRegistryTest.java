package dev.switchboard.server.channel;

import dev.switchboard.server.history.RetentionPolicy;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.PresenceMessage;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.WireFormat;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.switchboard.server.channel.ChannelTest.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChannelRegistryTest {
    private static final long NOW = 1_700_000_000_000L;
    private static Vertx vertx;
    private static List<Context> owners;

    private final ChannelRegistry registry = new ChannelRegistry(owners, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), RetentionPolicy.defaults());

    @BeforeAll
    static void startVertx() throws Exception {
        vertx = Vertx.vertx();
        owners = ChannelTest.startContexts(vertx, 3);
    }

    @AfterAll
    static void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception { return f.get(5, TimeUnit.SECONDS); }

    @Test
    void needsAnOwner() {
        assertThatThrownBy(() -> new ChannelRegistry(List.of(), Clock.systemUTC(), RetentionPolicy.defaults()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void channelsAreCreatedOncePerAppAndName() {
        assertThat(registry.existing("a", "x")).isNull();
        Channel x = registry.channel("a", "x");
        assertThat(registry.channel("a", "x")).isSameAs(x);
        assertThat(registry.existing("a", "x")).isSameAs(x);
        assertThat(registry.channel("b", "x")).isNotSameAs(x);
        assertThat(x.appId()).isEqualTo("a");
        assertThat(x.name()).isEqualTo("x");
        assertThat(owners).contains(x.owner());
    }

    @Test
    void operationsRunOnTheOwnerWithTheRegistryClock() throws Exception {
        Channel ch = registry.channel("a", "clocked");
        CompletableFuture<Context> ranOn = new CompletableFuture<>();
        CompletableFuture<PublishOutcome> outcome = new CompletableFuture<>();
        registry.publish(ch, List.of(msg(null, "d")), "conn", "conn:0", (o, e) -> {
            ranOn.complete(Vertx.currentContext());
            outcome.complete(o);
        });
        assertThat(get(ranOn)).isSameAs(ch.owner());
        assertThat(get(outcome).serials()).hasSize(1);
        List<Message> stored = get(registry.inspect(ch, c -> c.retainedEvents(NOW).get(0).messages()));
        assertThat(stored).singleElement().satisfies(m -> assertThat(m.timestamp()).isEqualTo(NOW));
    }

    @Test
    void serverSidePublishIsIdempotentByIdBase() throws Exception {
        PublishOutcome first = get(registry.publish("a", "rest", List.of(msg(null, "1"), msg(null, "2")), "batch-1"));
        PublishOutcome again = get(registry.publish("a", "rest", List.of(msg(null, "1"), msg(null, "2")), "batch-1"));
        assertThat(again.serials()).isEqualTo(first.serials());
        Channel ch = registry.existing("a", "rest");
        assertThat(get(registry.inspect(ch, c -> (Integer) c.retainedEvents(NOW).size())).intValue()).isEqualTo(1);
    }

    @Test
    void attachErrorsReachTheCallback() throws Exception {
        Channel ch = registry.channel("a", "bad-rewind");
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        ChannelTest.Recorder sub = new ChannelTest.Recorder(owners.get(0), "c", WireFormat.JSON, true);
        registry.attach(ch, sub, "ch", ChannelTest.ALL_MODES, Map.of("rewind", "x"), null, (r, e) -> error.complete(e));
        assertThat(get(error)).isInstanceOfSatisfying(SwitchboardException.class, e -> assertThat(e.error().code()).isEqualTo(40003));
    }

    @Test
    void inspectReportsReaderFailures() {
        Channel ch = registry.channel("a", "inspect");
        CompletableFuture<Object> f = registry.inspect(ch, c -> { throw new IllegalStateException("boom"); });
        assertThatThrownBy(() -> get(f)).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void listenerSetLaterSeesChannelsCreatedEarlier() throws Exception {
        Channel ch = registry.channel("a", "listened");
        List<String> heard = new CopyOnWriteArrayList<>();
        registry.setListener(new ChannelListener() {
            @Override public void onMessages(Channel channel, List<Message> messages) { heard.add(channel.name() + ":" + messages.size()); }

            @Override public void onPresence(Channel channel, List<PresenceMessage> events) { heard.add("presence:" + events.size()); }
        });
        get(registry.publish("a", "listened", List.of(msg(null, "1")), "x"));
        CompletableFuture<PublishOutcome> p = new CompletableFuture<>();
        registry.presence(ch, List.of(ChannelTest.presence(PresenceMessage.ENTER, "alice", null, null)), "c1", "c1:0", (o, e) -> p.complete(o));
        get(p);
        registry.leaveAll(ch, "c1");
        assertThat(get(registry.inspect(ch, Channel::presenceMembers))).isEmpty();
        assertThat(heard).containsExactly("listened:1", "presence:1", "presence:1");
    }

    @Test
    void sweeperForgetsIdleChannelsAndOperationsOnAnOldInstanceReachAFreshOne() throws Exception {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(NOW);
        Clock clock = new Clock() {
            @Override public long millis() { return now.get(); }
            @Override public Instant instant() { return Instant.ofEpochMilli(now.get()); }
            @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        };
        ChannelRegistry swept = new ChannelRegistry(owners, clock, new RetentionPolicy(1_000, 0, 100));
        Channel idle = swept.channel("a", "idle");
        Channel busy = swept.channel("a", "busy");
        CompletableFuture<AttachResult> attached = new CompletableFuture<>();
        swept.attach(busy, new ChannelTest.Recorder(owners.get(0), "c", WireFormat.JSON, true), "busy", ChannelTest.ALL_MODES, null, null,
                (r, e) -> attached.complete(r));
        get(attached);

        now.addAndGet(10_000);
        swept.startSweeper(vertx, 10, 5_000);
        org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> swept.existing("a", "idle") == null);
        assertThat(swept.existing("a", "busy")).isSameAs(busy);

        // a caller still holding the retired instance is redirected to a fresh channel
        CompletableFuture<PublishOutcome> published = new CompletableFuture<>();
        swept.publish(idle, List.of(msg(null, "late")), null, "x", (o, e) -> published.complete(o));
        get(published);
        Channel fresh = swept.existing("a", "idle");
        assertThat(fresh).isNotNull().isNotSameAs(idle);
        assertThat(get(swept.inspect(fresh, c -> c.retainedEvents(now.get()).size())).intValue()).isEqualTo(1);
    }

    @Test
    void detachStopsDelivery() throws Exception {
        Channel ch = registry.channel("a", "detach");
        ChannelTest.Recorder sub = new ChannelTest.Recorder(owners.get(1), "c", WireFormat.JSON, true);
        CompletableFuture<AttachResult> attached = new CompletableFuture<>();
        registry.attach(ch, sub, "detach", ChannelTest.ALL_MODES, null, null, (r, e) -> attached.complete(r));
        get(attached);
        registry.detach(ch, sub, "detach");
        get(registry.publish("a", "detach", List.of(msg(null, "1")), "x"));
        sub.settle();
        assertThat(sub.frames).isEmpty();
        assertThat(get(registry.inspect(ch, c -> (Integer) c.attachmentCount())).intValue()).isZero();
    }
}
