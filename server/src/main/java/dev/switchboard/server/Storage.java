package dev.switchboard.server;

import dev.switchboard.server.auth.NonceStore;
import dev.switchboard.server.persistence.MessageStore;
import dev.switchboard.server.rules.RuleOutbox;

/**
 * What the server keeps in a database, when it has one: persisted channels' messages, the after-publish rules'
 * outbox and the nonces of used TokenRequests. Any may be null: without a message store persisted namespaces are a
 * configuration error; without an outbox after-publish rules queue in memory; without a nonce store used nonces are
 * remembered in memory (until a restart). The server does not close them: whoever opened them does.
 */
public record Storage(MessageStore messages, RuleOutbox ruleOutbox, NonceStore tokenNonces) {
    public static final Storage NONE = new Storage(null, null, null);

    /** Storage without a nonce store. */
    public Storage(MessageStore messages, RuleOutbox ruleOutbox) {
        this(messages, ruleOutbox, null);
    }
}
