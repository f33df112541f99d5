package dev.switchboard.chat;

import java.util.LinkedHashMap;
import java.util.Map;

/** One row of {@code chat_data}, in the shape the change connector publishes and the page reads. */
public record ChatMessage(long recordId, String msgId, String username, String text, String clientId, long createdAt, boolean edited, boolean deleted) {

    public Map<String, Object> toRow() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("username", username);
        row.put("msg_id", msgId);
        row.put("msg_data", text);
        row.put("client_id", clientId);
        row.put("incremental_record_id", recordId);
        row.put("created_at_timestamp", createdAt);
        row.put("is_edited", edited);
        row.put("is_deleted", deleted);
        return row;
    }
}
