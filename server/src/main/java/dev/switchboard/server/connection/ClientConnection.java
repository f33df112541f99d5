package dev.switchboard.server.connection;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.auth.ClientIdPolicy;
import dev.switchboard.server.auth.Principal;
import dev.switchboard.server.channel.AttachResult;
import dev.switchboard.server.channel.Channel;
import dev.switchboard.server.channel.ChannelName;
import dev.switchboard.server.channel.PublishOutcome;
import dev.switchboard.server.channel.Subscriber;
import dev.switchboard.server.channel.SubscriptionFilter;
import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.EncodedFrame;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.ErrorInfo;
import dev.switchboard.server.protocol.Flags;
import dev.switchboard.server.mutable.MessageOperations;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.PresenceMessage;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.WireFormat;
import dev.switchboard.server.limits.TokenBucket;
import io.vertx.core.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;

/**
 * One client's realtime connection, over whichever {@link Transport} carries it (a WebSocket or comet). Runs
 * entirely on one event loop context: frames are decoded and answered here, channel operations are handed to
 * channel owners, and their answers come back to this context before anything is written.
 */
public final class ClientConnection implements Subscriber, Transport.Client {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
    /** Channel params the server acts on, and so names back in ATTACHED; others are ignored (ably-js then shows none). */
    private static final Set<String> ECHOED_PARAMS = Set.of("rewind", "delta", "occupancy", "echo", "modes");
    private final ServerContext server;
    private final Transport transport;
    private final Context context;
    private final WireFormat format;
    private final boolean echo;
    private final String connectionId;
    private final String connectionKey;
    private final AckQueue acks;
    /** Completes when this connection's latest gated publish has been answered (see onPublish). */
    private CompletableFuture<Void> gatedTail = CompletableFuture.completedFuture(null);
    private final TokenBucket inboundRate;
    /** Client channels by the name the client uses (possibly qualified). */
    private final Map<String, ChannelAttachment> channels = new HashMap<>();
    /** Channels where this connection may hold presence members, to leave them when it goes. */
    private final Set<Channel> presenceChannels = new HashSet<>();

    private Principal principal;
    private String clientId;
    private long expiryTimer = -1;
    private boolean closed;
    private boolean superseded;

    private final Runnable onClosed;
    private final ErrorInfo resumeError;

    ClientConnection(ServerContext server, Transport transport, Context context, WireFormat format, boolean echo,
                     Principal principal, String clientId, ConnectionRegistry.Suspended resumed, ErrorInfo resumeError,
                     Runnable onClosed) {
        this.server = server;
        this.onClosed = onClosed;
        this.transport = transport;
        this.context = context;
        this.format = format;
        this.echo = echo;
        this.principal = principal;
        this.clientId = clientId;
        this.connectionId = resumed != null ? resumed.connectionId() : ConnectionKeys.newId();
        this.connectionKey = resumed != null ? resumed.connectionKey() : ConnectionKeys.newKey(connectionId);
        this.resumeError = resumeError;
        if (resumed != null) presenceChannels.addAll(resumed.presenceChannels());
        this.acks = new AckQueue(this::send, server.metrics()::acked);
        this.inboundRate = TokenBucket.perSecond(server.clock(), server.config().maxInboundRate());
    }

    @Override public Context context() { return context; }

    @Override public String connectionId() { return connectionId; }

    @Override public WireFormat format() { return format; }

    /** {@code comet} or {@code websocket}: what carries this connection (metrics). */
    public String transportName() { return transport instanceof CometTransport ? "comet" : "websocket"; }

    @Override public boolean echo() { return echo; }

    public String clientId() { return clientId; }

    @Override
    public String connectionKey() { return connectionKey; }

    Set<Channel> presenceChannels() { return Set.copyOf(presenceChannels); }

    String appId() { return principal.appId(); }

    long lastWriteAt() { return transport.lastWriteAt(); }

