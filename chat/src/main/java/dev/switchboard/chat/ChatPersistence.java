package dev.switchboard.chat;

import dev.switchboard.server.rules.RuleEnvelope;
import dev.switchboard.server.rules.RuleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The function behind the chat's integration rule: {@code chatMsg} inserts a row, {@code editedMsg}
 * changes the text of a row the sender wrote. Safe to run again on redelivery. Invalid input and forged
 * edits are logged and counted, never retried; database failures are thrown so the rules engine retries.
 */
public final class ChatPersistence implements RuleFunction {
    public static final String NAME = "chat-persistence";
    private static final Logger log = LoggerFactory.getLogger(ChatPersistence.class);

    private final ChatStore store;
    private final AtomicLong inserted = new AtomicLong();
    private final AtomicLong edited = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong refusedEdits = new AtomicLong();

    public ChatPersistence(ChatStore store) { this.store = store; }

    @Override
    public CompletionStage<Void> handle(RuleEnvelope envelope) throws SQLException {
        for (RuleEnvelope.MessageItem item : envelope.messages()) {
            ChatCommand command;
            try {
                command = ChatCommand.parse(item.name(), item.id(), item.clientId(), item.timestamp(), item.data());
            } catch (ChatCommand.Rejected e) {
                rejected.incrementAndGet();
                log.warn("Chat message refused: {}", e.getMessage());
                continue;
            }
            if (command instanceof ChatCommand.Send send) {
                if (store.insert(send.msgId(), send.username(), send.text(), send.clientId(), send.timestamp())) inserted.incrementAndGet();
            } else if (command instanceof ChatCommand.Edit edit) {
                if (store.edit(edit.msgIdToEdit(), edit.text(), edit.clientId())) {
                    edited.incrementAndGet();
                } else {
                    refusedEdits.incrementAndGet();
                    log.warn("Edit of message {} by client {} changed nothing: no such message, or not its author",
                            edit.msgIdToEdit(), edit.clientId());
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    public long inserted() { return inserted.get(); }

    public long edited() { return edited.get(); }

    public long rejected() { return rejected.get(); }

    public long refusedEdits() { return refusedEdits.get(); }
}
