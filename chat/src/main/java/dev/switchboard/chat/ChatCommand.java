package dev.switchboard.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.protocol.WireFormat;

/**
 * What a message published on the chat's outgoing channel asks for, validated: a new message, an edit or a delete.
 * Invalid input is rejected with a reason and never retried.
 */
public sealed interface ChatCommand {
    int MAX_USERNAME = 40;
    int MAX_TEXT = 4000;
    /** Longer than any id an SDK makes (ably-js: 12 base64 characters + ":index"); keeps the table's key small. */
    int MAX_ID = 200;

    record Send(String msgId, String username, String text, String clientId, long timestamp) implements ChatCommand {}

    record Edit(String msgIdToEdit, String username, String text, String clientId) implements ChatCommand {}

    /** The author takes a message back: its row stays, with the text erased and {@code is_deleted} set. */
    record Delete(String msgIdToDelete, String clientId) implements ChatCommand {}

    /** Input the function refuses: the publisher is NACKed with the reason, never retried. */
    final class Rejected extends Exception {
        public Rejected(String reason) { super(reason); }
    }

    /**
     * Reads one message of the enveloped event. {@code data} is the JSON text the client published.
     *
     * @return the command, or null for message names the chat does not handle
     */
    static ChatCommand parse(String name, String id, String clientId, Long timestamp, String data) throws Rejected {
        if (!"chatMsg".equals(name) && !"editedMsg".equals(name) && !"deletedMsg".equals(name)) return null;
        if (id != null && id.length() > MAX_ID) throw new Rejected("message id is longer than " + MAX_ID + " characters");
        if (id != null && hasNul(id)) throw new Rejected("message id contains a NUL character");
        if (clientId == null || clientId.isBlank()) throw new Rejected("message " + id + " has no clientId");
        JsonNode json;
        try {
            json = data == null ? null : WireFormat.jsonMapper().readTree(data);
        } catch (Exception e) {
            throw new Rejected("message " + id + " data is not JSON");
        }
        if (json == null || !json.isObject()) throw new Rejected("message " + id + " data is not a JSON object");
        if ("deletedMsg".equals(name)) return new Delete(target(json, "msgIdToDelete", name, id), clientId);
        String username = text(json, "username").trim();
        if (username.isEmpty() || username.length() > MAX_USERNAME) {
            throw new Rejected("message " + id + " username must have 1 to " + MAX_USERNAME + " characters");
        }
        String content = text(json, "content");
        if (content.isBlank()) throw new Rejected("message " + id + " content is empty");
        if (content.length() > MAX_TEXT) throw new Rejected("message " + id + " content is longer than " + MAX_TEXT + " characters");
        // PostgreSQL text cannot hold NUL: refuse it here with a reason instead of failing the INSERT.
        if (hasNul(content) || hasNul(username)) throw new Rejected("message " + id + " contains a NUL character");
        if ("chatMsg".equals(name)) {
            if (id == null) throw new Rejected("chatMsg without a message id");
            if (timestamp == null) throw new Rejected("chatMsg " + id + " has no timestamp");
            return new Send(id, username, content, clientId, timestamp);
        }
        return new Edit(target(json, "msgIdToEdit", name, id), username, content, clientId);
    }

    /** The message id an edit or delete names. */
    private static String target(JsonNode json, String field, String name, String id) throws Rejected {
        String target = text(json, field);
        if (target.isEmpty()) throw new Rejected(name + " " + id + " has no " + field);
        if (target.length() > MAX_ID || hasNul(target)) throw new Rejected(name + " " + id + " " + field + " is not a message id");
        return target;
    }

    private static boolean hasNul(String s) { return s.indexOf('\u0000') >= 0; }

    private static String text(JsonNode json, String field) {
        JsonNode v = json.get(field);
        return v != null && v.isTextual() ? v.asText() : "";
    }
}
