package dev.switchboard.server.rules;

import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.ErrorInfo;

/**
 * Thrown by a {@link RuleFunction} (or used to complete its stage exceptionally) to say why it did not take an event,
 * with the catalogue error the publisher is answered with. {@link #permanent} refusals are about the event itself
 * (bad content, not allowed): they are never retried. {@link #unavailable} says the function could not do its work
 * now (its database is down): a before-publish rule answers the publisher with a retriable NACK, an after-publish
 * rule retries.
 */
public final class RuleRefusal extends Exception {
    private final ErrorInfo error;

    private RuleRefusal(ErrorInfo error, Throwable cause) {
        super(error.message(), cause);
        this.error = error;
    }

    /** The event itself is refused: {@code code} should be a 4xxxx error, e.g. 40003 or 40160. */
    public static RuleRefusal permanent(ErrorCode code, String reason) {
        if (code.retriable()) throw new IllegalArgumentException(code + " is a retriable code; use unavailable()");
        return new RuleRefusal(code.info(reason), null);
    }

    /** The function cannot work now (50003): the same event may succeed later. */
    public static RuleRefusal unavailable(String reason, Throwable cause) {
        return new RuleRefusal(ErrorCode.TIMEOUT.info(reason), cause);
    }

    public ErrorInfo error() { return error; }

    public boolean retriable() { return error.retriable(); }
}
