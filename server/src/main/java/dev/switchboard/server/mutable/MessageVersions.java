package dev.switchboard.server.mutable;

import dev.switchboard.server.channel.ChannelSerial;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Mutation;
import dev.switchboard.server.protocol.Payload;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How updates, deletes and appends change a message. An operation is stored with the whole message as it leaves it
 * (an append also with what it appended), so a message's latest version is its last operation, and reading a version
 * never needs the ones before it.
 */
public final class MessageVersions {
    private MessageVersions() {}

    /**
     * The versions of the message with {@code serial}, oldest (the message as created) first, each as it stood then;
     * empty when {@code log} (the channel's messages from that one on) does not start with it.
     */
    public static List<Message> of(List<Message> log, String serial) {
        ChannelSerial target = ChannelSerial.parse(serial);
        List<Message> versions = new ArrayList<>();
        for (Message m : log) {
            if (m.op() == null) {
                if (versions.isEmpty() && same(m.serial(), target)) versions.add(m);
            } else if (!versions.isEmpty() && m.isOperation() && same(m.op().messageSerial(), target)) {
                versions.add(m.stateView());
            }
        }
        return versions;
    }

    /** The annotations of the message with {@code serial} in {@code log} (the channel's messages from that one on), oldest first. */
    public static List<Message> annotationsOf(List<Message> log, String serial) {
        ChannelSerial target = ChannelSerial.parse(serial);
        List<Message> annotations = new ArrayList<>();
        for (Message m : log) if (m.isAnnotation() && same(m.op().messageSerial(), target)) annotations.add(m);
        return annotations;
    }

    static boolean same(String serial, ChannelSerial target) {
        ChannelSerial s = ChannelSerial.parse(serial);
        return s != null && s.equals(target);
    }

    /**
     * The operation {@code op} (update, delete or append, as a client sent it) made complete against the message's
     * latest version {@code current}: what the operation leaves out keeps its current value, an append carries the data
     * that results, the version names who did it and when. The message keeps its author and its creation time.
     *
     * @param operatorClientId the publisher's clientId (null when it has none); the version's clientId unless it set one
     */
    public static Message apply(Message current, Message op, String operatorClientId, long now) {
        Map<String, Object> version = new LinkedHashMap<>();
        if (op.op().version() != null) version.putAll(op.op().version());
        version.remove("serial");
        if (version.get("clientId") == null) {
            version.remove("clientId");
            if (operatorClientId != null) version.put("clientId", operatorClientId);
        }
        version.put("timestamp", now);
        String messageSerial = current.messageSerial();
        if (op.op().action() == Mutation.APPEND) {
            Payload state = concat(current.resultingPayload(), op.payload());
            return new Message(null, current.name(), current.clientId(), null, current.timestamp(), op.payload(),
                    op.extras() != null ? op.extras() : current.extras(), null, new Mutation(Mutation.APPEND, messageSerial, version, state));
        }
        Payload payload = op.payload().data() != null ? op.payload() : current.resultingPayload();
        return new Message(null, op.name() != null ? op.name() : current.name(), current.clientId(), null, current.timestamp(), payload,
                op.extras() != null ? op.extras() : current.extras(), null, new Mutation(op.op().action(), messageSerial, version, null));
    }

    /** The data of a message after {@code appended} is added to {@code current}: text to text, bytes to bytes, same encoding. */
    static Payload concat(Payload current, Payload appended) {
        if (current.data() == null) return appended;
        if (appended.data() == null) return current;
        if (!java.util.Objects.equals(current.encoding(), appended.encoding())) {
            throw ErrorCode.INVALID_MESSAGE_DATA.exception("An append must have the encoding of the message it appends to ("
                    + (current.encoding() == null ? "none" : current.encoding()) + ")");
        }
        if (current.encoding() != null) {
            throw ErrorCode.INVALID_MESSAGE_DATA.exception("Only plain text or binary data can be appended to (this message's data is encoded as "
                    + current.encoding() + ")");
        }
        if (current.data() instanceof String a && appended.data() instanceof String b) return new Payload(a + b, null);
        if (current.data() instanceof byte[] a && appended.data() instanceof byte[] b) {
            byte[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, joined, a.length, b.length);
            return new Payload(joined, null);
        }
        throw ErrorCode.INVALID_MESSAGE_DATA.exception("An append must have the type of the message it appends to (text or binary)");
    }
}