    /** Bytes written to this connection's socket that the client has not read yet (bounded by the outbound buffer). */
    public long socketBufferedBytes() { return transport.bufferedBytes(); }

    /** Sends CONNECTED and starts reading frames. */
    void start() {
        transport.start(this, format);
        server.connections().add(this);
        server.connections().announce(this, server.config().connectionStateTtlMs());
        ProtocolMessage connected = connected();
        connected.error = resumeError;
        send(connected);
        scheduleExpiry();
    }

    /** CONNECTED: the key is in the details (protocol 2) and at the top (1.x comet clients build their URLs from it). */
    private ProtocolMessage connected() {
        ProtocolMessage connected = new ProtocolMessage(Action.CONNECTED);
        connected.connectionId = connectionId;
        connected.connectionKey = connectionKey;
        connected.connectionDetails = connectionDetails();
        return connected;
    }

    private Map<String, Object> connectionDetails() {
        Map<String, Object> d = new LinkedHashMap<>();
        // A wildcard identity is told as '*' (RSA7b2: the SDK's auth.clientId), so it may enter members for anyone.
        if (clientId != null) d.put("clientId", clientId);
        else if (principal.isWildcardClientId()) d.put("clientId", "*");
        d.put("connectionKey", connectionKey);
        d.put("maxMessageSize", server.config().maxMessageSize());
        d.put("maxFrameSize", server.config().maxFrameSize());
        d.put("maxInboundRate", server.config().maxInboundRate());
        d.put("maxOutboundRate", server.config().maxInboundRate());
        d.put("connectionStateTtl", server.config().connectionStateTtlMs());
        d.put("maxIdleInterval", server.config().maxIdleIntervalMs());
        d.put("serverId", server.serverId());
        return d;
    }

    @Override
    public void onFrame(byte[] bytes) {
        if (closed) return;
        ProtocolMessage pm;
        try {
            pm = ProtocolMessage.decode(bytes, format);
        } catch (SwitchboardException e) {
            onMalformed(e.error());
            return;
        }
        handle(pm);
    }

    @Override
    public void onMalformed(ErrorInfo error) { failConnection(error); }

    @Override
    public void onMessages(List<ProtocolMessage> messages) {
        for (ProtocolMessage pm : messages) {
            if (closed) return;
            handle(pm);
        }
    }

    private void handle(ProtocolMessage pm) {
        try {
            switch (pm.action) {
                case Action.HEARTBEAT -> onHeartbeat(pm);
                case Action.ATTACH -> onAttach(pm);
                case Action.DETACH -> onDetach(pm);
                case Action.MESSAGE -> onPublish(pm);
                case Action.PRESENCE -> onPresence(pm);
                case Action.SYNC -> onSyncRequest(pm);
                case Action.AUTH -> onAuth(pm);
                case Action.CLOSE -> onClose();
                case Action.DISCONNECT -> closeTransport(true);
                case Action.ACTIVATE -> { /* push activation is not offered; nothing to answer */ }
                case Action.ANNOTATION -> onAnnotation(pm);
                case Action.OBJECT, Action.OBJECT_SYNC -> refuseUnsupported(pm);
                default -> failConnection(ErrorCode.BAD_REQUEST.info("Unexpected protocol action " + pm.action));
            }
        } catch (SwitchboardException e) {
            failConnection(e.error());
        } catch (RuntimeException e) {
            log.error("Connection {}: failed to handle action {}", connectionId, pm.action, e);
            failConnection(ErrorCode.INTERNAL_ERROR.info("Internal error handling action " + pm.action));
        }
    }

