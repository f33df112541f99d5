package dev.switchboard.server.rules;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.channel.Channel;
import dev.switchboard.server.config.SettingsException;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.PresenceMessage;
import io.vertx.core.Context;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.switchboard.server.rules.RulesTestSupport.publish;
import static dev.switchboard.server.rules.RulesTestSupport.stats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class RulesFunctionIT {
    @TempDir
    Path dir;
    private SwitchboardServer server;
    private ListAppender<ILoggingEvent> log;

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (log != null) RulesTestSupport.stopCapture(log);
    }

    private static String rule(String id, String filter, String function, String extra) {
        return "{'id':'" + id + "','channelFilter':'" + filter + "','target':{'type':'function','name':'" + function + "'}" + extra + "}";
    }

    @Test
    void throwingFunctionIsRetriedThenLoggedAndCountedAndTheNextEventStillArrives() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        RuleFunctions functions = new RuleFunctions().register("persist", env -> {
            String name = env.messages().get(0).name();
            calls.add(name);
            threads.add(Thread.currentThread().getName() + (Context.isOnEventLoopThread() ? " (event loop)" : ""));
            if (name.equals("poison")) throw new IllegalStateException("cannot store " + name);
            return CompletableFuture.completedFuture(null);
        });
        log = RulesTestSupport.captureEngineLog();
        server = RulesTestSupport.start(dir, "[" + rule("persist", "^outgoing-chat$", "persist",
                ",'retry':{'maxAttempts':3,'initialBackoffMs':10,'maxBackoffMs':50}") + "]", functions);

        publish(server, "outgoing-chat", "poison", "{}").get(5, TimeUnit.SECONDS);
        publish(server, "outgoing-chat", "chatMsg", "{\"content\":\"hi\"}").get(5, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> stats(server, "persist").delivered() == 1);
        assertThat(calls).containsExactly("poison", "poison", "poison", "chatMsg");
        RuleStats s = stats(server, "persist");
        assertThat(s.failed()).isEqualTo(1);
        assertThat(s.retried()).isEqualTo(2);
        assertThat(s.queued()).isZero();
        assertThat(threads).allSatisfy(t -> assertThat(t).startsWith("switchboard-rules").doesNotContain("event loop"));

        ILoggingEvent gaveUp = log.list.stream().filter(e -> e.getLevel() == Level.ERROR).findFirst().orElseThrow();
        assertThat(gaveUp.getFormattedMessage())
                .contains("'persist'", "'outgoing-chat'", "after 3 attempts", "cannot store poison")
                .containsPattern("message ids \\[pub\\d+:0\\]");
    }

    @Test
    void functionThatNeverCompletesTimesOutAndIsRetried() {
        AtomicInteger calls = new AtomicInteger();
        RuleFunctions functions = new RuleFunctions().register("hangs-once", env ->
                calls.incrementAndGet() == 1 ? new CompletableFuture<>() : CompletableFuture.completedFuture(null));
        server = RulesTestSupport.start(dir, "[{'id':'t','channelFilter':'^t$','target':{'type':'function','name':'hangs-once','timeoutMs':200},"
                + "'retry':{'maxAttempts':2,'initialBackoffMs':5,'maxBackoffMs':5}}]", functions);
        publish(server, "t", "n", "1");
        await().atMost(Duration.ofSeconds(10)).until(() -> stats(server, "t").delivered() == 1);
        assertThat(stats(server, "t").retried()).isEqualTo(1);
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void orderPerChannelHoldsFor200QuickPublishesToASlowTarget() throws Exception {
        Map<String, List<String>> seen = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        AtomicInteger maxInFlight = new AtomicInteger();
        RuleFunctions functions = new RuleFunctions().register("slow", env -> {
            AtomicInteger n = inFlight.computeIfAbsent(env.channel(), c -> new AtomicInteger());
            maxInFlight.accumulateAndGet(n.incrementAndGet(), Math::max);
            seen.computeIfAbsent(env.channel(), c -> new CopyOnWriteArrayList<>()).add(env.messages().get(0).data());
            // Completes later on another thread: slow, asynchronous target.
            return CompletableFuture.runAsync(n::decrementAndGet, CompletableFuture.delayedExecutor(2, TimeUnit.MILLISECONDS));
        });
        server = RulesTestSupport.start(dir, "[" + rule("slow", "^seq-", "slow", "") + "]", functions);

        List<CompletableFuture<?>> published = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            expected.add(Integer.toString(i));
            published.add(publish(server, "seq-a", "n", Integer.toString(i)));
            published.add(publish(server, "seq-b", "n", Integer.toString(i)));
        }
        CompletableFuture.allOf(published.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(30)).until(() -> stats(server, "slow").delivered() == 400);
        assertThat(seen.get("seq-a")).containsExactlyElementsOf(expected);
        assertThat(seen.get("seq-b")).containsExactlyElementsOf(expected);
        assertThat(maxInFlight.get()).isEqualTo(1);
        RuleStats s = stats(server, "slow");
        assertThat(s.retried() + s.failed() + s.overflowed() + s.queued()).isZero();
    }

    @Test
    void fullQueueCountsOverflowInsteadOfBlockingOrGrowing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        RuleFunctions functions = new RuleFunctions().register("stuck", env -> {
            release.await(10, TimeUnit.SECONDS); // blocking is allowed: functions run on workers
            seen.add(env.messages().get(0).data());
            return null;
        });
        server = RulesTestSupport.start(dir, "[" + rule("stuck", "^q$", "stuck", ",'queueLimit':2") + "]", functions);

        for (int i = 1; i <= 5; i++) publish(server, "q", "n", Integer.toString(i)).get(5, TimeUnit.SECONDS);
        RuleStats full = stats(server, "stuck");
        assertThat(full.overflowed()).isEqualTo(3);
        assertThat(full.queued()).isEqualTo(2);

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> stats(server, "stuck").delivered() == 2);
        assertThat(seen).containsExactly("1", "2");
        assertThat(stats(server, "stuck").queued()).isZero();
    }

    @Test
    void presenceRuleGetsPresenceEventsOnly() throws Exception {
        List<RuleEnvelope> got = new CopyOnWriteArrayList<>();
        RuleFunctions functions = new RuleFunctions().register("who", env -> {
            got.add(env);
            return CompletableFuture.completedFuture(null);
        });
        server = RulesTestSupport.start(dir, "[{'id':'who','channelFilter':'^room$','source':'channel.presence','target':{'type':'function','name':'who'}}]", functions);

        publish(server, "room", "not-presence", "x").get(5, TimeUnit.SECONDS);
        Channel room = server.context().channels().channel(RulesTestSupport.APP, "room");
        CompletableFuture<Void> entered = new CompletableFuture<>();
        server.context().channels().presence(room, List.of(new PresenceMessage(null, PresenceMessage.ENTER, "alice", null, null,
                new Payload("{\"username\":\"alice\"}", null), null)), "conn-1", "conn-1:0", (outcome, error) -> {
            if (error != null) entered.completeExceptionally(error); else entered.complete(null);
        });
        entered.get(5, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> stats(server, "who").delivered() == 1);
        RuleEnvelope env = got.get(0);
        assertThat(env.source()).isEqualTo("channel.presence");
        assertThat(env.messages()).isEmpty();
        assertThat(env.presence()).singleElement().satisfies(p -> {
            assertThat(p.action()).isEqualTo(PresenceMessage.ENTER);
            assertThat(p.clientId()).isEqualTo("alice");
            assertThat(p.connectionId()).isEqualTo("conn-1");
            assertThat(p.data()).isEqualTo("{\"username\":\"alice\"}");
        });
    }

    @Test
    void serverRefusesToStartWithABadRuleNamingTheKey() {
        RuleFunctions functions = new RuleFunctions().register("known", env -> null);
        assertThatThrownBy(() -> RulesTestSupport.start(dir, "[" + rule("a", "^x$", "unknown", "") + "]", functions))
                .isInstanceOf(SettingsException.class)
                .hasMessageStartingWith("config key 'rules[0].target.name': no rule function named 'unknown'");
        assertThatThrownBy(() -> RulesTestSupport.start(dir, "[" + rule("a", "^x$", "known", "") + ",{'id':'b','channelFilter':'[','target':{'type':'webhook','url':'http://h/'}}]", functions))
                .isInstanceOf(SettingsException.class)
                .hasMessageStartingWith("config key 'rules[1].channelFilter': not a valid regular expression");
    }

    @Test
    void closeLetsInFlightDeliveriesFinish() throws Exception {
        RuleFunctions functions = new RuleFunctions().register("late", env ->
                CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS)));
        server = RulesTestSupport.start(dir, "[" + rule("late", "^z$", "late", "") + "]", functions);
        publish(server, "z", "n", "1").get(5, TimeUnit.SECONDS);
        publish(server, "z", "n", "2").get(5, TimeUnit.SECONDS);

        server.close();
        RuleStats s = server.rules().snapshot().rule("late");
        server = null;
        assertThat(s.delivered()).isEqualTo(2);
        assertThat(s.failed()).isZero();
        assertThat(s.queued()).isZero();
    }

    @Test
    void closeAfterTheGraceCountsWhatIsLeftAsFailed() throws Exception {
        RuleFunctions functions = new RuleFunctions().register("never", env -> new CompletableFuture<>());
        log = RulesTestSupport.captureEngineLog();
        server = RulesTestSupport.start(dir, "[" + rule("never", "^z$", "never", "") + "]", functions);
        publish(server, "z", "n", "1").get(5, TimeUnit.SECONDS);
        publish(server, "z", "n", "2").get(5, TimeUnit.SECONDS);

        server.rules().close(Duration.ofMillis(100));
        RuleStats s = server.rules().snapshot().rule("never");
        assertThat(s.failed()).isEqualTo(2);
        assertThat(s.queued()).isZero();
        assertThat(log.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("stopped with 2 undelivered event(s) on channel 'z'"));
    }

    @Test
    void functionsFromServiceLoaderProvidersAreFound() throws Exception {
        // A class path entry holding only the provider listing; the provider class comes from the parent loader.
        Path services = Files.createDirectories(dir.resolve("cp/META-INF/services"));
        Files.writeString(services.resolve(RuleFunctionProvider.class.getName()), TestRuleFunctionProvider.class.getName() + "\n");
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[]{dir.resolve("cp").toUri().toURL()}, getClass().getClassLoader())) {
            thread.setContextClassLoader(loader);
            assertThat(RuleFunctions.discovered().names()).containsExactly(TestRuleFunctionProvider.NAME);
            server = SwitchboardServer.start(RulesTestSupport.config(dir, RulesTestSupport.json("{'rules':[" + rule("sl", "^sl$", TestRuleFunctionProvider.NAME, "") + "]}")),
                    Clock.systemUTC(), List.of());
        } finally {
            thread.setContextClassLoader(previous);
        }
        publish(server, "sl", "n", "1").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> stats(server, "sl").delivered() == 1);
    }
}
