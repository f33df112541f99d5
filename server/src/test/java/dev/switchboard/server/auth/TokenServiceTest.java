package dev.switchboard.server.auth;

import dev.switchboard.server.apps.AppRegistry;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.util.Futures;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenServiceTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long DEFAULT_TTL = 3_600_000L;
    private static final long WINDOW = 600_000L;
    private static final String NONCE = "0123456789abcdef";
    private static final Capability KEY_CAP = Capability.parse("{\"chat:*\":[\"publish\",\"subscribe\",\"presence\"],\"feed\":[\"subscribe\"]}");

    private final MutableClock clock = new MutableClock(T0);
    private AppRegistry apps;
    private ApiKey key;
    private TokenService tokens;

    @BeforeEach
    void setUp() {
        apps = new AppRegistry();
        key = ApiKey.parse("app.key:secret", KEY_CAP);
        apps.addKey(key);
        apps.addKey(ApiKey.parse("app.other:othersecret", Capability.ALL));
        tokens = new TokenService(apps, clock, DEFAULT_TTL, WINDOW);
    }

    @Test
    void issuedTokenVerifiesToItsGrant() {
        TokenDetails td = tokens.issue(key, 60_000L, "{\"chat:room\":[\"publish\",\"history\"]}", "alice");

        assertThat(td.keyName()).isEqualTo("app.key");
        assertThat(td.issued()).isEqualTo(T0);
        assertThat(td.expires()).isEqualTo(T0 + 60_000);
        assertThat(td.capability()).isEqualTo("{\"chat:room\":[\"publish\"]}");
        assertThat(td.clientId()).isEqualTo("alice");
        assertThat(td.toTree()).containsEntry("token", td.token()).containsEntry("clientId", "alice");

        Principal p = tokens.verifyToken(td.token());
        assertThat(p.appId()).isEqualTo("app");
        assertThat(p.keyName()).isEqualTo("app.key");
        assertThat(p.clientId()).isEqualTo("alice");
        assertThat(p.capability()).isEqualTo(Capability.parse(td.capability()));
        assertThat(p.expiresAt()).isEqualTo(T0 + 60_000);
        assertThat(p.token()).isEqualTo(td.token());
        assertThat(p.isTokenAuth()).isTrue();
    }

    @Test
    void absentCapabilityGetsTheKeysAndAbsentClientIdStaysAbsent() {
        TokenDetails td = tokens.issue(key, null, null, null);
        assertThat(td.capability()).isEqualTo(KEY_CAP.json());
        assertThat(td.toTree()).doesNotContainKey("clientId");
        assertThat(tokens.verifyToken(td.token()).clientId()).isNull();
    }

    @Test
    void ttlDefaultsAndANegativeOrOverlongOneIsRefused() {
        assertThat(tokens.issue(key, null, null, null).expires()).isEqualTo(T0 + DEFAULT_TTL);
        assertThat(tokens.issue(key, 0L, null, null).expires()).isEqualTo(T0 + DEFAULT_TTL);
        assertThat(tokens.issue(key, 24 * 3600_000L, null, null).expires()).isEqualTo(T0 + 24 * 3600_000L);
        for (long ttl : new long[]{-5L, 24 * 3600_000L + 1, 30 * 24 * 3600_000L}) {
            assertThatThrownBy(() -> tokens.issue(key, ttl, null, null)).as("ttl " + ttl).isInstanceOfSatisfying(SwitchboardException.class,
                    e -> assertThat(e.error().code()).isEqualTo(40003));
        }
    }

    @Test
    void tokenExpiresAtItsExpiryTime() {
        TokenDetails td = tokens.issue(key, 10_000L, null, null);
        clock.set(T0 + 9_999);
        assertThat(tokens.verifyToken(td.token())).isNotNull();
        clock.set(T0 + 10_000);
        assertCode(40142, () -> tokens.verifyToken(td.token()));
    }

    @Test
    void tamperedSignatureIsRefused() {
        String token = tokens.issue(key, null, null, null).token();
        int dot = token.lastIndexOf('.');
        char last = token.charAt(token.length() - 1);
        String flipped = token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A');
        assertTokenError(() -> tokens.verifyToken(flipped));
        assertTokenError(() -> tokens.verifyToken(token.substring(0, dot + 1) + "!!!"));
        assertTokenError(() -> tokens.verifyToken(token.substring(0, dot + 1)));
    }

    /** Base64 lets the last character's low bits, or '=' padding, change without changing the decoded bytes. */
    @Test
    void onlyTheCanonicalSpellingOfTheSignatureIsAccepted() {
        String token = tokens.issue(key, null, null, null).token();
        assertThat(tokens.verifyToken(token)).isNotNull();
        assertTokenError(() -> tokens.verifyToken(token + "="));
        String signature = token.substring(token.lastIndexOf('.') + 1);
        byte[] bytes = Base64.getUrlDecoder().decode(signature);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int found = 0;
        for (char c : alphabet.toCharArray()) {
            String variant = token.substring(0, token.length() - 1) + c;
            if (variant.equals(token)) continue;
            byte[] decoded;
            try {
                decoded = Base64.getUrlDecoder().decode(variant.substring(variant.lastIndexOf('.') + 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (!java.util.Arrays.equals(decoded, bytes)) continue;
            found++; // the same signature bytes, spelled differently
            assertTokenError(() -> tokens.verifyToken(variant));
        }
        assertThat(found).as("other spellings of the same signature exist (a 32-byte HMAC leaves 2 spare bits)").isPositive();
    }

    @Test
    void tamperedClaimsAreRefused() {
        String token = tokens.issue(key, null, "{\"feed\":[\"subscribe\"]}", "alice").token();
        int dot = token.lastIndexOf('.');
        String claims = new String(Base64.getUrlDecoder().decode(token.substring(4, dot)), StandardCharsets.UTF_8);
        String widened = claims.replace("alice", "admin");
        String forged = "sb1." + Base64.getUrlEncoder().withoutPadding().encodeToString(widened.getBytes(StandardCharsets.UTF_8))
                + token.substring(dot);
        assertTokenError(() -> tokens.verifyToken(forged));
    }

    @Test
    void tokenSignedWithAnotherKeysSecretIsRefused() {
        // Claims naming app.key but signed by app.other.
        String token = tokens.issue(apps.key("app.other"), null, "{\"feed\":[\"subscribe\"]}", null).token();
        int dot = token.lastIndexOf('.');
        String claims = new String(Base64.getUrlDecoder().decode(token.substring(4, dot)), StandardCharsets.UTF_8).replace("app.other", "app.key");
        String body = "sb1." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        String forged = body + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(Hmac.sha256("othersecret", body));
        assertTokenError(() -> tokens.verifyToken(forged));
    }

    @Test
    void garbageTokensAreUnrecognised() {
        for (String t : new String[]{null, "", "abc", "sb1.", "sb1.x", "sb1.%%%.abc", "sb2.abc.def"}) {
            assertCode(40143, () -> tokens.verifyToken(t));
        }
    }

    @Test
    void tokenOfARemovedKeyIsRefused() {
        String token = tokens.issue(key, null, null, null).token();
        apps.remove("app");
        assertTokenError(() -> tokens.verifyToken(token));
    }

    @Test
    void verifiedCapabilityFollowsTheKeysCurrentCapability() {
        String token = tokens.issue(key, null, null, null).token();
        apps.app("app").addKey(ApiKey.parse("app.key:secret", Capability.parse("{\"feed\":[\"subscribe\"]}")));
        assertThat(tokens.verifyToken(token).capability()).isEqualTo(Capability.parse("{\"feed\":[\"subscribe\"]}"));
    }

    @Test
    void capabilityOutsideTheKeysIs40160() {
        assertCode(40160, () -> tokens.issue(key, null, "{\"admin\":[\"*\"]}", null));
        assertCode(40160, () -> tokens.issue(key, null, "{\"feed\":[\"publish\"]}", null));
        assertCode(40003, () -> tokens.issue(key, null, "{\"feed\":\"publish\"}", null));
    }

    @Test
    void signedTokenRequestIssuesAToken() {
        TokenRequest r = TokenRequest.sign(key, 5_000L, "{\"chat:*\":[\"subscribe\"]}", "bob", T0, NONCE);
        TokenDetails td = requestToken("app.key", r);
        assertThat(td.expires()).isEqualTo(T0 + 5_000);
        assertThat(td.clientId()).isEqualTo("bob");
        assertThat(tokens.verifyToken(td.token()).capability()).isEqualTo(Capability.parse("{\"chat:*\":[\"subscribe\"]}"));
        // without a key in the path, too
        assertThat(requestToken(null, TokenRequest.sign(key, null, null, null, T0, NONCE + "x"))).isNotNull();
    }

    @Test
    void tokenRequestForAnUnknownKeyOrAnotherPathOrWithABadMacIs40101() {
        TokenRequest r = TokenRequest.sign(key, null, null, null, T0, NONCE);
        assertCode(40101, () -> requestToken("app.other", r));
        TokenRequest unknown = TokenRequest.sign(ApiKey.parse("app.nokey:secret", Capability.ALL), null, null, null, T0, NONCE);
        assertCode(40101, () -> requestToken(null, unknown));
        TokenRequest badMac = new TokenRequest("app.key", 1L, null, null, T0, NONCE, r.mac());
        assertCode(40101, () -> requestToken("app.key", badMac));
    }

    @Test
    void tokenRequestTimestampMustBeInsideTheWindow() {
        assertThat(requestToken(null, TokenRequest.sign(key, null, null, null, T0 - WINDOW, NONCE + "a"))).isNotNull();
        assertThat(requestToken(null, TokenRequest.sign(key, null, null, null, T0 + WINDOW, NONCE + "b"))).isNotNull();
        assertCode(40104, () -> requestToken(null, TokenRequest.sign(key, null, null, null, T0 - WINDOW - 1, NONCE + "c")));
        assertCode(40104, () -> requestToken(null, TokenRequest.sign(key, null, null, null, T0 + WINDOW + 1, NONCE + "d")));
        // the same request becomes stale as the server's clock moves on
        TokenRequest later = TokenRequest.sign(key, null, null, null, T0, NONCE + "e");
        clock.set(T0 + WINDOW + 1);
        assertCode(40104, () -> requestToken(null, later));
    }

    @Test
    void reusedNonceIs40105() {
        TokenRequest r = TokenRequest.sign(key, null, null, null, T0, NONCE);
        requestToken(null, r);
        assertCode(40105, () -> requestToken(null, r));
        // a different request with the same nonce is a replay too
        clock.advance(1000);
        assertCode(40105, () -> requestToken(null, TokenRequest.sign(key, 1000L, null, null, T0 + 1000, NONCE)));
        // the nonce belongs to the key
        assertThat(requestToken(null, TokenRequest.sign(apps.key("app.other"), null, null, null, T0, NONCE))).isNotNull();
    }

    @Test
    void shortMissingOrOversizedNonceIs40001() {
        assertCode(40001, () -> requestToken(null, TokenRequest.sign(key, null, null, null, T0, "short")));
        assertCode(40001, () -> requestToken(null, TokenRequest.sign(key, null, null, null, T0, null)));
        String longest = "n".repeat(TokenService.MAX_NONCE_LENGTH);
        assertThat(requestToken(null, TokenRequest.sign(key, null, null, null, T0, longest))).isNotNull();
        assertCode(40001, () -> requestToken(null, TokenRequest.sign(key, null, null, null, T0, longest + "n")));
    }

    @Test
    void refusalsComeAsTheFuturesFailureNotAsAThrow() {
        TokenRequest r = TokenRequest.sign(key, null, null, null, T0, NONCE);
        assertThat(tokens.requestToken("app.other", r)).isCompletedExceptionally();
        assertThat(tokens.requestToken(null, r)).isCompleted();
        assertThat(tokens.requestToken(null, r)).isCompletedExceptionally();
    }

    @Test
    void nonceIsRememberedForTwiceTheWindowFromItsTimestamp() {
        List<Long> expiries = new ArrayList<>();
        NonceStore recording = new NonceStore() {
            @Override public CompletableFuture<Boolean> firstUse(String keyName, String nonce, long expiresAt) {
                expiries.add(expiresAt);
                return CompletableFuture.completedFuture(true);
            }

            @Override public void close() {}
        };
        TokenService service = new TokenService(apps, clock, DEFAULT_TTL, WINDOW, recording);
        service.requestToken(null, TokenRequest.sign(key, null, null, null, T0 - 5, NONCE)).join();
        assertThat(expiries).containsExactly(T0 - 5 + 2 * WINDOW);
    }

    @Test
    void aNonceStoreThatCannotTellRefusesTheRequestWithARetriable50003() {
        NonceStore failing = new NonceStore() {
            @Override public CompletableFuture<Boolean> firstUse(String keyName, String nonce, long expiresAt) {
                return CompletableFuture.failedFuture(new java.sql.SQLException("connection refused"));
            }

            @Override public void close() {}
        };
        NonceStore throwing = new NonceStore() {
            @Override public CompletableFuture<Boolean> firstUse(String keyName, String nonce, long expiresAt) {
                throw new IllegalStateException("broken");
            }

            @Override public void close() {}
        };
        for (NonceStore store : List.of(failing, throwing)) {
            TokenService service = new TokenService(apps, clock, DEFAULT_TTL, WINDOW, store);
            assertThatThrownBy(() -> service.requestToken(null, TokenRequest.sign(key, null, null, null, T0, NONCE)).join())
                    .extracting(Futures::cause)
                    .isInstanceOfSatisfying(SwitchboardException.class, e -> {
                        assertThat(e.error().code()).isEqualTo(50003);
                        assertThat(e.error().statusCode()).isEqualTo(500);
                    });
        }
    }

    @Test
    void tokenRequestForMoreThanTheKeyGrantsIs40160() {
        assertCode(40160, () -> requestToken(null, TokenRequest.sign(key, null, "{\"admin\":[\"publish\"]}", null, T0, NONCE)));
    }

    @Test
    void keyVerification() {
        Principal p = tokens.verifyKey("app.key:secret");
        assertThat(p).isEqualTo(new Principal("app", "app.key", null, KEY_CAP, 0, null));
        assertThat(p.isTokenAuth()).isFalse();
        assertCode(40101, () -> tokens.verifyKey("app.key:wrong"));
        assertCode(40101, () -> tokens.verifyKey("app.key:secretx"));
        assertCode(40101, () -> tokens.verifyKey("app.nokey:secret"));
        assertCode(40101, () -> tokens.verifyKey("app.key"));
        assertCode(40101, () -> tokens.verifyKey(null));
        assertThat(tokens.key("app.key")).isEqualTo(key);
    }

    private static void assertTokenError(ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).as(e.getMessage()).isBetween(40140, 40149));
    }

    /** Exchanges the request and waits: the token, or the refusal thrown as the exception it is. */
    private TokenDetails requestToken(String keyNameInPath, TokenRequest request) {
        try {
            return tokens.requestToken(keyNameInPath, request).join();
        } catch (CompletionException e) {
            if (Futures.cause(e) instanceof RuntimeException refusal) throw refusal;
            throw e;
        }
    }

    private static void assertCode(int code, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).as(e.getMessage()).isEqualTo(code));
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private volatile long millis;

        MutableClock(long millis) { this.millis = millis; }

        void set(long newMillis) { millis = newMillis; }

        void advance(long ms) { millis += ms; }

        @Override public long millis() { return millis; }

        @Override public Instant instant() { return Instant.ofEpochMilli(millis); }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }

        @Override public Clock withZone(ZoneId zone) { return this; }
    }
}