    /** A client asks for the channel's members again: answered with a SYNC, if the attach may see presence. */
    private void onSyncRequest(ProtocolMessage pm) {
        ChannelAttachment a = pm.channel == null ? null : channels.get(pm.channel);
        if (a == null || !a.attached) {
            send(ProtocolMessage.error(Action.ERROR, pm.channel, ErrorCode.CHANNEL_OPERATION_FAILED.info(
                    "SYNC requested on a channel this connection is not attached to; channel = " + pm.channel)));
            return;
        }
        if (!Flags.has(a.modes, Flags.MODE_PRESENCE_SUBSCRIBE)) {
            send(ProtocolMessage.error(Action.ERROR, pm.channel, ErrorCode.OPERATION_NOT_PERMITTED.info(
                    "SYNC requested without the PRESENCE_SUBSCRIBE mode; channel = " + pm.channel)));
            return;
        }
        server.channels().inspect(a.channel(), c -> c.requestedSync(a.wireName())).whenComplete((frames, error) -> context.runOnContext(v -> {
            if (!closed && error == null) sendBacklog(frames);
        }));
    }

    /** Features official plugins may use but this server does not offer: refused, without ending the connection. */
    private void refuseUnsupported(ProtocolMessage pm) {
        ErrorInfo error = ErrorCode.BAD_REQUEST.info("Protocol action " + pm.action + " is not supported by this server");
        if (pm.msgSerial != null) acks.expect(pm.msgSerial, 1).nack(error);
        else if (pm.channel != null) send(ProtocolMessage.error(Action.ERROR, pm.channel, error));
    }

    private void onHeartbeat(ProtocolMessage pm) {
        ProtocolMessage reply = new ProtocolMessage(Action.HEARTBEAT);
        reply.id = pm.id;
        send(reply);
    }

    private void onAttach(ProtocolMessage pm) {
        String wireName = pm.channel;
        ChannelName name;
        try {
            name = ChannelName.parse(wireName);
        } catch (SwitchboardException e) {
            sendChannelError(wireName, e.error());
            return;
        }
        int maxChannels = server.config().limits().maxChannelsPerConnection();
        if (!channels.containsKey(wireName) && channels.size() >= maxChannels) {
            send(ProtocolMessage.error(Action.ERROR, wireName, ErrorCode.TOO_MANY_CHANNELS.info("Maximum number of channels per connection ("
                    + maxChannels + ") exceeded; qualified names of one channel count separately; channel = " + wireName)));
            return;
        }
        Capability capability = principal.capability();
        if (!capability.allowsAny(name.name())) {
            sendChannelError(wireName, ErrorCode.OPERATION_NOT_PERMITTED.info(
                    "Channel denied access based on given capability; channel = " + name.name()));
            return;
        }
        Map<String, String> params = new LinkedHashMap<>(name.qualifierParams());
        if (pm.params != null) params.putAll(pm.params);
        SubscriptionFilter filter;
        try {
            String expression = params.remove(ChannelName.FILTER);
            filter = expression == null ? null : SubscriptionFilter.compile(expression);
        } catch (SwitchboardException e) {
            sendChannelError(wireName, e.error());
            return;
        }
        // params.modes wins over the ATTACH's mode flags; asking for nothing gets the default set.
        int requested;
        try {
            requested = params.containsKey("modes") ? Flags.parseModes(params.get("modes")) : pm.flags == null ? 0 : (int) (pm.flags & Flags.MODES);
        } catch (SwitchboardException e) {
            sendChannelError(wireName, e.error());
            return;
        }
        int asked = requested != 0 ? requested : Flags.DEFAULT_MODES;
        int modes = capability.modesFor(name.name()) & asked;
        Channel channel = server.channels().channel(principal.appId(), name.name());
        ChannelAttachment attachment = new ChannelAttachment(channel, wireName, asked, modes, params);
        attachment.filter = filter;
        attachment.deltas = "vcdiff".equals(params.get("delta"));
        channels.put(wireName, attachment);
        final int grantedModes = modes;
        // An ATTACH with the RESUME flag continues an attachment the client had (RTL4j): a rewind in its params was
        // applied when it first attached and must not be replayed again.
        Map<String, String> channelParams = params;
        if (pm.flags != null && Flags.has(pm.flags, Flags.ATTACH_RESUME) && params.containsKey("rewind")) {
            channelParams = new LinkedHashMap<>(params);
            channelParams.remove("rewind");
        }
        attachment.rewinds = channelParams.containsKey("rewind");
        server.channels().attach(channel, this, wireName, modes, channelParams, pm.channelSerial, (result, error) ->
                context.runOnContext(v -> onAttached(attachment, grantedModes, result, error)));
    }

