package dev.switchboard.server.rules;

import java.util.concurrent.CompletionStage;

/**
 * An in-process target of integration rules (the SPI applications implement). Register it under a name in
 * {@link RuleFunctions}; a rule's {@code target: {"type": "function", "name": ...}} selects it.
 *
 * <p>Contract: {@link #handle} is called on a worker thread (never an event loop), so it may block, e.g. on
 * JDBC. Delivery is at-least-once: the same envelope can arrive again after a failure, a timeout or a restart
 * of the attempt, so handlers must be idempotent (the message ids are stable). Calls for one rule and channel
 * never overlap and come in publish order; calls for different channels may run concurrently.
 * Throwing or completing the stage exceptionally means "retry"; completing it normally means "delivered".
 */
@FunctionalInterface
public interface RuleFunction {
    CompletionStage<Void> handle(RuleEnvelope envelope) throws Exception;
}
