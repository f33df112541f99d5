package dev.switchboard.server.protocol;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Asserts that a call fails with one catalogue code. */
final class Codes {
    private Codes() {}

    static void assertCode(int code, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).as(e.getMessage()).isEqualTo(code));
    }
}
