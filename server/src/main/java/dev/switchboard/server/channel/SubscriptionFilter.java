package dev.switchboard.server.channel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.EncodedFrame;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.ProtocolMessage;
import io.burt.jmespath.Expression;
import io.burt.jmespath.JmesPath;
import io.burt.jmespath.jackson.JacksonRuntime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A subscription filter ({@code [filter=<base64 JMESPath>]channel}, ably-js's {@code channels.getDerived}): an
 * attachment receives only the messages for which the expression is true. The expression sees a message as
 * {@code {name, clientId, headers}} ({@code headers} being {@code extras.headers}). Presence is not filtered.
 */
public final class SubscriptionFilter {
    private static final JmesPath<JsonNode> JMESPATH = new JacksonRuntime();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String source;
    private final Expression<JsonNode> expression;

    private SubscriptionFilter(String source, Expression<JsonNode> expression) {
        this.source = source;
        this.expression = expression;
    }

    /** Compiles {@code source}; a malformed expression is refused with 40010 (it is part of the channel's name). */
    public static SubscriptionFilter compile(String source) {
        try {
            return new SubscriptionFilter(source, JMESPATH.compile(source));
        } catch (RuntimeException e) {
            throw ErrorCode.INVALID_CHANNEL_NAME.exception("Invalid subscription filter expression: " + firstLine(e.getMessage()));
        }
    }

    public String source() { return source; }

    /** Whether {@code m} passes: the expression's result is {@code true}. */
    public boolean matches(Message m) {
        ObjectNode view = MAPPER.createObjectNode();
        if (m.name() != null) view.put("name", m.name());
        if (m.clientId() != null) view.put("clientId", m.clientId());
        if (m.extras() instanceof Map<?, ?> extras && extras.get("headers") != null) view.set("headers", MAPPER.valueToTree(extras.get("headers")));
        try {
            JsonNode result = expression.search(view);
            return result != null && result.isBoolean() && result.booleanValue();
        } catch (RuntimeException e) {
            return false; // e.g. a function given the wrong type for this message: it does not match
        }
    }

    /** {@code frame} as this filter lets it through: itself, a frame of the matching messages only, or null for none. */
    public EncodedFrame apply(EncodedFrame frame) {
        ProtocolMessage pm = frame.message();
        if (pm.action != Action.MESSAGE || pm.messages == null) return frame;
        List<Message> passing = new ArrayList<>(pm.messages.size());
        for (Message m : pm.messages) if (matches(m)) passing.add(m);
        if (passing.size() == pm.messages.size()) return frame;
        if (passing.isEmpty()) return null;
        ProtocolMessage reduced = pm.copyForChannel(pm.channel);
        reduced.messages = passing;
        return new EncodedFrame(reduced);
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
