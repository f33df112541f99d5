package dev.switchboard.server.it;

import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.TcpProxy;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.ChannelStateListener;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.realtime.ConnectionStateListener;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.rest.Auth;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import io.ably.lib.types.Param;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static dev.switchboard.server.testing.SwitchboardExtension.ROOT_KEY;
import static dev.switchboard.server.testing.SwitchboardExtension.uniqueChannel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** ably-java 1.5.0: lossless resume, publisher retries without duplicates, a gap past the state TTL, token expiry. */
class AblyJavaResumeIT {
    static final long SHORT_TTL_MS = 3_000;

    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();
    @RegisterExtension
    static final SwitchboardExtension shortServer = new SwitchboardExtension().withConnectionStateTtlMs(SHORT_TTL_MS);

    private final AblyJava ably = new AblyJava(server);

    private ClientOptions fast(AblyJava via, WireProtocol protocol, int port) {
        ClientOptions o = via.options(protocol, ROOT_KEY);
        o.port = port;
        o.disconnectedRetryTimeout = 300;
        o.suspendedRetryTimeout = 300;
        return o;
    }

    private TcpProxy proxy(SwitchboardExtension target) throws Exception {
        return server.closeAfterEach(new TcpProxy(target.port()));
    }

    /** A subscriber and what it saw. */
    private record Sub(String who, AblyRealtime client, String connectionId, Channel channel, List<Message> received,
                       List<ChannelStateListener.ChannelStateChange> channelChanges, List<ConnectionStateListener.ConnectionStateChange> connectionChanges) {}

    private static Sub subscriber(String who, AblyRealtime client, String name) throws Exception {
        Channel channel = client.channels.get(name);
        List<Message> received = new CopyOnWriteArrayList<>();
        channel.subscribe(received::add);
        assertThat(AblyJava.attach(channel)).isNull();
        List<ChannelStateListener.ChannelStateChange> channelChanges = new CopyOnWriteArrayList<>();
        channel.on(channelChanges::add);
        List<ConnectionStateListener.ConnectionStateChange> connectionChanges = new CopyOnWriteArrayList<>();
        client.connection.on(connectionChanges::add);
        return new Sub(who, client, client.connection.id, channel, received, channelChanges, connectionChanges);
    }

    private static void assertExactlyOnceInOrder(List<Message> received, int n, String who) {
        List<Integer> data = received.stream().map(m -> Integer.parseInt((String) m.data)).toList();
        assertThat(data).as(who + ": every message once, in order").containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
    }

    private static CompletionListener into(List<CompletableFuture<ErrorInfo>> acks) {
        CompletableFuture<ErrorInfo> f = new CompletableFuture<>();
        acks.add(f);
        return new CompletionListener() {
            @Override public void onSuccess() { f.complete(null); }
            @Override public void onError(ErrorInfo reason) { f.complete(reason); }
        };
    }

    private static void awaitAcks(List<CompletableFuture<ErrorInfo>> acks) throws Exception {
        for (CompletableFuture<ErrorInfo> f : acks) assertThat(f.get(30, TimeUnit.SECONDS)).as("publish error").isNull();
    }