    private void onAttached(ChannelAttachment attachment, int modes, AttachResult result, Throwable error) {
        if (closed || channels.get(attachment.wireName()) != attachment) return;
        if (error != null) {
            channels.remove(attachment.wireName());
            server.channels().detach(attachment.channel(), this, attachment.wireName());
            ErrorInfo info = error instanceof SwitchboardException se ? se.error() : ErrorCode.CHANNEL_OPERATION_FAILED.info(error.getMessage());
            sendChannelError(attachment.wireName(), info);
            return;
        }
        attachment.attached = true;
        ProtocolMessage attached = ProtocolMessage.of(Action.ATTACHED, attachment.wireName());
        attached.channelSerial = result.channelSerial();
        // HAS_BACKLOG: a rewind found messages, which follow the ATTACHED (RTL2i).
        boolean rewound = attachment.rewinds && !result.resumed() && result.followUp().stream()
                .anyMatch(f -> f.message().action == Action.MESSAGE && !dev.switchboard.server.channel.OccupancyEvents.isEvent(f));
        attached.flags = (long) (modes | (result.resumed() ? Flags.RESUMED : 0) | (result.hasPresence() ? Flags.HAS_PRESENCE : 0)
                | (rewound ? Flags.HAS_BACKLOG : 0));
        Map<String, String> echoed = new LinkedHashMap<>(attachment.params());
        echoed.keySet().retainAll(ECHOED_PARAMS);
        if (!echoed.isEmpty()) attached.params = echoed;
        send(attached);
        sendBacklog(attachment.shape(result.followUp()));
    }

    /** Rewind, resume and SYNC backlogs can be far larger than the socket buffer: they are written as it drains. */
    private void sendBacklog(List<EncodedFrame> frames) {
        List<byte[]> backlog = new ArrayList<>(frames.size());
        for (EncodedFrame frame : frames) backlog.add(frame.bytes(format));
        if (transport.backlog(backlog) == Transport.Verdict.TOO_SLOW) cutOff("has more backlog waiting than its socket takes");
    }

    private void onDetach(ProtocolMessage pm) {
        ChannelAttachment attachment = channels.remove(pm.channel);
        if (attachment != null) server.channels().detach(attachment.channel(), this, attachment.wireName());
        send(ProtocolMessage.of(Action.DETACHED, pm.channel));
    }

    /** A MESSAGE or ANNOTATION frame once checked: its channel, and its items with the connection's clientId filled in. */
    private record Admitted(ChannelName name, List<Message> items) {}

    /**
     * The checks a MESSAGE and an ANNOTATION frame share: a channel name, items, the capability (when one is named here;
     * an annotation's is checked with its target), the attachment's mode, sizes and clientIds, the inbound rate. A refusal
     * is NACKed and gives null.
     */
    private Admitted admit(ProtocolMessage pm, AckQueue.Pending pending, String what, String capability, int mode, String modeName) {
        List<Message> items = pm.messages == null ? List.of() : pm.messages;
        try {
            ChannelName name = ChannelName.parse(pm.channel);
            if (items.isEmpty()) throw ErrorCode.BAD_REQUEST.exception(what + " has no " + (pm.action == Action.ANNOTATION ? "annotations" : "messages"));
            if (capability != null && !principal.capability().allows(name.name(), capability)) {
                throw ErrorCode.OPERATION_NOT_PERMITTED.exception("Unable to publish: no " + capability + " capability on channel " + name.name());
            }
            requireMode(pm.channel, mode, modeName);
            List<Message> checked = checkMessages(items);
            takeInboundRate(checked.size());
            return new Admitted(name, checked);
        } catch (SwitchboardException e) {
            pending.nack(e.error());
            return null;
        }
    }

