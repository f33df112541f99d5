package dev.switchboard.server.config;

import java.util.List;

/**
 * The bounds that keep one client (or one address) from taking the server's memory, sockets or identities:
 * each is a setting in {@link Settings} and each refusal has its own error code (README, "Security").
 *
 * @param maxChannelsPerConnection attachments one connection may hold, qualified aliases of one channel included (90010)
 * @param maxConnectionsPerAddress TCP connections one remote address may hold; further ones are closed on accept
 * @param handshakeTimeoutMs       time a new TCP connection has to send its first complete request or WebSocket upgrade
 * @param idleTimeoutMs            an HTTP connection with no completed read or write for this long is closed (not an accepted
 *                                 realtime connection: it carries heartbeats, and the slow-reader bounds apply to it)
 * @param tokenRequestsPerMinute   token endpoint requests one remote address may make per minute (42910)
 * @param maxClientIdLength        longest clientId in characters (40012)
 * @param maxBacklogBytes          rewind/resume/SYNC bytes one connection may have waiting for its socket before it is cut off
 * @param allowedOrigins           other origins whose pages may make credentialed requests to the token endpoints
 */
public record Limits(int maxChannelsPerConnection, int maxConnectionsPerAddress, long handshakeTimeoutMs, long idleTimeoutMs,
                     int tokenRequestsPerMinute, int maxClientIdLength, long maxBacklogBytes, List<String> allowedOrigins) {

    public Limits {
        allowedOrigins = List.copyOf(allowedOrigins);
    }

    public Limits withMaxChannelsPerConnection(int v) {
        return new Limits(v, maxConnectionsPerAddress, handshakeTimeoutMs, idleTimeoutMs, tokenRequestsPerMinute, maxClientIdLength, maxBacklogBytes, allowedOrigins);
    }

    public Limits withMaxConnectionsPerAddress(int v) {
        return new Limits(maxChannelsPerConnection, v, handshakeTimeoutMs, idleTimeoutMs, tokenRequestsPerMinute, maxClientIdLength, maxBacklogBytes, allowedOrigins);
    }

    public Limits withTimeouts(long handshakeMs, long idleMs) {
        return new Limits(maxChannelsPerConnection, maxConnectionsPerAddress, handshakeMs, idleMs, tokenRequestsPerMinute, maxClientIdLength, maxBacklogBytes, allowedOrigins);
    }

    public Limits withTokenRequestsPerMinute(int v) {
        return new Limits(maxChannelsPerConnection, maxConnectionsPerAddress, handshakeTimeoutMs, idleTimeoutMs, v, maxClientIdLength, maxBacklogBytes, allowedOrigins);
    }

    public Limits withMaxBacklogBytes(long v) {
        return new Limits(maxChannelsPerConnection, maxConnectionsPerAddress, handshakeTimeoutMs, idleTimeoutMs, tokenRequestsPerMinute, maxClientIdLength, v, allowedOrigins);
    }

    public Limits withAllowedOrigins(List<String> v) {
        return new Limits(maxChannelsPerConnection, maxConnectionsPerAddress, handshakeTimeoutMs, idleTimeoutMs, tokenRequestsPerMinute, maxClientIdLength, maxBacklogBytes, v);
    }

    /** Whether a page of {@code origin} (as sent in the Origin header) was named in the allowed origins. */
    public boolean allowsOrigin(String origin) {
        return origin != null && allowedOrigins.contains(origin.toLowerCase(java.util.Locale.ROOT));
    }
}
