package dev.switchboard.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.apps.AppRegistry;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.WireFormat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;

/**
 * Issues and verifies tokens. A token is self-contained and signed with its key's secret
 * ({@code sb1.<claims>.<hmac>}), so any node that knows the key verifies it without shared state.
 */
public final class TokenService {
    private static final String PREFIX = "sb1.";
    private static final long MAX_TTL_MS = 24 * 3600_000L;

    private final AppRegistry apps;
    private final Clock clock;
    private final long defaultTtlMs;
    private final long requestWindowMs;
    private final NonceCache nonces;

    public TokenService(AppRegistry apps, Clock clock, long defaultTtlMs, long requestWindowMs) {
        this.apps = apps;
        this.clock = clock;
        this.defaultTtlMs = defaultTtlMs;
        this.requestWindowMs = requestWindowMs;
        this.nonces = new NonceCache(clock, 2 * requestWindowMs);
    }

    /** Verifies a signed token request and issues the token it asks for. */
    public TokenDetails requestToken(String keyNameInPath, TokenRequest request) {
        if (keyNameInPath != null && !keyNameInPath.equals(request.keyName())) {
            throw ErrorCode.INVALID_CREDENTIALS.exception("Token request keyName does not match the key in the path");
        }
        ApiKey key = apps.key(request.keyName());
        if (key == null) throw ErrorCode.INVALID_CREDENTIALS.exception("No key named " + request.keyName());
        if (!request.macMatches(key.secret())) throw ErrorCode.INVALID_CREDENTIALS.exception("Token request mac does not match the key");
        long now = clock.millis();
        // Compared without subtracting from the timestamp: now - timestamp overflows for timestamp = now - 2^63, and
        // Math.abs of that (Long.MIN_VALUE) is negative, which let the request through.
        if (request.timestamp() < now - requestWindowMs || request.timestamp() > now + requestWindowMs) {
            throw ErrorCode.TOKEN_REQUEST_TIMESTAMP_OUTSIDE_WINDOW.exception(
                    "Token request timestamp " + request.timestamp() + " is more than " + requestWindowMs / 1000 + " s from server time " + now);
        }
        if (request.nonce() == null || request.nonce().length() < 16) {
            throw ErrorCode.INVALID_REQUEST_BODY.exception("Token request nonce must have at least 16 characters");
        }
        if (!nonces.firstUse(key.keyName(), request.nonce(), request.timestamp())) {
            throw ErrorCode.NONCE_REUSED.exception("Token request nonce was already used");
        }
        return issue(key, request.ttl(), request.capability(), request.clientId());
    }

    /** Issues a token for a key directly (the key holder is already authenticated). */
    public TokenDetails issue(ApiKey key, Long ttl, String capabilityJson, String clientId) {
        Capability requested = capabilityJson == null || capabilityJson.isBlank() ? key.capability() : Capability.parse(capabilityJson);
        Capability granted = key.capability().intersect(requested);
        if (granted.isEmpty()) throw ErrorCode.OPERATION_NOT_PERMITTED.exception("Requested capability is not a subset of the key's capability");
        long ttlMs = ttl == null || ttl <= 0 ? defaultTtlMs : Math.min(ttl, MAX_TTL_MS);
        long issued = clock.millis();
        long expires = issued + ttlMs;
        ObjectNode claims = WireFormat.jsonMapper().createObjectNode();
        claims.put("k", key.keyName()).put("i", issued).put("x", expires).put("c", granted.json());
        if (clientId != null) claims.put("ci", clientId);
        String body = PREFIX + b64(claims.toString().getBytes(StandardCharsets.UTF_8));
        String token = body + "." + b64(Hmac.sha256(key.secret(), body));
        return new TokenDetails(token, key.keyName(), issued, expires, granted.json(), clientId);
    }

    /** Verifies a token and returns who holds it; token errors are 4014x so SDKs renew and retry. */
    public Principal verifyToken(String token) {
        if (token == null || !token.startsWith(PREFIX)) throw ErrorCode.TOKEN_UNRECOGNISED.exception("Token not recognised");
        int dot = token.lastIndexOf('.');
        if (dot <= PREFIX.length()) throw ErrorCode.TOKEN_UNRECOGNISED.exception("Token not recognised");
        String body = token.substring(0, dot);
        JsonNode claims;
        try {
            claims = WireFormat.jsonMapper().readTree(Base64.getUrlDecoder().decode(body.substring(PREFIX.length())));
        } catch (Exception e) {
            throw ErrorCode.TOKEN_UNRECOGNISED.exception("Token not recognised");
        }
        ApiKey key = apps.key(claims.path("k").asText(null));
        if (key == null) throw ErrorCode.TOKEN_REVOKED.exception("The key that issued this token no longer exists");
        // Compared as text with the one canonical encoding: base64 lets the last character (and '=' padding) vary
        // without changing the bytes, and a token must have exactly one spelling.
        byte[] given = token.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
        byte[] expected = b64(Hmac.sha256(key.secret(), body)).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(given, expected)) {
            throw ErrorCode.TOKEN_UNRECOGNISED.exception("Token signature invalid");
        }
        long expires = claims.path("x").asLong();
        if (expires <= clock.millis()) throw ErrorCode.TOKEN_EXPIRED.exception("Token expired");
        Capability granted = Capability.parse(claims.path("c").asText()).intersect(key.capability());
        String clientId = claims.hasNonNull("ci") ? claims.get("ci").asText() : null;
        return new Principal(key.appId(), key.keyName(), clientId, granted, expires, token);
    }

    /** Verifies {@code keyName:secret}. */
    public Principal verifyKey(String keyString) {
        int colon = keyString == null ? -1 : keyString.indexOf(':');
        if (colon <= 0) throw ErrorCode.INVALID_CREDENTIALS.exception("Key must have the form appId.keyId:secret");
        ApiKey key = apps.key(keyString.substring(0, colon));
        if (key == null || !MessageDigest.isEqual(key.secret().getBytes(StandardCharsets.UTF_8),
                keyString.substring(colon + 1).getBytes(StandardCharsets.UTF_8))) {
            throw ErrorCode.INVALID_CREDENTIALS.exception("Invalid key");
        }
        return new Principal(key.appId(), key.keyName(), null, key.capability(), 0, null);
    }

    public ApiKey key(String keyName) { return apps.key(keyName); }

    private static String b64(byte[] bytes) { return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes); }
}
