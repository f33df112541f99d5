package dev.switchboard.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.apps.AppRegistry;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.WireFormat;
import dev.switchboard.server.util.Futures;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;

/**
 * Issues and verifies tokens. A token is self-contained and signed with its key's secret
 * ({@code sb1.<claims>.<hmac>}), so any node that knows the key verifies it without shared state.
 */
public final class TokenService {
    private static final String PREFIX = "sb1.";
    private static final long MAX_TTL_MS = 24 * 3600_000L;
    private static final int MIN_NONCE_LENGTH = 16;
    /** A nonce is stored and indexed (PostgreSQL's index entries stop near 2.7 kB): one oversized nonce must not fail a batch of claims. */
    static final int MAX_NONCE_LENGTH = 256;

    private final AppRegistry apps;
    private final Clock clock;
    private final long defaultTtlMs;
    private final long requestWindowMs;
    private final NonceStore nonces;
    private final TokenRevocations revocations = new TokenRevocations();

    /** A service whose used nonces are remembered in memory only (the server without a database). */
    public TokenService(AppRegistry apps, Clock clock, long defaultTtlMs, long requestWindowMs) {
        this(apps, clock, defaultTtlMs, requestWindowMs, new MemoryNonceStore(clock));
    }

    public TokenService(AppRegistry apps, Clock clock, long defaultTtlMs, long requestWindowMs, NonceStore nonces) {
        this.apps = apps;
        this.clock = clock;
        this.defaultTtlMs = defaultTtlMs;
        this.requestWindowMs = requestWindowMs;
        this.nonces = nonces;
    }

    /**
     * Verifies a signed token request and, once its nonce is recorded as used for the first time, issues the token it
     * asks for. Never blocks. Every refusal comes as the future's failure: 4010x for the request itself, 40105 for a
     * replayed nonce, 50003 (retriable) when the nonce store could not tell.
     */
    public CompletableFuture<TokenDetails> requestToken(String keyNameInPath, TokenRequest request) {
        ApiKey key;
        try {
            key = verifiedKey(keyNameInPath, request);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        // Twice the window: nodes sharing the store whose clocks differ by up to a window all still see the nonce while any could accept it.
        long rememberUntil = request.timestamp() + 2 * requestWindowMs;
        CompletableFuture<Boolean> recorded;
        try {
            recorded = nonces.firstUse(key.keyName(), request.nonce(), rememberUntil);
        } catch (RuntimeException e) {
            recorded = CompletableFuture.failedFuture(e);
        }
        return recorded.handle((firstUse, failure) -> {
            if (failure != null) {
                throw ErrorCode.TIMEOUT.exception("The token request's nonce could not be checked (" + Futures.cause(failure).getMessage()
                        + "); request a token again");
            }
            if (!firstUse) throw ErrorCode.NONCE_REUSED.exception("Token request nonce was already used");
            return issue(key, request.ttl(), request.capability(), request.clientId());
        });
    }

    /** The request's key, once its mac, timestamp and nonce are acceptable; the nonce's use is not checked here. */
    private ApiKey verifiedKey(String keyNameInPath, TokenRequest request) {
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
        if (request.nonce() == null || request.nonce().length() < MIN_NONCE_LENGTH) {
            throw ErrorCode.INVALID_REQUEST_BODY.exception("Token request nonce must have at least " + MIN_NONCE_LENGTH + " characters");
        }
        if (request.nonce().length() > MAX_NONCE_LENGTH) {
            throw ErrorCode.INVALID_REQUEST_BODY.exception("Token request nonce must have at most " + MAX_NONCE_LENGTH + " characters");
        }
        return key;
    }

    /** Issues a token for a key directly (the key holder is already authenticated). */
    public TokenDetails issue(ApiKey key, Long ttl, String capabilityJson, String clientId) {
        Capability requested = capabilityJson == null || capabilityJson.isBlank() ? key.capability() : Capability.parse(capabilityJson);
        Capability granted = key.capability().intersect(requested);
        if (granted.isEmpty()) throw ErrorCode.OPERATION_NOT_PERMITTED.exception("Requested capability is not a subset of the key's capability");
        if (ttl != null && ttl < 0) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Invalid ttl " + ttl + ": must be a positive number of ms");
        if (ttl != null && ttl > MAX_TTL_MS) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Invalid ttl " + ttl + ": at most " + MAX_TTL_MS + " ms (24 hours)");
        }
        long ttlMs = ttl == null || ttl == 0 ? defaultTtlMs : ttl;
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
        if (clientId != null && revocations.revoked(key.keyName(), clientId, claims.path("i").asLong(), clock.millis())) {
            throw ErrorCode.TOKEN_REVOKED.exception("Token revoked");
        }
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

    /**
     * Revokes {@code keyName}'s tokens for {@code clientId} issued before {@code issuedBefore}, from {@code appliesAt} on
     * (RSA17); kept until any such token would have expired anyway.
     */
    public void revoke(String keyName, String clientId, long issuedBefore, long appliesAt) {
        revocations.add(new TokenRevocations.Revocation(keyName, clientId, issuedBefore, appliesAt,
                Math.max(issuedBefore, appliesAt) + MAX_TTL_MS));
    }

    private static String b64(byte[] bytes) { return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes); }
}
