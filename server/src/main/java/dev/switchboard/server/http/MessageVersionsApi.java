package dev.switchboard.server.http;

import dev.switchboard.server.ServerContext;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.auth.Principal;
import dev.switchboard.server.channel.ChannelName;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.WireFormat;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One message of a channel over REST: {@code GET /channels/{ch}/messages/{serial}} (its latest version, RSL11) and
 * {@code GET /channels/{ch}/messages/{serial}/versions} (every version, RSL14: newest first unless
 * {@code direction=forwards}, Link-header pages of {@code limit}). Reading needs the history capability.
 */
public final class MessageVersionsApi {
    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;

    private final ServerContext server;

    public MessageVersionsApi(ServerContext server) { this.server = server; }

    public void mount(Router router) {
        router.get("/channels/:channel/messages/:serial/versions").handler(this::versions);
        router.get("/channels/:channel/messages/:serial/annotations").handler(this::annotations);
        router.get("/channels/:channel/messages/:serial").handler(this::latest);
    }

    private ChannelName readable(RoutingContext ctx, Principal principal) {
        ChannelName name = ChannelName.parse(ctx.pathParam("channel"));
        if (!principal.capability().allows(name.name(), Capability.HISTORY)) {
            throw ErrorCode.OPERATION_NOT_PERMITTED.exception("No history capability on channel " + name.name());
        }
        return name;
    }

    private void latest(RoutingContext ctx) {
        try {
            Principal principal = RestAuth.authenticate(ctx, server.tokens());
            ChannelName name = readable(ctx, principal);
            WireFormat format = Responder.responseFormat(ctx);
            Responder.whenDone(ctx, server.operations().read(principal.appId(), name.name(), ctx.pathParam("serial")), found -> {
                Map<String, Object> tree = found.latest().toTree(format);
                Map<String, Object> summary = found.summary();
                if (!summary.isEmpty()) tree.put("annotations", Map.of("summary", summary));
                Responder.ok(ctx, 200, tree);
            });
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    private void versions(RoutingContext ctx) {
        try {
            Principal principal = RestAuth.authenticate(ctx, server.tokens());
            ChannelName name = readable(ctx, principal);
            WireFormat format = Responder.responseFormat(ctx);
            int limit = QueryParams.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
            String direction = ctx.request().getParam("direction");
            if (direction != null && !direction.equals("forwards") && !direction.equals("backwards")) {
                throw ErrorCode.INVALID_PARAMETER_VALUE.exception("direction must be forwards or backwards");
            }
            boolean forwards = "forwards".equals(direction);
            int from = QueryParams.indexCursor(ctx);
            String serial = ctx.pathParam("serial");
            Responder.whenDone(ctx, server.operations().versions(principal.appId(), name.name(), serial),
                    all -> page(ctx, "versions", all, forwards, from, limit, m -> m.toTree(format)));
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /**
     * {@code GET /channels/{ch}/messages/{serial}/annotations} (RSAN3): the message's annotations, oldest first, in
     * Link-header pages of {@code limit}; needs the annotation-subscribe or the history capability.
     */
    private void annotations(RoutingContext ctx) {
        try {
            Principal principal = RestAuth.authenticate(ctx, server.tokens());
            ChannelName name = ChannelName.parse(ctx.pathParam("channel"));
            if (!principal.capability().allows(name.name(), "annotation-subscribe") && !principal.capability().allows(name.name(), Capability.HISTORY)) {
                throw ErrorCode.OPERATION_NOT_PERMITTED.exception("No annotation-subscribe or history capability on channel " + name.name());
            }
            WireFormat format = Responder.responseFormat(ctx);
            int limit = QueryParams.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
            int from = QueryParams.indexCursor(ctx);
            Responder.whenDone(ctx, server.operations().read(principal.appId(), name.name(), ctx.pathParam("serial")),
                    found -> page(ctx, "annotations", found.annotations(), true, from, limit, a -> a.toAnnotationTree(format)));
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
        }
    }

    /** One page of {@code all} (oldest first) in the asked direction, with a Link to the next when there is one. */
    private static void page(RoutingContext ctx, String path, List<Message> all, boolean forwards, int from, int limit,
                             java.util.function.Function<Message, Object> tree) {
        List<Message> ordered = new ArrayList<>(all);
        if (!forwards) java.util.Collections.reverse(ordered);
        int to = Math.min(ordered.size(), from + limit);
        List<Object> body = new ArrayList<>();
        for (Message m : ordered.subList(Math.min(from, to), to)) body.add(tree.apply(m));
        String link = to < ordered.size()
                ? "<./" + path + "?limit=" + limit + "&direction=" + (forwards ? "forwards" : "backwards") + "&cursor=" + to + ">; rel=\"next\""
                : null;
        Responder.ok(ctx, 200, body, link);
    }
}
