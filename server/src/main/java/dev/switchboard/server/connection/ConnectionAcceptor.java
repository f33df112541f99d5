package dev.switchboard.server.connection;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.auth.ClientIdPolicy;
import dev.switchboard.server.auth.Principal;
import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.ErrorInfo;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.WireFormat;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import dev.switchboard.server.limits.ConnectionGuard;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns an upgraded WebSocket at {@code /} (see {@link WebSocketUpgrade}) into a {@link ClientConnection}: reads the
 * query (credentials, format, echo, clientId), authenticates, and keeps the connections of one event loop
 * heartbeating. Credentials are checked after the handshake so the client receives an ERROR frame with the code.
 */
public final class ConnectionAcceptor {
    private final ServerContext server;
    private final Context context;
    private final Set<ClientConnection> local = ConcurrentHashMap.newKeySet();
    private final FlushBatcher flusher;
    private final ConnectionGuard guard;

    public ConnectionAcceptor(ServerContext server, Context context, Vertx vertx, ConnectionGuard guard) {
        this.server = server;
        this.guard = guard;
        this.context = context;
        this.flusher = new FlushBatcher(context);
        long idle = server.config().maxIdleIntervalMs();
        // Heartbeat well inside the client's idle allowance (maxIdleInterval plus its own grace).
        long heartbeatAfter = Math.max(500, idle * 2 / 3);
        vertx.setPeriodic(Math.max(250, heartbeatAfter / 4), id -> {
            long now = server.clock().millis();
            for (ClientConnection c : local) c.sendHeartbeatIfIdle(now, heartbeatAfter);
        });
    }

    /** The transport for a WebSocket this acceptor's loop is about to upgrade; frames up to {@code maxMessageBytes}. */
    WebSocketTransport newWebSocketTransport(int maxMessageBytes) {
        return new WebSocketTransport(server.clock(), flusher, server.config().limits().maxBacklogBytes(), maxMessageBytes,
                // A refused client that never answers the close frame is dropped this soon.
                server.config().limits().handshakeTimeoutMs());
    }

    /** A WebSocket that has just been upgraded at {@code uri}: a connection starts on it, or it is closed with a reason. */
    void accept(WebSocketTransport transport, String uri) {
        if (!guard.accepting()) {
            // An upgrade on a keep-alive connection opened before the server began stopping.
            transport.closeWith(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "The server is shutting down");
            return;
        }
        QueryStringDecoder decoder = new QueryStringDecoder(uri);
        if (!"/".equals(decoder.path()) && !decoder.path().isEmpty()) {
            transport.closeWith(WebSocketCloseStatus.POLICY_VIOLATION, "Unknown path " + decoder.path());
            return;
        }
        handshake(decoder.parameters(), transport);
    }

    /**
     * A comet connect request: the connection's frames go out through {@code response} (streamed or one poll answer)
     * and the requests that follow it. Call on this acceptor's context (the request's event loop).
     */
    void acceptComet(Map<String, List<String>> query, io.vertx.core.http.HttpServerResponse response, boolean streaming) {
        // Without a receiver for two idle intervals (the client polls again at once), the client is taken to be gone.
        long receiverGraceMs = Math.max(5_000, 2 * server.config().maxIdleIntervalMs());
        handshake(query, new CometTransport(server.vertx(), context, server.clock(), flusher, server.connections(),
                server.config().limits().maxBacklogBytes(), receiverGraceMs, response, streaming));
    }

