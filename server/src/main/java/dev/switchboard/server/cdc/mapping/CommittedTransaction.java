package dev.switchboard.server.cdc.mapping;

import dev.switchboard.server.cdc.ChangeMessage;
import dev.switchboard.server.cdc.Lsn;
import java.time.Instant;
import java.util.List;

/**
 * The messages of one committed transaction, in change order. Once they are all confirmed the
 * slot may be flushed to {@code endLsn}.
 */
public record CommittedTransaction(Lsn commitLsn, Lsn endLsn, Instant commitTime, List<ChangeMessage> messages) {

    public CommittedTransaction {
        messages = List.copyOf(messages);
    }
}
