package dev.switchboard.server.limits;

import dev.switchboard.server.config.Limits;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Guards the listening socket, shared by every HTTP verticle: one remote address holds at most
 * {@link Limits#maxConnectionsPerAddress()} TCP connections (further ones are closed on accept, before any
 * request is parsed), and a connection that has not sent a complete first request or WebSocket upgrade
 * within {@link Limits#handshakeTimeoutMs()} is closed. Counts follow Netty's channel close, which fires
 * once per TCP connection whether or not it was upgraded to a WebSocket.
 */
public final class ConnectionGuard {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
    private static final AttributeKey<Long> HANDSHAKE_TIMER = AttributeKey.valueOf("switchboard.handshakeTimer");
    private static final long REFUSAL_LOG_INTERVAL_MS = 60_000;

    private final Vertx vertx;
    private final Limits limits;
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong lastRefusalLog = new AtomicLong();
    private volatile boolean stopping;

    public ConnectionGuard(Vertx vertx, Limits limits) {
        this.vertx = vertx;
        this.limits = limits;
    }

    /** For {@code HttpServer.connectionHandler}: counts the connection and starts its handshake clock. */
    public void onConnection(HttpConnection connection) {
        if (!(connection instanceof ConnectionBase base)) return;
        Channel channel = base.channel();
        if (stopping) {
            channel.close();
            return;
        }
        String address = AddressRateLimiter.addressOf(connection.remoteAddress());
        int now = perAddress.merge(address, 1, Integer::sum);
        channel.closeFuture().addListener(f -> release(address, channel));
        if (now > limits.maxConnectionsPerAddress()) {
            refused.incrementAndGet();
            logRefusal(address, now);
            channel.close();
            return;
        }
        long timer = vertx.setTimer(limits.handshakeTimeoutMs(), id -> {
            if (channel.attr(HANDSHAKE_TIMER).getAndSet(null) != null) {
                timedOut.incrementAndGet();
                channel.close();
            }
        });
        channel.attr(HANDSHAKE_TIMER).set(timer);
    }

    /**
     * From now on every new connection is closed on accept. A stopping server calls this before it tells its clients
     * to reconnect, so none of them reconnects to it: the listening socket itself is shared by the HTTP verticles and
     * only unbound once the last of them has stopped.
     */
    public void stopAccepting() { stopping = true; }

    /** False once {@link #stopAccepting()} was called. */
    public boolean accepting() { return !stopping; }

    /** A complete request (or WebSocket upgrade) arrived on {@code channel}: its handshake clock stops. */
    public void onRequest(Channel channel) {
        Long timer = channel.attr(HANDSHAKE_TIMER).getAndSet(null);
        if (timer != null) vertx.cancelTimer(timer);
    }

    /** Connections currently open from {@code address} (an IP literal). */
    public int connectionsFrom(String address) {
        return perAddress.getOrDefault(address, 0);
    }

    /** Connections closed on accept because their address was at its limit. */
    public long refusedConnections() { return refused.get(); }

    /** Connections closed because no request arrived in time. */
    public long handshakeTimeouts() { return timedOut.get(); }

    private void release(String address, Channel channel) {
        Long timer = channel.attr(HANDSHAKE_TIMER).getAndSet(null);
        if (timer != null) vertx.cancelTimer(timer);
        perAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }

    private void logRefusal(String address, int count) {
        long now = System.currentTimeMillis();
        long last = lastRefusalLog.get();
        if (now - last >= REFUSAL_LOG_INTERVAL_MS && lastRefusalLog.compareAndSet(last, now)) {
            log.warn("Closing connections from {}: it holds {} (limit {}, SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS); {} refused so far",
                    address, count - 1, limits.maxConnectionsPerAddress(), refused.get());
        }
    }
}
