package dev.switchboard.server.auth;

import dev.switchboard.server.protocol.SwitchboardException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrincipalTest {
    private static final Principal KEY = new Principal("app", "app.key", null, Capability.ALL, 0, null);
    private static final Principal ANONYMOUS_TOKEN = new Principal("app", "app.key", null, Capability.ALL, 1, "tok");
    private static final Principal WILDCARD_TOKEN = new Principal("app", "app.key", "*", Capability.ALL, 1, "tok");
    private static final Principal ALICE_TOKEN = new Principal("app", "app.key", "alice", Capability.ALL, 1, "tok");

    @Test
    void keyMayTakeAnyClientIdOrNone() {
        assertThat(KEY.resolveClientId(null)).isNull();
        assertThat(KEY.resolveClientId("")).isNull();
        assertThat(KEY.resolveClientId("bob")).isEqualTo("bob");
    }

    @Test
    void wildcardTokenMayTakeAnyClientIdAndIsAnonymousWithout() {
        assertThat(WILDCARD_TOKEN.isWildcardClientId()).isTrue();
        assertThat(WILDCARD_TOKEN.resolveClientId(null)).isNull();
        assertThat(WILDCARD_TOKEN.resolveClientId("bob")).isEqualTo("bob");
    }

    @Test
    void identifiedTokenTakesOnlyItsOwn() {
        assertThat(ALICE_TOKEN.resolveClientId(null)).isEqualTo("alice");
        assertThat(ALICE_TOKEN.resolveClientId("alice")).isEqualTo("alice");
        assertCode(40102, () -> ALICE_TOKEN.resolveClientId("bob"));
    }

    @Test
    void tokenWithoutClientIdCannotTakeOne() {
        assertThat(ANONYMOUS_TOKEN.resolveClientId(null)).isNull();
        assertCode(40102, () -> ANONYMOUS_TOKEN.resolveClientId("bob"));
    }

    @Test
    void starIsNeverAConnectionsClientId() {
        for (Principal p : new Principal[]{KEY, ANONYMOUS_TOKEN, WILDCARD_TOKEN, ALICE_TOKEN}) {
            assertCode(40012, () -> p.resolveClientId("*"));
        }
    }

    static void assertCode(int code, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).as(e.getMessage()).isEqualTo(code));
    }
}
