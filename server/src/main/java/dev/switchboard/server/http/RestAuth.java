package dev.switchboard.server.http;

import dev.switchboard.server.auth.Principal;
import dev.switchboard.server.auth.TokenService;
import dev.switchboard.server.protocol.ErrorCode;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Reads REST credentials: {@code Basic base64(keyName:secret)} or {@code Bearer base64(token)} (plain token accepted too). */
public final class RestAuth {
    private RestAuth() {}

    public static Principal authenticate(RoutingContext ctx, TokenService tokens) {
        String header = ctx.request().getHeader("Authorization");
        if (header == null) {
            String key = ctx.request().getParam("key");
            if (key != null) return tokens.verifyKey(key);
            String token = ctx.request().getParam("access_token");
            if (token != null) return tokens.verifyToken(token);
            throw ErrorCode.UNAUTHORIZED.exception("Authentication required: use Basic auth with a key or a Bearer token");
        }
        int space = header.indexOf(' ');
        if (space < 0) throw ErrorCode.INVALID_CREDENTIALS.exception("Malformed Authorization header");
        String scheme = header.substring(0, space).trim();
        String value = header.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Basic")) return tokens.verifyKey(decode(value));
        if (scheme.equalsIgnoreCase("Bearer")) {
            String token = value.startsWith("sb1.") ? value : decode(value);
            return tokens.verifyToken(token);
        }
        throw ErrorCode.INVALID_CREDENTIALS.exception("Unsupported Authorization scheme " + scheme);
    }

    /** For operators' endpoints: a key (not a token) with every capability, else 40160. */
    public static Principal requireUnrestrictedKey(RoutingContext ctx, TokenService tokens) {
        Principal principal = authenticate(ctx, tokens);
        if (principal.isTokenAuth() || !principal.capability().isUnrestricted()) {
            throw ErrorCode.OPERATION_NOT_PERMITTED.exception("This needs a key with every capability (such as the root key)");
        }
        return principal;
    }

    /** The {@code X-Ably-ClientId} header (base64 of the clientId) the SDKs send when their options carry a clientId. */
    /**
     * The clientId a REST request acts as: its credentials' own, else (a key or a wildcard token) the X-Ably-ClientId
     * header (RSA7e2); null when it has none.
     */
    public static String actingClientId(RoutingContext ctx, Principal principal) {
        String identity = principal.isWildcardClientId() ? null : principal.clientId();
        if (identity == null && (!principal.isTokenAuth() || principal.isWildcardClientId())) identity = headerClientId(ctx);
        return identity;
    }

    public static String headerClientId(RoutingContext ctx) {
        String header = ctx.request().getHeader("X-Ably-ClientId");
        if (header == null || header.isBlank()) return null;
        String clientId;
        try {
            clientId = new String(Base64.getDecoder().decode(header.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ErrorCode.INVALID_CLIENT_ID.exception("X-Ably-ClientId is not base64");
        }
        if (clientId.isEmpty() || "*".equals(clientId)) throw ErrorCode.INVALID_CLIENT_ID.exception("X-Ably-ClientId must name one clientId");
        return clientId;
    }

    private static String decode(String b64) {
        try {
            return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ErrorCode.INVALID_CREDENTIALS.exception("Authorization value is not base64");
        }
    }
}
