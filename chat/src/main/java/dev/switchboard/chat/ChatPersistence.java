package dev.switchboard.chat;

import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.rules.RuleEnvelope;
import dev.switchboard.server.rules.RuleFunction;
import dev.switchboard.server.rules.RuleRefusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Clock;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The function behind the chat's before-publish rule: {@code chatMsg} inserts a row, {@code editedMsg} changes the
 * text of a row the sender wrote, {@code deletedMsg} erases it and marks it deleted. The publisher is ACKed only once
 * the row is committed. Invalid input is refused with 40003 and the reason, an edit or delete of someone else's
 * message with 40160, of an unknown (or, for an edit, deleted) message with 40400;
 * a database that cannot be reached gives a retriable 50003. Safe to run again for the same message id.
 */
public final class ChatPersistence implements RuleFunction {
    public static final String NAME = "chat-persistence";
    private static final Logger log = LoggerFactory.getLogger(ChatPersistence.class);

    private final ChatStore store;
    private final Clock clock;
    private final AtomicLong inserted = new AtomicLong();
    private final AtomicLong edited = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong refusedEdits = new AtomicLong();

    /** {@code clock} dates new rows: a message's own timestamp is the client's to choose, so it is not trusted. */
    public ChatPersistence(ChatStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public CompletionStage<Void> handle(RuleEnvelope envelope) throws RuleRefusal {
        for (RuleEnvelope.MessageItem item : envelope.messages()) {
            ChatCommand command;
            try {
                command = ChatCommand.parse(item.name(), item.id(), item.clientId(), item.timestamp(), item.data());
            } catch (ChatCommand.Rejected e) {
                rejected.incrementAndGet();
                throw RuleRefusal.permanent(ErrorCode.INVALID_PARAMETER_VALUE, "Chat message refused: " + e.getMessage());
            }
            try {
                apply(command);
            } catch (SQLException e) {
                throw refusalFor(e);
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    private void apply(ChatCommand command) throws SQLException, RuleRefusal {
        if (command instanceof ChatCommand.Send send) {
            if (store.insert(send.msgId(), send.username(), send.text(), send.clientId(), clock.millis())) inserted.incrementAndGet();
        } else if (command instanceof ChatCommand.Edit edit) {
            ChatStore.ChangeResult r = store.edit(edit.msgIdToEdit(), edit.text(), edit.clientId());
            if (r == ChatStore.ChangeResult.DONE) edited.incrementAndGet();
            else refuse("Edit", r, edit.msgIdToEdit(), edit.clientId());
        } else if (command instanceof ChatCommand.Delete delete) {
            ChatStore.ChangeResult r = store.delete(delete.msgIdToDelete(), delete.clientId());
            if (r == ChatStore.ChangeResult.DONE) deleted.incrementAndGet();
            else refuse("Delete", r, delete.msgIdToDelete(), delete.clientId());
        }
    }

    private void refuse(String what, ChatStore.ChangeResult result, String msgId, String clientId) throws RuleRefusal {
        refusedEdits.incrementAndGet();
        throw switch (result) {
            case NOT_AUTHOR -> RuleRefusal.permanent(ErrorCode.OPERATION_NOT_PERMITTED,
                    what + " refused: client " + clientId + " is not the author of message " + msgId);
            case DELETED -> RuleRefusal.permanent(ErrorCode.NOT_FOUND, what + " refused: message " + msgId + " was deleted");
            default -> RuleRefusal.permanent(ErrorCode.NOT_FOUND, what + " refused: there is no message " + msgId);
        };
    }

    /**
     * Data errors (SQLSTATE classes 22 and 23) are about this message: refused for good. Anything else (connection
     * lost, server shutting down, pool timeout) may pass later: retriable.
     */
    static RuleRefusal refusalFor(SQLException e) {
        String state = e.getSQLState();
        boolean aboutTheMessage = !(e instanceof SQLTransientException) && !(e instanceof SQLRecoverableException)
                && state != null && (state.startsWith("22") || state.startsWith("23"));
        if (aboutTheMessage) return RuleRefusal.permanent(ErrorCode.INVALID_PARAMETER_VALUE, "Chat message refused by the database: " + e.getMessage());
        log.warn("Chat database unavailable: {} (SQLState {})", e.getMessage(), state);
        return RuleRefusal.unavailable("The chat's database is unavailable; send again", e);
    }

    public long inserted() { return inserted.get(); }

    public long edited() { return edited.get(); }

    public long deleted() { return deleted.get(); }

    public long rejected() { return rejected.get(); }

    /** Edits and deletes refused (not the author, no such message). */
    public long refusedEdits() { return refusedEdits.get(); }
}