    /**
     * Opens a connection over {@code transport} from the connect request's {@code query} (credentials, format, echo,
     * clientId, resume or recover), or refuses it with an ERROR the client can read.
     */
    void handshake(Map<String, List<String>> query, Transport transport) {
        WireFormat format;
        try {
            format = WireFormat.fromParam(first(query, "format"));
        } catch (SwitchboardException e) {
            refuse(transport, Action.ERROR, e.error(), WireFormat.JSON);
            return;
        }
        try {
            Principal principal = authenticate(query);
            String requestedClientId = first(query, "clientId");
            ClientIdPolicy.requireLength(requestedClientId, server.config().limits().maxClientIdLength());
            String clientId = principal.resolveClientId(requestedClientId);
            boolean echo = !"false".equals(first(query, "echo"));
            if (first(query, "upgrade") != null) {
                // ably-js 1.x, connected over comet, offers to move the connection to a WebSocket (or a comet stream).
                // Declined: it stays on the transport it has, which carries everything; a DISCONNECTED on the offered
                // transport makes it drop just that one.
                // A declined offer, not an error the client made: not counted as a refusal.
                transport.refuse(Action.DISCONNECTED, ErrorCode.DISCONNECTED.info(
                        "Transport upgrade is not offered: the connection stays on its current transport"), format);
                return;
            }
            String resumeKey = first(query, "resume");
            // A recovered connection (a client that restarted) gets a new key: two clients recovering one key must
            // not take the connection from each other for ever (RTN16d).
            boolean recovering = resumeKey == null && first(query, "recover") != null;
            if (resumeKey == null) resumeKey = first(query, "recover");
            if (resumeKey != null && !ConnectionKeys.wellFormed(resumeKey)) {
                open(transport, format, echo, principal, clientId, ErrorCode.INVALID_CONNECTION_KEY.info(
                        "Unable to recover connection: the connection key is not one this server gives out"), null);
                return;
            }
            ConnectionRegistry.Suspended resumed = null;
            if (resumeKey != null) {
                resumed = server.connections().claim(resumeKey, principal.appId(), clientId, server.clock().millis());
                if (resumed == null && server.connections().directory() != null) {
                    // Perhaps another node's connection (that node went away): ask the directory the nodes share.
                    transport.pauseInbound();
                    WireFormat f = format;
                    server.connections().claimShared(resumeKey, principal.appId(), clientId).whenComplete((found, error) -> context.runOnContext(v -> {
                        if (transport.isGone()) return;
                        try {
                            open(transport, f, echo, principal, clientId, true, recovering ? rekeyed(found) : found);
                        } finally {
                            transport.resumeInbound();
                        }
                    }));
                    return;
                }
            }
            open(transport, format, echo, principal, clientId, resumeKey != null, recovering ? rekeyed(resumed) : resumed);
        } catch (SwitchboardException e) {
            refuse(transport, Action.ERROR, e.error(), format);
        }
    }

    private static ConnectionRegistry.Suspended rekeyed(ConnectionRegistry.Suspended s) {
        return s == null ? null : new ConnectionRegistry.Suspended(s.connectionId(), ConnectionKeys.newKey(s.connectionId()), s.appId(),
                s.clientId(), s.expiresAt(), s.presenceChannels(), s.leaveTimer());
    }

    /** Starts the connection: the one {@code resumed} names, else a new one (told of a failed resume if one was asked for). */
    private void open(Transport transport, WireFormat format, boolean echo, Principal principal, String clientId,
                      boolean resumeAsked, ConnectionRegistry.Suspended resumed) {
        open(transport, format, echo, principal, clientId, resumeAsked && resumed == null
                ? ErrorCode.RESUME_FAILED.info("Unable to recover connection: connection key not found or expired") : null, resumed);
    }

    private void open(Transport transport, WireFormat format, boolean echo, Principal principal, String clientId,
                      ErrorInfo resumeError, ConnectionRegistry.Suspended resumed) {
        ClientConnection[] holder = new ClientConnection[1];
        holder[0] = new ClientConnection(server, transport, context, format, echo, principal, clientId, resumed, resumeError,
                () -> local.remove(holder[0]));
        local.add(holder[0]);
        holder[0].start();
    }

    private Principal authenticate(Map<String, List<String>> query) {
        String key = first(query, "key");
        if (key != null) return server.tokens().verifyKey(key);
        String token = first(query, "access_token");
        if (token == null) token = first(query, "accessToken");
        if (token != null) return server.tokens().verifyToken(token);
        throw ErrorCode.NO_AUTH.exception("No credentials: pass key= or access_token=");
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Refuses the connection with {@code error}, counted in the metrics by its code. */
    private void refuse(Transport transport, int action, dev.switchboard.server.protocol.ErrorInfo error, WireFormat format) {
        server.metrics().refused(error.code());
        transport.refuse(action, error, format);
    }
}
