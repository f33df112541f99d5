package dev.switchboard.server.testing;

import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.util.Log;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** ably-java clients pointed at a {@link SwitchboardExtension} server, closed after each test. */
public final class AblyJava {
    public static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final SwitchboardExtension server;

    public AblyJava(SwitchboardExtension server) { this.server = server; }

    /** Options that reach the test server and nothing else: no TLS, no environment, no fallback hosts. */
    public ClientOptions options(WireProtocol protocol) {
        ClientOptions o = new ClientOptions();
        o.restHost = server.host();
        o.realtimeHost = server.host();
        o.port = server.port();
        o.tls = false;
        o.useBinaryProtocol = protocol.binary();
        o.autoConnect = true;
        o.logLevel = Log.WARN;
        return o;
    }

    public ClientOptions options(WireProtocol protocol, String key) {
        ClientOptions o = options(protocol);
        o.key = key;
        return o;
    }

    public AblyRealtime realtime(ClientOptions options) {
        try {
            AblyRealtime realtime = new AblyRealtime(options);
            server.closeAfterEach(realtime::close);
            return realtime;
        } catch (AblyException e) {
            throw new AssertionError("Could not create an AblyRealtime", e);
        }
    }

    public AblyRealtime connected(ClientOptions options) {
        AblyRealtime realtime = realtime(options);
        awaitState(realtime, ConnectionState.connected);
        return realtime;
    }

    public AblyRest rest(ClientOptions options) {
        try {
            AblyRest rest = new AblyRest(options);
            server.closeAfterEach(rest);
            return rest;
        } catch (AblyException e) {
            throw new AssertionError("Could not create an AblyRest", e);
        }
    }

    public static void awaitState(AblyRealtime realtime, ConnectionState state) {
        await().atMost(TIMEOUT).untilAsserted(() -> {
            if (realtime.connection.state != state) {
                throw new AssertionError("connection is " + realtime.connection.state + ", expected " + state
                        + (realtime.connection.reason == null ? "" : " (reason: " + realtime.connection.reason + ")"));
            }
        });
    }

    /** Attaches and waits for the outcome; returns null on success or the error. */
    public static ErrorInfo attach(Channel channel) throws Exception {
        CompletableFuture<ErrorInfo> done = new CompletableFuture<>();
        channel.attach(listener(done));
        return done.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Publishes and waits for the ACK (null) or NACK (the error). */
    public static ErrorInfo publish(Channel channel, String name, Object data) throws Exception {
        CompletableFuture<ErrorInfo> done = new CompletableFuture<>();
        channel.publish(name, data, listener(done));
        return done.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static CompletionListener listener(CompletableFuture<ErrorInfo> done) {
        return new CompletionListener() {
            @Override public void onSuccess() { done.complete(null); }

            @Override public void onError(ErrorInfo reason) {
                done.complete(reason == null ? new ErrorInfo("error without ErrorInfo", 0) : reason);
            }
        };
    }
}
