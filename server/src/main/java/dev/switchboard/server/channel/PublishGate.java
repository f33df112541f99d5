package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.Message;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Decides whether a publish may be accepted before the channel takes it: before-publish integration rules.
 * The publisher is ACKed only after {@link #admit} succeeded, and NACKed with its error when it failed.
 *
 * <p>Contract: {@link #guards} is cheap and may run on any thread. {@link #admit} never blocks the caller; the future
 * completes on any thread, exceptionally with a {@link dev.switchboard.server.protocol.SwitchboardException} carrying
 * the error to answer with (retriable codes when the gate could not decide now). Messages reach it with their final
 * id, clientId, connectionId and timestamp; a repeated publish of the same id reaches it again, so what it does must
 * be idempotent.
 */
public interface PublishGate {
    PublishGate OPEN = new PublishGate() {
        @Override
        public boolean guards(String channelName) { return false; }

        @Override
        public CompletableFuture<Void> admit(String appId, String channelName, List<Message> messages) {
            return CompletableFuture.completedFuture(null);
        }
    };

    /** True when publishes on {@code channelName} (without qualifier) must pass {@link #admit}. */
    boolean guards(String channelName);

    /** Completes normally when the messages may be accepted. */
    CompletableFuture<Void> admit(String appId, String channelName, List<Message> messages);
}