    private void onPublish(ProtocolMessage pm) {
        long msgSerial = pm.msgSerial == null ? -1 : pm.msgSerial;
        AckQueue.Pending pending = acks.expect(msgSerial, Math.max(1, pm.messages == null ? 0 : pm.messages.size()));
        Admitted admitted = admit(pm, pending, "MESSAGE", Capability.PUBLISH, Flags.MODE_PUBLISH, "publish");
        if (admitted == null) return;
        ChannelName name = admitted.name();
        List<Message> messages = admitted.items();
        long bytes = 0;
        for (Message m : messages) bytes += m.size();
        server.recordInbound(principal.appId(), dev.switchboard.server.metrics.Metrics.Source.REALTIME, messages.size(), bytes);
        Channel channel = server.channels().channel(principal.appId(), name.name());
        String idBase = connectionId + ":" + msgSerial;
        java.util.function.BiConsumer<PublishOutcome, Throwable> reply = answer(pending, PublishOutcome::serials);
        if (MessageOperations.anyOperation(messages)) {
            // Updates, deletes and appends are completed against the message's latest version first (read asynchronously).
            String operator = principal.isWildcardClientId() ? null : clientId;
            server.operations().publish(principal.appId(), name.name(), messages, principal.capability(), operator,
                    completed -> server.channels().publishFuture(channel, completed, connectionId, idBase)).whenComplete(reply);
            return;
        }
        if (!server.channels().gated(channel)) {
            server.channels().publish(channel, messages, connectionId, idBase, reply);
            return;
        }
        // Gated publishes of one connection pass the gate one after the other, so they reach the channel (and the
        // rule's target, e.g. the chat's table) in the order the client sent them.
        List<Message> checked = messages;
        CompletableFuture<Void> previous = gatedTail;
        CompletableFuture<Void> done = new CompletableFuture<>();
        gatedTail = done;
        previous.whenComplete((v, e) -> server.channels().publish(channel, checked, connectionId, idBase, (outcome, error) -> {
            done.complete(null);
            reply.accept(outcome, error);
        }));
    }

    /** Annotations of messages (action 21): like a publish, with the annotation-publish mode; the summary follows. */
    private void onAnnotation(ProtocolMessage pm) {
        long msgSerial = pm.msgSerial == null ? -1 : pm.msgSerial;
        AckQueue.Pending pending = acks.expect(msgSerial, Math.max(1, pm.messages == null ? 0 : pm.messages.size()));
        Admitted admitted = admit(pm, pending, "ANNOTATION", null, Flags.MODE_ANNOTATION_PUBLISH, "annotation_publish");
        if (admitted == null) return;
        ChannelName name = admitted.name();
        List<Message> annotations = admitted.items();
        Channel channel = server.channels().channel(principal.appId(), name.name());
        String idBase = connectionId + ":" + msgSerial;
        server.operations().annotate(principal.appId(), name.name(), annotations, principal.capability(),
                checked -> server.channels().publishFuture(channel, checked, connectionId, idBase)).whenComplete(answer(pending, PublishOutcome::serials));
    }

    private void takeInboundRate(int items) {
        if (!inboundRate.tryAcquire(items)) {
            throw ErrorCode.INBOUND_RATE_LIMIT.exception("Rate limit exceeded; maximum inbound rate is "
                    + server.config().maxInboundRate() + " messages per second");
        }
    }

