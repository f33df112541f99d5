package dev.switchboard.server;

import dev.switchboard.server.persistence.MessageStore;
import dev.switchboard.server.rules.RuleOutbox;

/**
 * What the server keeps in a database, when it has one: persisted channels' messages and the after-publish rules'
 * outbox. Either may be null: without a message store persisted namespaces are a configuration error; without an
 * outbox after-publish rules queue in memory.
 */
public record Storage(MessageStore messages, RuleOutbox ruleOutbox) {
    public static final Storage NONE = new Storage(null, null);
}
