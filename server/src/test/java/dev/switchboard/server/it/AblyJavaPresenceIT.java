package dev.switchboard.server.it;

import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.TcpProxy;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Param;
import io.ably.lib.types.PresenceMessage;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static dev.switchboard.server.testing.SwitchboardExtension.ROOT_KEY;
import static dev.switchboard.server.testing.SwitchboardExtension.uniqueChannel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** ably-java 1.5.0 presence: enter/update/leave, get, subscribe, sync, grace period, rules, REST. */
class AblyJavaPresenceIT {
    static final long GRACE_MS = 2_500;

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension().withPresenceGraceMs(GRACE_MS);
    private final AblyJava ably = new AblyJava(server);

    private AblyRealtime client(WireProtocol protocol, String clientId) {
        ClientOptions o = ably.options(protocol, ROOT_KEY);
        o.clientId = clientId;
        o.disconnectedRetryTimeout = 300;
        return ably.connected(o);
    }

    private static CompletionListener done(CompletableFuture<ErrorInfo> f) {
        return new CompletionListener() {
            @Override public void onSuccess() { f.complete(null); }
            @Override public void onError(ErrorInfo reason) { f.complete(reason == null ? new ErrorInfo("?", 0) : reason); }
        };
    }

    private static ErrorInfo enter(Channel channel, Object data) throws Exception {
        CompletableFuture<ErrorInfo> f = new CompletableFuture<>();
        channel.presence.enter(data, done(f));
        return f.get(AblyJava.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static ErrorInfo leave(Channel channel) throws Exception {
        CompletableFuture<ErrorInfo> f = new CompletableFuture<>();
        channel.presence.leave(done(f));
        return f.get(AblyJava.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static Set<String> members(PresenceMessage[] list) {
        Set<String> out = new HashSet<>();
        for (PresenceMessage m : list) out.add(m.clientId + "@" + m.connectionId);
        return out;
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void enterIsSeenByGetAndSubscribeOfAnotherClient(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("java-pres");
        AblyRealtime observer = client(protocol, "observer");
        Channel observed = observer.channels.get(name);
        List<PresenceMessage> enters = new CopyOnWriteArrayList<>(), updates = new CopyOnWriteArrayList<>(),
                leaves = new CopyOnWriteArrayList<>(), all = new CopyOnWriteArrayList<>();
        observed.presence.subscribe(PresenceMessage.Action.enter, enters::add);
        observed.presence.subscribe(PresenceMessage.Action.update, updates::add);
        observed.presence.subscribe(PresenceMessage.Action.leave, leaves::add);
        observed.presence.subscribe(all::add);
        assertThat(AblyJava.attach(observed)).isNull();

        AblyRealtime alice = client(protocol, "alice");
        Channel aliceChannel = alice.channels.get(name);
        assertThat(enter(aliceChannel, "{\"username\":\"Alice A.\"}")).isNull();
        // Alice's ACK and the observer's PRESENCE event travel on different connections: either may come first.
        PresenceMessage[] list = await().atMost(AblyJava.TIMEOUT).until(() -> observed.presence.get(true), l -> l.length == 1);
        assertThat(list[0].clientId).isEqualTo("alice");
        assertThat(list[0].connectionId).isEqualTo(alice.connection.id);
        assertThat(list[0].data).isEqualTo("{\"username\":\"Alice A.\"}");

        CompletableFuture<ErrorInfo> updated = new CompletableFuture<>();
        aliceChannel.presence.update("{\"username\":\"Alice B.\"}", done(updated));
        assertThat(updated.get(15, TimeUnit.SECONDS)).isNull();
        assertThat(leave(aliceChannel)).isNull();
        await().atMost(AblyJava.TIMEOUT).until(() -> leaves.size() == 1);
        assertThat(all).extracting(m -> m.action).containsExactly(PresenceMessage.Action.enter, PresenceMessage.Action.update, PresenceMessage.Action.leave);
        assertThat(enters).extracting(m -> m.data).containsExactly("{\"username\":\"Alice A.\"}");
        assertThat(updates).extracting(m -> m.data).containsExactly("{\"username\":\"Alice B.\"}");
        assertThat(observed.presence.get(true)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void fiftyClientsInRandomOrderEndAsTheTrueSet(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("java-pres-50");
        AblyRealtime observer = client(protocol, "observer");
        Channel observed = observer.channels.get(name);
        assertThat(AblyJava.attach(observed)).isNull();
        List<AblyRealtime> clients = new ArrayList<>();
        for (int i = 0; i < 50; i++) clients.add(client(protocol, "user-" + i));
        Set<String> present = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            AblyRealtime c = clients.get(i);
            int steps = 1 + ThreadLocalRandom.current().nextInt(4);
            runs.add(CompletableFuture.runAsync(() -> {
                try {
                    Channel ch = c.channels.get(name);
                    boolean inside = false;
                    for (int s = 0; s < steps; s++) {
                        assertThat(inside ? leave(ch) : enter(ch, "step " + s)).isNull();
                        inside = !inside;
                    }
                    if (inside) present.add(c.options.clientId + "@" + c.connection.id);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        CompletableFuture.allOf(runs.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(members(observed.presence.get(true))).isEqualTo(present));
        AblyRealtime late = client(protocol, "late");
        assertThat(members(late.channels.get(name).presence.get(true))).isEqualTo(present);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void twoThousandMembersSyncToALateJoiner(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("java-pres-2000");
        List<CompletableFuture<ErrorInfo>> acks = new ArrayList<>();
        List<AblyRealtime> enterers = new ArrayList<>();
        for (int k = 0; k < 5; k++) enterers.add(ably.connected(ably.options(protocol, ROOT_KEY)));
        for (int k = 0; k < 5; k++) {
            Channel ch = enterers.get(k).channels.get(name);
            assertThat(AblyJava.attach(ch)).isNull();
            for (int j = 0; j < 400; j++) {
                CompletableFuture<ErrorInfo> f = new CompletableFuture<>();
                acks.add(f);
                ch.presence.enterClient("m-" + k + "-" + j, "n" + j, done(f));
            }
        }
        for (CompletableFuture<ErrorInfo> f : acks) assertThat(f.get(30, TimeUnit.SECONDS)).isNull();
        AblyRealtime late = ably.connected(ably.options(protocol, ROOT_KEY));
        PresenceMessage[] list = late.channels.get(name).presence.get(true);
        assertThat(list).hasSize(2000);
        assertThat(Arrays.stream(list).map(m -> m.clientId).distinct().count()).isEqualTo(2000);
        PresenceMessage one = Arrays.stream(list).filter(m -> "m-3-123".equals(m.clientId)).findFirst().orElseThrow();
        assertThat(one.data).isEqualTo("n123");
        assertThat(one.connectionId).isEqualTo(enterers.get(3).connection.id);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void sameClientIdOnTwoConnectionsIsTwoMembers(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("java-pres-twice");
        AblyRealtime phone = client(protocol, "carol");
        AblyRealtime laptop = client(protocol, "carol");
        assertThat(enter(phone.channels.get(name), "phone")).isNull();
        assertThat(enter(laptop.channels.get(name), "laptop")).isNull();
        Channel observed = client(protocol, "observer").channels.get(name);
        assertThat(members(observed.presence.get(true))).containsExactlyInAnyOrder("carol@" + phone.connection.id, "carol@" + laptop.connection.id);
        assertThat(leave(phone.channels.get(name))).isNull();
        await().atMost(AblyJava.TIMEOUT).untilAsserted(() ->
                assertThat(members(observed.presence.get(true))).containsExactly("carol@" + laptop.connection.id));
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void capabilityAndClientIdRules(WireProtocol protocol) throws Exception {
        ClientOptions restricted = ably.options(protocol, SwitchboardExtension.RESTRICTED_KEY);
        restricted.clientId = "dave";
        Channel noPresence = ably.connected(restricted).channels.get("allowed:" + uniqueChannel("nopres"));
        assertThat(AblyJava.attach(noPresence)).isNull();
        ErrorInfo denied = enter(noPresence, "x");
        assertThat(denied).isNotNull();
        assertThat(denied.code).isEqualTo(40160);

        // ably-java checks the clientId itself once connected, so enter before CONNECTED arrives.
        ClientOptions anonymous = ably.options(protocol, ROOT_KEY);
        anonymous.autoConnect = false;
        AblyRealtime anon = ably.realtime(anonymous);
        Channel channel = anon.channels.get(uniqueChannel("noclient"));
        CompletableFuture<ErrorInfo> entering = new CompletableFuture<>();
        channel.presence.enter("x", done(entering));
        anon.connect();
        ErrorInfo noClientId = entering.get(15, TimeUnit.SECONDS);
        assertThat(noClientId).isNotNull();
        assertThat(noClientId.code).isEqualTo(91000);
        AblyJava.awaitState(anon, ConnectionState.connected);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void restPresenceMatchesRealtimePresence(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("java-pres-rest");
        assertThat(enter(client(protocol, "erin").channels.get(name), "Erin")).isNull();
        Channel byKey = ably.connected(ably.options(protocol, ROOT_KEY)).channels.get(name);
        for (String id : List.of("f1", "f2", "f3")) {
            CompletableFuture<ErrorInfo> f = new CompletableFuture<>();
            byKey.presence.enterClient(id, id, done(f));
            assertThat(f.get(15, TimeUnit.SECONDS)).isNull();
        }
        PresenceMessage[] realtime = client(protocol, "observer").channels.get(name).presence.get(true);
        AblyRest rest = ably.rest(ably.options(protocol, ROOT_KEY));
        PresenceMessage[] viaRest = rest.channels.get(name).presence.get(new Param[]{new Param("limit", "100")}).items();
        assertThat(realtime).hasSize(4);
        assertThat(shape(viaRest)).isEqualTo(shape(realtime));
        var page = rest.channels.get(name).presence.get(new Param[]{new Param("limit", "3")});
        assertThat(page.items()).hasSize(3);
        assertThat(page.hasNext()).isTrue();
        assertThat(page.next().items()).hasSize(1);
    }

    private static Set<String> shape(PresenceMessage[] list) {
        Set<String> out = new HashSet<>();
        for (PresenceMessage m : list) out.add(m.clientId + "|" + m.connectionId + "|" + m.data);
        return out;
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void abruptLossLeavesAfterTheGracePeriodAndAResumeWithinItDoesNot(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("java-pres-grace");
        TcpProxy goneProxy = server.closeAfterEach(new TcpProxy(server.port()));
        TcpProxy flakyProxy = server.closeAfterEach(new TcpProxy(server.port()));
        ClientOptions goneOptions = ably.options(protocol, ROOT_KEY);
        goneOptions.clientId = "gone";
        goneOptions.port = goneProxy.port();
        AblyRealtime gone = ably.connected(goneOptions);
        ClientOptions flakyOptions = ably.options(protocol, ROOT_KEY);
        flakyOptions.clientId = "flaky";
        flakyOptions.port = flakyProxy.port();
        flakyOptions.disconnectedRetryTimeout = 300;
        AblyRealtime flaky = ably.connected(flakyOptions);
        String flakyId = flaky.connection.id;
        assertThat(enter(gone.channels.get(name), "here")).isNull();
        assertThat(enter(flaky.channels.get(name), "here")).isNull();
        Channel observed = client(protocol, "observer").channels.get(name);
        List<PresenceMessage> leaves = new CopyOnWriteArrayList<>();
        List<Long> leaveTimes = new CopyOnWriteArrayList<>();
        observed.presence.subscribe(PresenceMessage.Action.leave, m -> { leaves.add(m); leaveTimes.add(System.currentTimeMillis()); });
        List<PresenceMessage.Action> flakyEvents = new CopyOnWriteArrayList<>();
        observed.presence.subscribe(m -> { if ("flaky".equals(m.clientId)) flakyEvents.add(m.action); });
        assertThat(observed.presence.get(true)).hasSize(2);

        long cutAt = System.currentTimeMillis();
        goneProxy.cut();
        flakyProxy.cut();
        AblyJava.awaitState(flaky, ConnectionState.disconnected);
        flakyProxy.restore();
        AblyJava.awaitState(flaky, ConnectionState.connected);
        assertThat(flaky.connection.id).as("flaky resumed").isEqualTo(flakyId);
        assertThat(System.currentTimeMillis() - cutAt).as("resumed within the grace period").isLessThan(GRACE_MS);

        await().atMost(Duration.ofMillis(GRACE_MS + 10_000)).until(() -> !leaves.isEmpty());
        assertThat(leaveTimes.get(0) - cutAt).as("leave after the grace period").isGreaterThanOrEqualTo(GRACE_MS - 200);
        await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() > cutAt + GRACE_MS + 1_000);
        assertThat(leaves).extracting(m -> m.clientId).containsExactly("gone");
        assertThat(flakyEvents).as("no leave/enter flicker for the resumed member")
                .doesNotContain(PresenceMessage.Action.leave, PresenceMessage.Action.enter);
        assertThat(members(observed.presence.get(true))).containsExactly("flaky@" + flakyId);
    }
}
