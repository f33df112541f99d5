package dev.switchboard.server.auth;

/**
 * Who is calling and what they may do, once credentials are verified.
 *
 * @param clientId  the identity bound to the credentials; null for anonymous, {@code *} for "any"
 * @param expiresAt token expiry in epoch ms, or 0 for a key (no expiry)
 * @param token     the token presented, or null for basic (key) auth
 */
public record Principal(String appId, String keyName, String clientId, Capability capability, long expiresAt, String token) {

    public boolean isTokenAuth() { return token != null; }

    public boolean isWildcardClientId() { return "*".equals(clientId); }

    /**
     * The clientId a connection gets, given the clientId it asked for, or a 40102 when they disagree.
     * A key or a wildcard token may take any clientId; an identified token only its own.
     */
    public String resolveClientId(String requested) {
        if (requested == null || requested.isEmpty()) return isWildcardClientId() ? null : clientId;
        if ("*".equals(requested)) throw dev.switchboard.server.protocol.ErrorCode.INVALID_CLIENT_ID.exception("clientId '*' cannot be used by a connection");
        if (clientId == null && isTokenAuth()) {
            throw dev.switchboard.server.protocol.ErrorCode.INCOMPATIBLE_CREDENTIALS.exception("clientId '" + requested + "' does not match the token's (none)");
        }
        if (clientId == null || isWildcardClientId() || clientId.equals(requested)) return requested;
        throw dev.switchboard.server.protocol.ErrorCode.INCOMPATIBLE_CREDENTIALS.exception(
                "clientId '" + requested + "' does not match the credentials' clientId '" + clientId + "'");
    }
}