    @Test
    void thousandMessagesOverTenSecondsSurviveProxyCutAndClientSideKill() throws Exception {
        String name = uniqueChannel("java-resume");
        TcpProxy proxy = proxy(server);
        AblyRealtime publisher = ably.connected(fast(ably, WireProtocol.JSON, server.port()));
        List<Sub> subs = new ArrayList<>();
        for (WireProtocol p : WireProtocol.values()) {
            subs.add(subscriber(p + "/proxy", ably.connected(fast(ably, p, proxy.port())), name));
            subs.add(subscriber(p + "/client", ably.connected(fast(ably, p, server.port())), name));
        }
        Channel pub = publisher.channels.get(name);
        List<CompletableFuture<ErrorInfo>> acks = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            pub.publish("n", Integer.toString(i), into(acks));
            if (i == 250) proxy.cut();
            if (i == 450) proxy.restore();
            if (i == 600) for (Sub s : subs) if (s.who().endsWith("/client")) s.client().connection.connectionManager.requestState(ConnectionState.disconnected);
            long due = start + (i + 1) * 10_000_000L;
            long wait = due - System.nanoTime();
            if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait); // pacing the publisher, not waiting for an outcome
        }
        awaitAcks(acks);
        for (Sub s : subs) {
            await().atMost(Duration.ofSeconds(20)).until(() -> s.received().size() >= 1000);
            await().atMost(AblyJava.TIMEOUT).until(() -> s.client().connection.state == ConnectionState.connected && s.channel().state == ChannelState.attached);
        }
        for (Sub s : subs) {
            assertExactlyOnceInOrder(s.received(), 1000, s.who());
            assertThat(s.client().connection.id).as(s.who() + ": same connection").isEqualTo(s.connectionId());
            assertThat(s.connectionChanges()).as(s.who() + ": transport lost").anyMatch(c -> c.current == ConnectionState.disconnected);
            List<ChannelStateListener.ChannelStateChange> reattached = s.channelChanges().stream().filter(c -> c.current == ChannelState.attached).toList();
            assertThat(reattached).as(s.who() + ": re-attached").isNotEmpty();
            assertThat(reattached).as(s.who() + ": resumed").allMatch(c -> c.resumed);
            assertThat(s.connectionChanges()).as(s.who() + ": no error on reconnect")
                    .noneMatch(c -> c.current == ConnectionState.connected && c.reason != null);
        }
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void publisherCutMidStreamPublishesEachMessageOnce(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("java-pubcut");
        TcpProxy proxy = proxy(server);
        AblyRealtime publisher = ably.connected(fast(ably, protocol, proxy.port()));
        String publisherId = publisher.connection.id;
        Sub sub = subscriber("subscriber", ably.connected(fast(ably, protocol, server.port())), name);
        Channel pub = publisher.channels.get(name);
        assertThat(AblyJava.attach(pub)).isNull();
        List<CompletableFuture<ErrorInfo>> acks = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            pub.publish("n", Integer.toString(i), into(acks));
            if (i == 150) proxy.cut();
            if (i == 200) {
                AblyJava.awaitState(publisher, ConnectionState.disconnected);
                proxy.restore();
            }
            if (i % 10 == 0) Thread.sleep(5); // pacing
        }
        awaitAcks(acks);
        await().atMost(AblyJava.TIMEOUT).until(() -> sub.received().size() >= 300);
        assertThat(AblyJava.publish(sub.channel(), "marker", "-1")).isNull();
        await().atMost(AblyJava.TIMEOUT).until(() -> sub.received().stream().anyMatch(m -> "marker".equals(m.name)));
        assertExactlyOnceInOrder(sub.received().stream().filter(m -> "n".equals(m.name)).toList(), 300, "subscriber");
        assertThat(publisher.connection.id).isEqualTo(publisherId);
        AblyRest rest = ably.rest(ably.options(protocol, ROOT_KEY));
        Message[] history = rest.channels.get(name).history(new Param[]{new Param("limit", "1000")}).items();
        assertThat(history).filteredOn(m -> "n".equals(m.name)).hasSize(300);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void gapLongerThanTheStateTtlIsReportedAsANewConnection(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("java-ttl");
        AblyJava shortAbly = new AblyJava(shortServer);
        TcpProxy proxy = proxy(shortServer);
        AblyRealtime client = shortAbly.connected(fast(shortAbly, protocol, proxy.port()));
        String firstId = client.connection.id;
        Sub sub = subscriber("subscriber", client, name);
        AblyRealtime publisher = shortAbly.connected(fast(shortAbly, protocol, shortServer.port()));

        long cutAt = System.currentTimeMillis();
        proxy.cut();
        assertThat(AblyJava.publish(publisher.channels.get(name), "during-gap", "1")).isNull();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.connection.state == ConnectionState.suspended
                && System.currentTimeMillis() > cutAt + SHORT_TTL_MS + 500);
        proxy.restore();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.connection.state == ConnectionState.connected && sub.channel().state == ChannelState.attached);

        assertThat(client.connection.id).as("a new connection").isNotEqualTo(firstId);
        assertThat(sub.channelChanges()).anyMatch(c -> c.current == ChannelState.suspended);
        ConnectionStateListener.ConnectionStateChange reconnect = sub.connectionChanges().stream()
                .filter(c -> c.current == ConnectionState.connected).findFirst().orElseThrow();
        // ably-java drops a stale key (checkConnectionStale) or resumes and gets 80008: either way a fresh id.
        if (reconnect.reason != null) assertThat(reconnect.reason.code).isEqualTo(80008);
        assertThat(AblyJava.publish(publisher.channels.get(name), "after-gap", "2")).isNull();
        await().atMost(AblyJava.TIMEOUT).until(() -> sub.received().stream().anyMatch(m -> "after-gap".equals(m.name)));
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void expiringTokenIsRenewedWithNoMessageLost(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("java-token");
        AblyRest signer = ably.rest(ably.options(protocol, ROOT_KEY));
        AtomicInteger calls = new AtomicInteger();
        ClientOptions o = fast(ably, protocol, server.port());
        o.key = null;
        o.authCallback = (Auth.TokenCallback) params -> {
            calls.incrementAndGet();
            Auth.TokenParams p = new Auth.TokenParams();
            p.ttl = 2_000;
            return signer.auth.createTokenRequest(p, null);
        };
        AblyRealtime client = ably.connected(o);
        Sub sub = subscriber("token subscriber", client, name);
        AblyRealtime publisher = ably.connected(fast(ably, protocol, server.port()));
        int before = calls.get();
        for (int i = 0; i < 120; i++) {
            assertThat(AblyJava.publish(publisher.channels.get(name), "n", Integer.toString(i))).isNull();
            Thread.sleep(25); // pacing: the publishes span the token's expiry
        }
        await().atMost(AblyJava.TIMEOUT).until(() -> sub.received().size() >= 120);
        assertThat(calls.get()).as("authCallback calls").isGreaterThan(before);
        assertExactlyOnceInOrder(sub.received(), 120, "token subscriber");
        assertThat(client.connection.id).isEqualTo(sub.connectionId());
    }
}
