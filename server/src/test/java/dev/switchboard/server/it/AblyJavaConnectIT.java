package dev.switchboard.server.it;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.rest.Auth;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import io.ably.lib.realtime.Channel;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** ably-java 1.5.0 connects to Switchboard with a key, with tokens from authCallback and authUrl, and fails on a bad key. */
class AblyJavaConnectIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();
    private final AblyJava ably = new AblyJava(server);

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void connectsWithKey(WireProtocol protocol) {
        AblyRealtime client = ably.connected(ably.options(protocol, SwitchboardExtension.ROOT_KEY));

        assertThat(client.connection.id).isNotBlank();
        assertThat(client.connection.key).isNotBlank();
        assertThat(client.connection.reason).isNull();
        assertThat(client.auth.getAuthMethod()).isEqualTo(Auth.AuthMethod.basic);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void connectsWithTokenFromAuthCallback(WireProtocol protocol) {
        AblyRest signer = ably.rest(ably.options(protocol, SwitchboardExtension.ROOT_KEY));
        AtomicInteger calls = new AtomicInteger();
        ClientOptions options = ably.options(protocol);
        options.authCallback = params -> {
            calls.incrementAndGet();
            return signer.auth.createTokenRequest(params, null);
        };

        AblyRealtime client = ably.connected(options);

        assertThat(calls).hasPositiveValue();
        assertThat(client.auth.getAuthMethod()).isEqualTo(Auth.AuthMethod.token);
        assertThat(client.auth.getTokenDetails()).isNotNull();
        assertThat(client.auth.getTokenDetails().token).startsWith("sb1.");
        assertThat(client.auth.getTokenDetails().expires).isGreaterThan(System.currentTimeMillis());
        assertThat(client.connection.id).isNotBlank();
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void connectsWithTokenFromAuthUrl(WireProtocol protocol) throws Exception {
        AblyRest signer = ably.rest(ably.options(protocol, SwitchboardExtension.ROOT_KEY));
        AtomicInteger calls = new AtomicInteger();
        HttpServer authServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        authServer.createContext("/auth", exchange -> {
            try (exchange) {
                calls.incrementAndGet();
                byte[] body = signer.auth.createTokenRequest(new Auth.TokenParams(), null).asJson().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } catch (Exception e) {
                exchange.sendResponseHeaders(500, -1);
            }
        });
        authServer.start();
        server.closeAfterEach(() -> authServer.stop(0));
        ClientOptions options = ably.options(protocol);
        options.authUrl = "http://127.0.0.1:" + authServer.getAddress().getPort() + "/auth";

        AblyRealtime client = ably.connected(options);

        assertThat(calls).hasPositiveValue();
        assertThat(client.auth.getAuthMethod()).isEqualTo(Auth.AuthMethod.token);
        assertThat(client.auth.getTokenDetails().token).startsWith("sb1.");
        assertThat(client.connection.id).isNotBlank();
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void tokenClientIdAndCapabilityApplyToTheConnection(WireProtocol protocol) throws Exception {
        AblyRest signer = ably.rest(ably.options(protocol, SwitchboardExtension.ROOT_KEY));
        ClientOptions options = ably.options(protocol);
        options.authCallback = params -> {
            Auth.TokenParams narrowed = new Auth.TokenParams();
            narrowed.clientId = "token-user";
            narrowed.capability = "{\"allowed:*\":[\"*\"]}";
            return signer.auth.createTokenRequest(narrowed, null);
        };
        AblyRealtime client = ably.connected(options);
        assertThat(client.auth.clientId).isEqualTo("token-user");

        Channel allowed = client.channels.get("allowed:" + SwitchboardExtension.uniqueChannel("token"));
        List<Message> got = new CopyOnWriteArrayList<>();
        allowed.subscribe(got::add);
        assertThat(AblyJava.attach(allowed)).isNull();
        assertThat(AblyJava.publish(allowed, "mine", "data")).isNull();
        await().atMost(AblyJava.TIMEOUT).until(() -> !got.isEmpty());
        assertThat(got.get(0).clientId).isEqualTo("token-user");

        ErrorInfo denied = AblyJava.attach(client.channels.get(SwitchboardExtension.uniqueChannel("elsewhere")));
        assertThat(denied).isNotNull();
        assertThat(denied.code).isEqualTo(40160);
        assertThat(client.connection.state).isEqualTo(ConnectionState.connected);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void badKeySecretFailsTheConnectionWith40101(WireProtocol protocol) {
        String wrongSecret = SwitchboardExtension.APP_ID + ".root:not-the-secret";
        AblyRealtime client = ably.realtime(ably.options(protocol, wrongSecret));

        AblyJava.awaitState(client, ConnectionState.failed);
        assertThat(client.connection.reason).isNotNull();
        assertThat(client.connection.reason.code).isEqualTo(40101);
        assertThat(client.connection.reason.statusCode).isEqualTo(401);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void unknownKeyNameFailsTheConnectionWith40101(WireProtocol protocol) {
        AblyRealtime client = ably.realtime(ably.options(protocol, SwitchboardExtension.APP_ID + ".nosuchkey:secret"));

        AblyJava.awaitState(client, ConnectionState.failed);
        assertThat(client.connection.reason.code).isEqualTo(40101);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void restTimeIsTheServerClock(WireProtocol protocol) throws Exception {
        AblyRest rest = ably.rest(ably.options(protocol, SwitchboardExtension.ROOT_KEY));
        long before = System.currentTimeMillis();

        long serverTime = rest.time();

        assertThat(serverTime).isBetween(before - 1000, System.currentTimeMillis() + 1000);
    }
}
