package dev.switchboard.server.rules;

import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.channel.Channel;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.SwitchboardException;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.switchboard.server.rules.RulesTestSupport.publish;
import static dev.switchboard.server.rules.RulesTestSupport.stats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Before-publish rules: the publisher's ACK waits for the target, a refusal is the publisher's NACK. */
class BeforePublishRulesIT {
    @TempDir
    Path dir;
    private SwitchboardServer server;
    private final List<AblyRealtime> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(AblyRealtime::close);
        if (server != null) server.close();
    }

    private static String gate(String filter, String function, String extra) {
        return "[{'id':'gate','channelFilter':'" + filter + "','invocation':'beforePublish','target':{'type':'function','name':'"
                + function + "'" + extra + "}}]";
    }

    private List<String> retained(String channel) throws Exception {
        Channel ch = server.context().channels().channel(RulesTestSupport.APP, channel);
        return server.context().channels().inspect(ch, c -> c.retainedEvents(System.currentTimeMillis()).stream()
                .flatMap(e -> e.messages().stream()).map(m -> m.name()).toList()).get(5, TimeUnit.SECONDS);
    }

    @Test
    void theAckWaitsForTheFunctionAndARefusalIsTheNackWithItsReason() throws Exception {
        Set<String> stored = ConcurrentHashMap.newKeySet();
        RuleFunctions functions = new RuleFunctions().register("store", env -> {
            String name = env.messages().get(0).name();
            if (name.startsWith("bad")) throw RuleRefusal.permanent(ErrorCode.INVALID_PARAMETER_VALUE, "content is longer than 4000 characters");
            if (name.startsWith("forged")) throw RuleRefusal.permanent(ErrorCode.OPERATION_NOT_PERMITTED, "not the author");
            stored.add(name);
            return null;
        });
        server = RulesTestSupport.start(dir, gate("^guarded$", "store", ""), functions);

        publish(server, "guarded", "good", "{}").get(5, TimeUnit.SECONDS);
        assertThat(stored).as("stored before the publish completed").contains("good");

        assertThatThrownBy(() -> publish(server, "guarded", "bad", "{}").get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SwitchboardException.class)
                .satisfies(e -> {
                    assertThat(((SwitchboardException) e).error().code()).isEqualTo(40003);
                    assertThat(((SwitchboardException) e).error().message()).isEqualTo("content is longer than 4000 characters");
                });
        assertThatThrownBy(() -> publish(server, "guarded", "forged", "{}").get(5, TimeUnit.SECONDS))
                .cause().satisfies(e -> assertThat(((SwitchboardException) e).error().code()).isEqualTo(40160));
        // Other channels are not gated at all.
        publish(server, "open", "anything", "{}").get(5, TimeUnit.SECONDS);

        assertThat(retained("guarded")).as("refused messages never reach the channel").containsExactly("good");
        RuleStats s = stats(server, "gate");
        assertThat(s.delivered()).isEqualTo(1);
        assertThat(s.refused()).isEqualTo(2);
        assertThat(s.queued()).isZero();
    }

    @Test
    void anUnavailableTargetGivesARetriableNackWithinTheTimeoutAndNothingIsAccepted() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        RuleFunctions functions = new RuleFunctions()
                .register("down", env -> { throw RuleRefusal.unavailable("database unavailable", null); })
                .register("hangs", env -> { never.await(); return null; })
                .register("bug", env -> { throw new IllegalStateException("boom"); });
        server = RulesTestSupport.start(dir, "[{'id':'d','channelFilter':'^down$','invocation':'beforePublish','target':{'type':'function','name':'down'}},"
                + "{'id':'h','channelFilter':'^hangs$','invocation':'beforePublish','target':{'type':'function','name':'hangs','timeoutMs':300}},"
                + "{'id':'b','channelFilter':'^bug$','invocation':'beforePublish','target':{'type':'function','name':'bug'}}]", functions);

        for (String channel : List.of("down", "hangs", "bug")) {
            long started = System.nanoTime();
            Throwable cause = catchCause(() -> publish(server, channel, "m", "{}").get(5, TimeUnit.SECONDS));
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(cause).as(channel).isInstanceOf(SwitchboardException.class);
            dev.switchboard.server.protocol.ErrorInfo error = ((SwitchboardException) cause).error();
            assertThat(error.code()).as(channel).isEqualTo(50003);
            assertThat(error.retriable()).isTrue();
            assertThat(tookMs).as("NACK time on %s", channel).isLessThan(1_500);
            assertThat(retained(channel)).isEmpty();
        }
        never.countDown();
    }

    @Test
    void oneSlowMessageDelaysNoOtherPublisherAndEachConnectionKeepsItsOrder() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> order = new CopyOnWriteArrayList<>();
        RuleFunctions functions = new RuleFunctions().register("store", env -> {
            String name = env.messages().get(0).name();
            if (name.equals("slow")) release.await(5, TimeUnit.SECONDS);
            order.add(name);
            return null;
        });
        server = RulesTestSupport.start(dir, gate("^guarded$", "store", ""), functions);
        AblyRealtime slowClient = client();
        AblyRealtime fastClient = client();
        io.ably.lib.realtime.Channel slowChannel = slowClient.channels.get("guarded");
        io.ably.lib.realtime.Channel fastChannel = fastClient.channels.get("guarded");

        CompletableFuture<ErrorInfo> slow = realtimePublish(slowChannel, "slow");
        CompletableFuture<ErrorInfo> afterSlow = realtimePublish(slowChannel, "after-slow");
        for (int i = 0; i < 10; i++) {
            assertThat(realtimePublish(fastChannel, "fast-" + i).get(2, TimeUnit.SECONDS)).as("fast publisher's ACK").isNull();
        }
        assertThat(slow).isNotDone();
        assertThat(afterSlow).as("a connection's later publish waits for its earlier one").isNotDone();

        release.countDown();
        assertThat(slow.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(afterSlow.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(order.indexOf("slow")).isLessThan(order.indexOf("after-slow"));
        await().atMost(Duration.ofSeconds(5)).until(() -> retained("guarded").size() == 12);
        List<String> channelOrder = retained("guarded");
        assertThat(channelOrder.indexOf("slow")).isLessThan(channelOrder.indexOf("after-slow"));
    }

    @Test
    void aRefusalReachesTheRealtimePublisherAsANackWithCodeAndMessage() throws Exception {
        RuleFunctions functions = new RuleFunctions().register("store", env -> {
            throw RuleRefusal.permanent(ErrorCode.INVALID_PARAMETER_VALUE, "content is longer than 4000 characters");
        });
        server = RulesTestSupport.start(dir, gate("^guarded$", "store", ""), functions);
        ErrorInfo error = realtimePublish(client().channels.get("guarded"), "too-long").get(5, TimeUnit.SECONDS);
        assertThat(error).isNotNull();
        assertThat(error.code).isEqualTo(40003);
        assertThat(error.statusCode).isEqualTo(400);
        assertThat(error.message).isEqualTo("content is longer than 4000 characters");
    }

    private AblyRealtime client() throws Exception {
        ClientOptions o = new ClientOptions(RulesTestSupport.APP + ".root:secret");
        o.restHost = o.realtimeHost = "localhost";
        o.port = server.port();
        o.tls = false;
        o.useBinaryProtocol = false;
        AblyRealtime r = new AblyRealtime(o);
        clients.add(r);
        return r;
    }

    private static CompletableFuture<ErrorInfo> realtimePublish(io.ably.lib.realtime.Channel channel, String name) throws Exception {
        CompletableFuture<ErrorInfo> done = new CompletableFuture<>();
        channel.publish(new Message(name, "{}"), new CompletionListener() {
            @Override public void onSuccess() { done.complete(null); }

            @Override public void onError(ErrorInfo reason) { done.complete(reason); }
        });
        return done;
    }

    private static Throwable catchCause(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        try {
            call.call();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Throwable t) {
            return t;
        }
        return null;
    }
}
