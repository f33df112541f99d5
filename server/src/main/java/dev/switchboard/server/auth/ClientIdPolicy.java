package dev.switchboard.server.auth;

import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Message;

/** Which clientId a published message may carry, given who publishes it (40012 otherwise). */
public final class ClientIdPolicy {
    private ClientIdPolicy() {}

    /**
     * The message with its clientId checked and, when absent, filled with the publisher's.
     *
     * @param identity the publisher's established clientId (connection or token), or null
     */
    public static Message permit(Message m, String identity, Principal principal, int maxClientIdLength) {
        String given = m.clientId();
        requireLength(given, maxClientIdLength);
        if (given == null) {
            return identity == null ? m : new Message(m.id(), m.name(), identity, m.connectionId(), m.timestamp(), m.payload(), m.extras(), null, m.op());
        }
        if ("*".equals(given)) throw ErrorCode.INVALID_CLIENT_ID.exception("A message cannot have clientId '*'");
        if (identity != null && !identity.equals(given)) {
            throw ErrorCode.INVALID_CLIENT_ID.exception("Message clientId '" + given + "' does not match the publisher's clientId '" + identity + "'");
        }
        if (identity == null && principal.isTokenAuth() && !principal.isWildcardClientId()) {
            throw ErrorCode.INVALID_CLIENT_ID.exception("Message clientId '" + given + "' is not allowed for a token without a clientId");
        }
        return m;
    }

    /** Refuses (40012) a clientId longer than {@code max} characters, wherever a client names one. */
    public static void requireLength(String clientId, int max) {
        if (clientId != null && clientId.length() > max) {
            throw ErrorCode.INVALID_CLIENT_ID.exception("clientId is " + clientId.length() + " characters long; the limit is " + max);
        }
    }
}
