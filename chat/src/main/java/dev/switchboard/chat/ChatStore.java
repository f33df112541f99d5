package dev.switchboard.chat;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The chat's table access: parameterised SQL on pooled connections. Every method blocks; call it from a
 * worker thread, never an event loop.
 */
public final class ChatStore {
    private final DataSource dataSource;

    public ChatStore(DataSource dataSource) { this.dataSource = dataSource; }

    /** Inserts a message once; a redelivery of the same msg_id changes nothing. Returns whether a row was added. */
    public boolean insert(String msgId, String username, String text, String clientId, long createdAt) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(
                     "INSERT INTO chat_data (msg_id, username, msg_data, client_id, created_at_timestamp) VALUES (?, ?, ?, ?, ?) "
                             + "ON CONFLICT (msg_id) DO NOTHING")) {
            s.setString(1, msgId);
            s.setString(2, username);
            s.setString(3, text);
            s.setString(4, clientId);
            s.setLong(5, createdAt);
            return s.executeUpdate() == 1;
        }
    }

    /** What an edit or a delete did. */
    public enum ChangeResult { DONE, NOT_AUTHOR, NO_SUCH_MESSAGE, DELETED }

    /** Changes a message's text if, and only if, {@code editorClientId} wrote it and has not deleted it. */
    public ChangeResult edit(String msgId, String text, String editorClientId) throws SQLException {
        return change("UPDATE chat_data SET msg_data = ?, is_edited = TRUE WHERE msg_id = ? AND client_id = ? AND NOT is_deleted",
                text, msgId, editorClientId);
    }

    /**
     * Erases a message's text and marks it deleted if, and only if, {@code authorClientId} wrote it. Deleting it again
     * is done already (a redelivery), and changes nothing, so no second change event goes out.
     */
    public ChangeResult delete(String msgId, String authorClientId) throws SQLException {
        ChangeResult r = change("UPDATE chat_data SET msg_data = ?, is_deleted = TRUE WHERE msg_id = ? AND client_id = ? AND NOT is_deleted",
                "", msgId, authorClientId);
        return r == ChangeResult.DELETED ? ChangeResult.DONE : r;
    }

    private ChangeResult change(String update, String text, String msgId, String clientId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement s = c.prepareStatement(update)) {
                s.setString(1, text);
                s.setString(2, msgId);
                s.setString(3, clientId);
                if (s.executeUpdate() == 1) return ChangeResult.DONE;
            }
            // Nothing changed: say why.
            try (PreparedStatement s = c.prepareStatement("SELECT client_id, is_deleted FROM chat_data WHERE msg_id = ?")) {
                s.setString(1, msgId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) return ChangeResult.NO_SUCH_MESSAGE;
                    if (!clientId.equals(rs.getString(1))) return ChangeResult.NOT_AUTHOR;
                    return ChangeResult.DELETED;
                }
            }
        }
    }

    /** A row's columns; rows of an adopted seed table may hold NULLs, read as empty text, time 0 and not edited. */
    private static final String SELECT_ROW = "SELECT incremental_record_id, msg_id, COALESCE(username, ''), COALESCE(msg_data, ''), "
            + "COALESCE(client_id, ''), COALESCE(created_at_timestamp, 0), COALESCE(is_edited, FALSE), is_deleted ";

    /** Up to {@code limit} messages before a record id (or the newest), oldest first; one extra row tells if more exist. */
    public Page page(Long beforeRecordId, int limit) throws SQLException {
        String sql = SELECT_ROW + "FROM chat_data "
                + (beforeRecordId == null ? "" : "WHERE incremental_record_id < ? ")
                + "ORDER BY incremental_record_id DESC LIMIT ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            int i = 1;
            if (beforeRecordId != null) s.setLong(i++, beforeRecordId);
            s.setInt(i, limit + 1);
            List<ChatMessage> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(new ChatMessage(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getLong(6), rs.getBoolean(7), rs.getBoolean(8)));
                }
            }
            boolean more = rows.size() > limit;
            if (more) rows.remove(rows.size() - 1);
            Collections.reverse(rows);
            return new Page(rows, more);
        }
    }

    /** The row for a message id, or null. */
    public ChatMessage find(String msgId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(SELECT_ROW + "FROM chat_data WHERE msg_id = ?")) {
            s.setString(1, msgId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) return null;
                return new ChatMessage(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getLong(6), rs.getBoolean(7), rs.getBoolean(8));
            }
        }
    }

    public record Page(List<ChatMessage> messages, boolean hasMore) {}
}
