package dev.switchboard.server.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What makes a message an operation on an earlier message of its channel instead of a new one: an update, a delete or
 * an append (the wire's message {@code action}), naming the message it changes by that message's serial.
 *
 * @param action         {@link #UPDATE}, {@link #DELETE} or {@link #APPEND}
 * @param messageSerial  the serial of the message changed (the wire's {@code serial} of an operation)
 * @param version        the operation's description: {@code clientId}, {@code description}, {@code metadata}, and once
 *                       accepted {@code timestamp} (its {@code serial} is the operation's own serial, added on the wire)
 * @param state          for an append, the data the message holds after it (the operation's own data is only what it
 *                       appends); null otherwise
 * @param details        for a {@link #SUMMARY}, the message's {@code annotations} ({@code {"summary": {...}}}); for an
 *                       {@link #ANNOTATION}, its {@code type}, {@code action} and {@code count}; null otherwise
 */
public record Mutation(int action, String messageSerial, Map<String, Object> version, Payload state, Map<String, Object> details) {

    public Mutation(int action, String messageSerial, Map<String, Object> version, Payload state) {
        this(action, messageSerial, version, state, null);
    }

    public static final int CREATE = 0;
    public static final int UPDATE = 1;
    public static final int DELETE = 2;
    public static final int SUMMARY = 4;
    public static final int APPEND = 5;
    /**
     * Not a message action: an annotation of the message {@link #messageSerial} (ProtocolMessage action 21 on the wire).
     * Annotations share the channel's log with its messages so they are ordered, stored and resumed with them.
     */
    public static final int ANNOTATION = -21;

    /** True for the actions a client may send to change an earlier message. */
    public static boolean isOperation(int action) { return action == UPDATE || action == DELETE || action == APPEND; }

    /** The wire name ably-js uses, for error texts. */
    public static String nameOf(int action) {
        return switch (action) {
            case UPDATE -> "update";
            case DELETE -> "delete";
            case APPEND -> "append";
            case SUMMARY -> "summary";
            default -> "create";
        };
    }

    /** The version description as the wire carries it: this operation's serial and time with the client's fields. */
    Map<String, Object> versionTree(String ownSerial) {
        Map<String, Object> v = new LinkedHashMap<>(version == null ? Map.of() : version);
        if (ownSerial != null) v.put("serial", ownSerial);
        return v;
    }

}
