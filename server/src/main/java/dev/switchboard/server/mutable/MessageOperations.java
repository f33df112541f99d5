package dev.switchboard.server.mutable;

import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.channel.ChannelRegistry;
import dev.switchboard.server.channel.PublishOutcome;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Mutation;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Publishes updates, deletes and appends: checks that the channel allows them and that the publisher may change the
 * message, reads the message's latest version, completes each operation against it ({@link MessageVersions#apply}),
 * then publishes it like any message (it gets a serial of its own: the version's). The operations on one channel run
 * one after the other on this node, each read after the previous was accepted, so appends never miss each other here.
 */
public final class MessageOperations {
    private final ChannelRegistry channels;
    private final Clock clock;
    /** Per channel, the operation in progress; the next one starts when it is done. */
    private final Map<String, CompletableFuture<?>> tails = new ConcurrentHashMap<>();

    public MessageOperations(ChannelRegistry channels, Clock clock) {
        this.channels = channels;
        this.clock = clock;
    }

    /** True when some message of a publish changes an earlier one (or claims to be a summary, which is refused). */
    public static boolean anyOperation(List<Message> messages) {
        for (Message m : messages) if (m.op() != null) return true;
        return false;
    }

    /**
     * Completes the operations among {@code messages} (new messages pass unchanged) and hands the result to
     * {@code publish}; the returned future is its outcome, or the refusal.
     *
     * @param clientId the publisher's clientId, null when it has none (a wildcard counts as none)
     */
    public <T> CompletableFuture<T> publish(String appId, String channelName, List<Message> messages, Capability capability, String clientId,
                                            Function<List<Message>, CompletableFuture<T>> publish) {
        try {
            for (Message m : messages) check(channelName, m, capability);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return inOrder(appId, channelName, () -> complete(appId, channelName, messages, capability, clientId).thenCompose(publish));
    }

    /** What the channel holds of one message: its versions, oldest first, and its annotations, oldest first. */
    public record Found(List<Message> versions, List<Message> annotations) {
        public Message latest() { return versions.get(versions.size() - 1); }

        /** The summary of its annotations ({@code {type: entry}}), empty when it has none. */
        public Map<String, Object> summary() { return AnnotationSummary.of(annotations); }
    }

    /** The latest version of the message with {@code serial}; fails with 40400 when the channel has no such message. */
    public CompletableFuture<Message> latest(String appId, String channelName, String serial) {
        return read(appId, channelName, serial).thenApply(Found::latest);
    }

    /** Every version of the message with {@code serial}, oldest first; fails with 40400 when the channel has no such message. */
    public CompletableFuture<List<Message>> versions(String appId, String channelName, String serial) {
        return read(appId, channelName, serial).thenApply(Found::versions);
    }

    /** The message with {@code serial}, its versions and annotations; fails with 40400 when the channel has no such message. */
    public CompletableFuture<Found> read(String appId, String channelName, String serial) {
        return channels.log().from(appId, channelName, serial).thenApply(log -> {
            List<Message> versions = MessageVersions.of(log, serial);
            if (versions.isEmpty()) {
                throw ErrorCode.NOT_FOUND.exception("No message with serial " + serial + " on this channel (unknown, or no longer kept)");
            }
            return new Found(versions, MessageVersions.annotationsOf(log, serial));
        });
    }

    /**
     * Publishes annotations (checked for the publisher's clientId by the caller) of messages of one channel: each
     * message must exist; once they are accepted, each annotated message's new summary is published to the
     * channel's subscribers as a {@code message.summary}. The outcome is the annotations' serials.
     */
    public CompletableFuture<PublishOutcome> annotate(String appId, String channelName, List<Message> annotations, Capability capability,
                                                      Function<List<Message>, CompletableFuture<PublishOutcome>> publish) {
        try {
            if (!channels.mutableMessages(channelName)) {
                throw ErrorCode.MESSAGE_UPDATES_NOT_ENABLED.exception("Messages on channel " + channelName + " cannot be annotated: its "
                        + "namespace has no mutableMessages rule");
            }
            if (!capability.allows(channelName, "annotation-publish")) {
                throw ErrorCode.OPERATION_NOT_PERMITTED.exception("No annotation-publish capability on channel " + channelName);
            }
            for (Message a : annotations) {
                if (a.op().messageSerial() == null || a.op().messageSerial().isEmpty()) {
                    throw ErrorCode.INVALID_PARAMETER_VALUE.exception("An annotation needs the messageSerial of the message it annotates");
                }
                AnnotationSummary.check(a);
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return inOrder(appId, channelName, () -> {
            java.util.Set<String> targets = new java.util.LinkedHashSet<>();
            for (Message a : annotations) targets.add(a.op().messageSerial());
            CompletableFuture<Void> exist = CompletableFuture.completedFuture(null);
            for (String serial : targets) exist = exist.thenCompose(v -> read(appId, channelName, serial).thenApply(f -> null));
            return exist.thenCompose(v -> publish.apply(annotations)).thenCompose(outcome -> {
                CompletableFuture<Void> summarized = CompletableFuture.completedFuture(null);
                for (String serial : targets) summarized = summarized.thenCompose(v -> publishSummary(appId, channelName, serial));
                return summarized.thenApply(v -> outcome);
            });
        });
    }

    /** Reads a message's annotations (the ones just accepted included) and publishes their summary. */
    private CompletableFuture<Void> publishSummary(String appId, String channelName, String serial) {
        return read(appId, channelName, serial).thenCompose(found -> {
            Message original = found.versions().get(0);
            Map<String, Object> annotations = new java.util.LinkedHashMap<>();
            annotations.put("summary", found.summary());
            Message summary = new Message(null, null, null, null, clock.millis(), dev.switchboard.server.protocol.Payload.EMPTY, null, null,
                    new Mutation(Mutation.SUMMARY, original.serial(), null, null, annotations));
            return channels.publish(appId, channelName, List.of(summary), "summary:" + dev.switchboard.server.util.Ids.random(12)).thenApply(o -> null);
        });
    }

    /** Runs {@code step} after the operations in progress on the channel (on this node) are done. */
    private <T> CompletableFuture<T> inOrder(String appId, String channelName, java.util.function.Supplier<CompletableFuture<T>> step) {
        String key = appId + "\u0000" + channelName;
        CompletableFuture<T> done = new CompletableFuture<>();
        CompletableFuture<?> previous = tails.put(key, done);
        CompletableFuture<?> after = previous == null ? CompletableFuture.completedFuture(null) : previous;
        after.handle((v, e) -> null).thenCompose(v -> step.get()).whenComplete((result, error) -> {
            tails.remove(key, done);
            if (error != null) done.completeExceptionally(dev.switchboard.server.util.Futures.cause(error));
            else done.complete(result);
        });
        return done;
    }

    private void check(String channelName, Message m, Capability capability) {
        if (m.op() == null) return;
        if (!channels.mutableMessages(channelName)) {
            throw ErrorCode.MESSAGE_UPDATES_NOT_ENABLED.exception("Messages on channel " + channelName + " cannot be updated, deleted or "
                    + "appended to: its namespace has no mutableMessages rule");
        }
        if (!m.isOperation()) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("A client cannot publish a message." + Mutation.nameOf(m.op().action()));
        if (m.op().messageSerial() == null || m.op().messageSerial().isEmpty()) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("This message lacks a serial: an " + Mutation.nameOf(m.op().action())
                    + " names the message it changes by its serial");
        }
        String any = anyOp(m.op().action());
        if (!capability.allows(channelName, any) && !capability.allows(channelName, ownOp(m.op().action()))) {
            throw ErrorCode.OPERATION_NOT_PERMITTED.exception("No " + ownOp(m.op().action()) + " or " + any + " capability on channel " + channelName);
        }
    }

    private CompletableFuture<List<Message>> complete(String appId, String channelName, List<Message> messages, Capability capability,
                                                      String clientId) {
        Map<String, Message> latest = new HashMap<>();
        CompletableFuture<Void> read = CompletableFuture.completedFuture(null);
        for (Message m : messages) {
            if (m.op() == null || latest.containsKey(m.op().messageSerial())) continue;
            String serial = m.op().messageSerial();
            latest.put(serial, null);
            read = read.thenCombine(latest(appId, channelName, serial), (v, found) -> {
                latest.put(serial, found);
                return null;
            });
        }
        return read.thenApply(v -> {
            long now = clock.millis();
            List<Message> out = new ArrayList<>(messages.size());
            for (Message m : messages) {
                if (m.op() == null) {
                    out.add(m);
                    continue;
                }
                Message current = latest.get(m.op().messageSerial());
                boolean own = clientId != null && clientId.equals(current.clientId());
                if (!own && !capability.allows(channelName, anyOp(m.op().action()))) {
                    throw ErrorCode.OPERATION_NOT_PERMITTED.exception("Only the author may " + Mutation.nameOf(m.op().action())
                            + " this message without the " + anyOp(m.op().action()) + " capability");
                }
                Object versionClient = m.op().version() == null ? null : m.op().version().get("clientId");
                if (clientId != null && versionClient != null && !clientId.equals(versionClient)) {
                    throw ErrorCode.INVALID_CLIENT_ID.exception("version.clientId '" + versionClient + "' is not the publisher's clientId");
                }
                Message applied = MessageVersions.apply(current, m, clientId, now);
                latest.put(m.op().messageSerial(), applied.stateView()); // a later operation in this publish starts from it
                out.add(applied);
            }
            return out;
        });
    }

    private static String anyOp(int action) { return action == Mutation.DELETE ? "message-delete-any" : "message-update-any"; }

    private static String ownOp(int action) { return action == Mutation.DELETE ? "message-delete-own" : "message-update-own"; }
}
