package dev.switchboard.server.auth;

import dev.switchboard.server.util.Futures;

import dev.switchboard.server.apps.AppRegistry;
import dev.switchboard.server.protocol.SwitchboardException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Found with DecoderFuzzTest's window oracle: a signed token request timestamped {@code now - 2^63} was accepted, because
 * {@code now - timestamp} overflowed to Long.MIN_VALUE and Math.abs of it is negative. Its nonce was then remembered
 * until an already-past time, so the same request could be replayed for ever.
 */
class TokenRequestWindowTest {
    private static final long NOW = 1_750_000_000_000L;
    private static final long WINDOW = 600_000L;

    private final AppRegistry apps = new AppRegistry();
    private final ApiKey key = ApiKey.parse("app.key:secret", Capability.ALL);
    private final TokenService tokens;

    TokenRequestWindowTest() {
        apps.addKey(key);
        tokens = new TokenService(apps, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), 3_600_000L, WINDOW);
    }

    @ParameterizedTest
    @ValueSource(longs = {NOW + Long.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, NOW - WINDOW - 1, NOW + WINDOW + 1})
    void aSignedRequestOutsideTheWindowIsRefusedWith40104(long timestamp) {
        TokenRequest request = TokenRequest.sign(key, null, null, null, timestamp, "nonce-0123456789");

        assertThatThrownBy(() -> Futures.join(tokens.requestToken(key.keyName(), request)))
                .isInstanceOfSatisfying(SwitchboardException.class, e -> assertThat(e.error().code()).isEqualTo(40104));
    }

    @ParameterizedTest
    @ValueSource(longs = {NOW - WINDOW, NOW, NOW + WINDOW})
    void theWindowsEdgesAreStillInside(long timestamp) {
        TokenRequest request = TokenRequest.sign(key, null, null, null, timestamp, "nonce-" + (timestamp - NOW) + "-0123456789");

        assertThat(Futures.join(tokens.requestToken(key.keyName(), request)).token()).startsWith("sb1.");
    }
}