    /** Answers a pending publish or presence action from the owner's outcome, on this connection's context. */
    private <T> java.util.function.BiConsumer<T, Throwable> answer(AckQueue.Pending pending, java.util.function.Function<T, List<String>> serials) {
        return (outcome, error) -> context.runOnContext(v -> {
            if (error == null) pending.ack(serials.apply(outcome));
            else pending.nack(error instanceof SwitchboardException se ? se.error()
                    : ErrorCode.INTERNAL_ERROR.info("Operation failed: " + error.getMessage()));
        });
    }

    /** Applies size and clientId rules; returns the messages with the connection's clientId filled in. */
    private List<Message> checkMessages(List<Message> messages) {
        List<Message> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            if (m.size() > server.config().maxMessageSize()) {
                throw ErrorCode.MAX_MESSAGE_LENGTH_EXCEEDED.exception("Maximum size of messages that can be published at once exceeded (was "
                        + m.size() + " bytes; limit is " + server.config().maxMessageSize() + " bytes)");
            }
            m.requirePublishableId(connectionId);
            out.add(ClientIdPolicy.permit(m, clientId, principal, server.config().limits().maxClientIdLength()));
        }
        return out;
    }

    private void onPresence(ProtocolMessage pm) {
        long msgSerial = pm.msgSerial == null ? -1 : pm.msgSerial;
        List<PresenceMessage> actions = pm.presence == null ? List.of() : pm.presence;
        AckQueue.Pending pending = acks.expect(msgSerial, Math.max(1, actions.size()));
        ChannelName name;
        List<PresenceMessage> checked = new ArrayList<>(actions.size());
        try {
            name = ChannelName.parse(pm.channel);
            if (actions.isEmpty()) throw ErrorCode.BAD_REQUEST.exception("PRESENCE has no presence messages");
            if (!principal.capability().allows(name.name(), Capability.PRESENCE)) {
                throw ErrorCode.OPERATION_NOT_PERMITTED.exception("Unable to enter presence: no presence capability on channel " + name.name());
            }
            requireMode(pm.channel, Flags.MODE_PRESENCE, "presence");
            for (PresenceMessage a : actions) checked.add(checkPresence(a));
            takeInboundRate(checked.size());
        } catch (SwitchboardException e) {
            pending.nack(e.error());
            return;
        }
        Channel channel = server.channels().channel(principal.appId(), name.name());
        presenceChannels.add(channel);
        server.channels().presence(channel, checked, connectionId, connectionId + ":" + msgSerial,
                answer(pending, outcome -> null));
    }

    /** An attached channel does only what its attach was granted (its modes), whatever the capability allows. */
    private void requireMode(String wireName, int mode, String what) {
        ChannelAttachment a = channels.get(wireName);
        if (a != null && !Flags.has(a.modes, mode)) {
            throw ErrorCode.OPERATION_NOT_PERMITTED.exception("Unable to " + (mode == Flags.MODE_PRESENCE ? "enter presence" : what)
                    + ": the channel was attached without the " + what.toUpperCase(java.util.Locale.ROOT) + " mode; channel = " + wireName);
        }
    }

    /** Fills the member's clientId and checks the connection may act for it (enterClient needs an unbound identity). */
    private PresenceMessage checkPresence(PresenceMessage a) {
        int action = a.action() == PresenceMessage.PRESENT ? PresenceMessage.ENTER : a.action();
        if (action != PresenceMessage.ENTER && action != PresenceMessage.UPDATE && action != PresenceMessage.LEAVE) {
            throw ErrorCode.BAD_REQUEST.exception("Presence action " + a.action() + " cannot be sent by a client");
        }
        String member = a.clientId() != null ? a.clientId() : clientId;
        ClientIdPolicy.requireLength(member, server.config().limits().maxClientIdLength());
        if (member == null || member.isEmpty() || "*".equals(member)) {
            throw ErrorCode.PRESENCE_NO_CLIENT_ID.exception("Unable to enter presence channel without a clientId");
        }
        if (clientId != null && !clientId.equals(member)) {
            throw ErrorCode.INVALID_CLIENT_ID.exception("Presence clientId '" + member + "' does not match the connection's clientId '" + clientId + "'");
        }
        if (clientId == null && principal.isTokenAuth() && !principal.isWildcardClientId()) {
            throw ErrorCode.INVALID_CLIENT_ID.exception("Presence clientId '" + member + "' is not allowed for a token without a clientId");
        }
        if (a.size() > server.config().maxMessageSize()) { // clientId, data and extras, as for messages
            throw ErrorCode.MAX_MESSAGE_LENGTH_EXCEEDED.exception("Presence data of " + a.size() + " bytes exceeds the limit of "
                    + server.config().maxMessageSize() + " bytes");
        }
        return new PresenceMessage(a.id(), action, member, connectionId, null, a.payload(), a.extras());
    }

    private void onAuth(ProtocolMessage pm) {
        if (pm.accessToken == null) throw ErrorCode.NO_AUTH.exception("AUTH carries no token");
        Principal renewed = server.tokens().verifyToken(pm.accessToken);
        String renewedId = renewed.clientId() == null || renewed.isWildcardClientId() ? null : renewed.clientId();
        boolean compatible = renewed.isWildcardClientId() || java.util.Objects.equals(renewedId, clientId);
        if (!compatible) {
            throw ErrorCode.INCOMPATIBLE_CREDENTIALS.exception("The new token's clientId '" + renewed.clientId()
                    + "' does not match the connection's clientId '" + clientId + "'");
        }
        principal = renewed;
        scheduleExpiry();
        send(connected());
        applyCapability(renewed.capability());
    }

    /**
     * After a new token: an attached channel that lost any of its granted modes is failed with 40160 and receives
     * nothing more (the client may attach it again with what the new token allows); one that may now do more of what
     * its ATTACH asked for (e.g. publish) gets it at once.
     */
    private void applyCapability(Capability capability) {
        for (ChannelAttachment a : new ArrayList<>(channels.values())) {
            String name = a.channel().name();
            if (capability.allowsAny(name) && (capability.modesFor(name) & a.modes) == a.modes) {
                int widened = capability.modesFor(name) & a.requestedModes;
                if (widened != a.modes) {
                    a.modes = widened;
                    // A repeated attach only updates what the channel delivers to this attachment; nothing is sent.
                    server.channels().attach(a.channel(), this, a.wireName(), widened, a.params(), null, (result, error) -> { });
                }
                continue;
            }
            channels.remove(a.wireName());
            server.channels().detach(a.channel(), this, a.wireName());
            sendChannelError(a.wireName(), ErrorCode.OPERATION_NOT_PERMITTED.info(
                    "Channel denied access based on the new token's capability; channel = " + name));
        }
    }

    private void onClose() {
        send(new ProtocolMessage(Action.CLOSED));
        closeTransport(false);
    }

    /** Token expiry: tell the client to renew; it reconnects with a new token. */
    private void scheduleExpiry() {
        if (expiryTimer >= 0) server.vertx().cancelTimer(expiryTimer);
        expiryTimer = -1;
        if (principal.expiresAt() <= 0) return;
        long delay = Math.max(1, principal.expiresAt() - server.clock().millis());
        expiryTimer = server.vertx().setTimer(delay, id -> context.runOnContext(v -> {
            if (closed) return;
            send(ProtocolMessage.error(Action.DISCONNECTED, null, ErrorCode.TOKEN_EXPIRED.info("Token expired")));
            closeTransport(true);
        }));
    }

    /**
     * Checks this connection's token again (after a revocation): one that no longer verifies ends the transport with a
     * DISCONNECTED carrying why (40141 for a revoked token); the client then needs new credentials.
     */
    void recheckCredentials() {
        context.runOnContext(v -> {
            if (closed || !principal.isTokenAuth()) return;
            try {
                server.tokens().verifyToken(principal.token());
            } catch (SwitchboardException e) {
                send(ProtocolMessage.error(Action.DISCONNECTED, null, e.error()));
                closeTransport(true);
            }
        });
    }

    /** Sends DISCONNECTED with the reason and closes the transport, resumable; completes on this connection's context. */
    java.util.concurrent.CompletableFuture<Void> disconnect(String reason) {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                if (!closed) {
                    send(ProtocolMessage.error(Action.DISCONNECTED, null, ErrorCode.DISCONNECTED.info(reason)));
                    closeTransport(true);
                }
            } finally {
                done.complete(null);
            }
        });
        return done;
    }

    /** Sends a connection-level ERROR (fatal for the client) and closes the transport. */
    void failConnection(ErrorInfo error) {
        if (closed) return;
        log.debug("Connection {} failed: {}", connectionId, error);
        send(ProtocolMessage.error(Action.ERROR, null, error));
        closeTransport(false);
    }

    private void sendChannelError(String channel, ErrorInfo error) {
        channels.remove(channel);
        send(ProtocolMessage.error(Action.ERROR, channel, error));
    }

    void sendHeartbeatIfIdle(long now, long idleAfterMs) {
        if (!closed && now - transport.lastWriteAt() >= idleAfterMs) send(new ProtocolMessage(Action.HEARTBEAT));
    }

    private void send(ProtocolMessage pm) {
        if (closed) return;
        if (pm.error != null && pm.error.statusCode() >= 400) server.metrics().refused(pm.error.code());
        transport.sendNow(pm.encode(format));
    }

    @Override
    public void deliver(EncodedFrame frame) {
        if (closed) return;
        ChannelAttachment attachment = channels.get(frame.message().channel);
        if (attachment == null || !attachment.attached) return;
        if ((frame = attachment.shape(frame)) == null) return;
        byte[] bytes = frame.bytes(format);
        server.metrics().delivered(bytes.length);
        if (transport.deliver(bytes) == Transport.Verdict.TOO_SLOW) cutOff("cannot keep up with its channels");
    }

    /**
     * A reader that cannot keep up is cut off rather than buffered without bound; it may resume from history. The
     * TCP connection is closed at once: a WebSocket close frame would only queue behind what it does not read.
     */
    private void cutOff(String why) {
        if (closed) return;
        log.warn("Connection {} {}; closing its transport", connectionId, why);
        server.metrics().slowSubscriberCut();
        closed = true;
        transport.abort();
        cleanUp();
        suspend();
    }

    /** Ends this transport; a resumable end keeps the connection's identity (and presence, for a grace period). */
    private void closeTransport(boolean resumable) {
        if (closed) return;
        closed = true;
        transport.close();
        cleanUp();
        if (resumable) suspend(); else leavePresence();
    }

    private void leavePresence() {
        for (Channel ch : presenceChannels) server.channels().leaveAll(ch, connectionId);
        presenceChannels.clear();
    }

    /** The transport went away without CLOSE: keep the connection resumable for the state TTL. */
    @Override
    public void onTransportGone() {
        boolean resumable = !closed && !superseded;
        closed = true;
        transport.release();
        cleanUp();
        if (resumable) suspend();
    }

    private void suspend() {
        server.connections().suspend(this, principal, server.clock().millis() + server.config().connectionStateTtlMs(),
                presenceChannels, server.config().presenceGraceMs());
    }

    /** Another transport resumed this connection: stop using this one without ending the connection. */
    void supersede() {
        context.runOnContext(v -> {
            superseded = true;
            if (!closed) {
                closed = true;
                transport.close();
                cleanUp();
            }
        });
    }

    private boolean cleanedUp;

    private void cleanUp() {
        if (cleanedUp) return;
        cleanedUp = true;
        if (expiryTimer >= 0) server.vertx().cancelTimer(expiryTimer);
        for (ChannelAttachment a : channels.values()) server.channels().detach(a.channel(), this, a.wireName());
        channels.clear();
        server.connections().remove(this);
        onClosed.run();
    }
}
