package dev.switchboard.app;

import java.net.http.HttpResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.chat.ChatChannels;
import dev.switchboard.server.cdc.ChangeConnector;
import dev.switchboard.server.cdc.ConnectorState;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.switchboard.app.RunningApp.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The change connector as the app runs it: rows written to chat_data by anyone (here plain JDBC, not the chat)
 * reach incoming-chat in commit order with the original connector's payload, and a connector stopped while rows
 * are written catches up from its slot when a new one starts — each row once, in order.
 */
class ConnectorAppIT {
    private static RunningApp running;
    private static List<Message> incoming;

    @BeforeAll
    static void start() throws Exception {
        running = RunningApp.start("connector");
        incoming = RunningApp.subscribe(running.rootClient().channels.get(ChatChannels.INCOMING));
    }

    @AfterAll
    static void stop() {
        if (running != null) running.close();
    }

    private static final String INSERT =
            "INSERT INTO chat_data (msg_id, username, msg_data, client_id, created_at_timestamp) VALUES (?, ?, ?, ?, ?)";

    private static void insert(Connection c, String msgId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(INSERT)) {
            s.setString(1, msgId);
            s.setString(2, "jdbc");
            s.setString(3, "text of " + msgId);
            s.setString(4, "jdbc-client");
            s.setLong(5, 1_700_000_000_000L);
            s.executeUpdate();
        }
    }

    /** msg_ids of the events received so far whose msg_id starts with {@code prefix}, in arrival order. */
    private static List<String> received(String prefix, String type) {
        List<String> ids = new ArrayList<>();
        for (Message m : incoming) {
            JsonNode change = RunningApp.change(m);
            String id = change.path("row").path("msg_id").asText();
            if (id.startsWith(prefix) && type.equals(change.path("type").asText())) ids.add(id);
        }
        return ids;
    }

    @Test
    void rowsInsertedWithJdbcArriveInCommitOrderWithTheOriginalPayload() throws Exception {
        String p = "order-";
        List<String> commitOrder = new ArrayList<>();
        try (Connection auto = running.jdbc(); Connection t1 = running.jdbc(); Connection t2 = running.jdbc()) {
            for (int i = 0; i < 3; i++) {
                insert(auto, p + "single-" + i);
                commitOrder.add(p + "single-" + i);
            }
            // One transaction of five rows: they arrive together, in statement order.
            t1.setAutoCommit(false);
            for (int i = 0; i < 5; i++) {
                insert(t1, p + "multi-" + i);
                commitOrder.add(p + "multi-" + i);
            }
            t1.commit();
            // Begun first, committed last: commit order is what counts.
            t1.setAutoCommit(false);
            t2.setAutoCommit(false);
            insert(t1, p + "begun-first");
            insert(t2, p + "begun-second");
            t2.commit();
            t1.commit();
            commitOrder.add(p + "begun-second");
            commitOrder.add(p + "begun-first");
            // Rolled back: nothing.
            insert(t1, p + "rolled-back");
            t1.rollback();
        }

        await().atMost(TIMEOUT).until(() -> received(p, "INSERT").size() >= commitOrder.size());
        assertThat(received(p, "INSERT")).containsExactlyElementsOf(commitOrder);

        Message first = incoming.stream().filter(m -> RunningApp.change(m).path("row").path("msg_id").asText().equals(p + "single-0"))
                .findFirst().orElseThrow();
        assertThat(first.data).isInstanceOf(String.class);
        assertThat(first.name).isNotBlank();
        JsonNode change = RunningApp.change(first);
        assertThat(change.path("table").asText()).isEqualTo("chat_data");
        assertThat(change.path("type").asText()).isEqualTo("INSERT");
        JsonNode row = change.path("row");
        assertThat(row.path("username").asText()).isEqualTo("jdbc");
        assertThat(row.path("msg_data").asText()).isEqualTo("text of order-single-0");
        assertThat(row.path("client_id").asText()).isEqualTo("jdbc-client");
        assertThat(row.path("created_at_timestamp").asLong()).isEqualTo(1_700_000_000_000L);
        assertThat(row.path("created_at_timestamp").isIntegralNumber()).isTrue();
        assertThat(row.path("incremental_record_id").isIntegralNumber()).isTrue();
        assertThat(row.path("is_edited").isBoolean()).isTrue();

        // An UPDATE by hand carries the whole new row.
        running.sql("UPDATE chat_data SET msg_data = 'changed by hand', is_edited = true WHERE msg_id = 'order-multi-2'");
        JsonNode update = await().atMost(TIMEOUT).until(() -> incoming.stream().map(RunningApp::change)
                .filter(c -> c.path("type").asText().equals("UPDATE") && c.path("row").path("msg_id").asText().equals(p + "multi-2"))
                .findFirst().orElse(null), java.util.Objects::nonNull);
        assertThat(update.path("row").path("msg_data").asText()).isEqualTo("changed by hand");
        assertThat(update.path("row").path("is_edited").asBoolean()).isTrue();
        assertThat(update.path("row").path("username").asText()).isEqualTo("jdbc");
        assertThat(received(p, "INSERT")).doesNotContain(p + "rolled-back");
    }

    @Test
    void aNewConnectorCatchesUpOnRowsWrittenWhileNoneRanEachOnceInOrder() throws Exception {
        String p = "restart-";
        try (Connection c = running.jdbc()) {
            insert(c, p + "before");
        }
        await().atMost(TIMEOUT).until(() -> received(p, "INSERT").size() == 1);

        ChangeConnector old = running.app().connector();
        old.close();
        assertThat(old.status().state()).isEqualTo(ConnectorState.STOPPED);

        List<String> expected = new ArrayList<>();
        expected.add(p + "before");
        try (Connection c = running.jdbc()) {
            // 200 single-row transactions, then 3 transactions of 100 rows.
            for (int i = 0; i < 200; i++) {
                insert(c, String.format("%s%03d", p, i));
                expected.add(String.format("%s%03d", p, i));
            }
            c.setAutoCommit(false);
            for (int t = 0; t < 3; t++) {
                for (int i = 0; i < 100; i++) {
                    String id = String.format("%s%03d", p, 200 + t * 100 + i);
                    insert(c, id);
                    expected.add(id);
                }
                c.commit();
            }
        }
        assertThat(running.count("SELECT count(*) FROM chat_data WHERE msg_id LIKE 'restart-%'")).isEqualTo(501);
        assertThat(received(p, "INSERT")).as("nothing published while no connector runs").hasSize(1);

        ChangeConnector fresh = running.app().restartConnector();
        assertThat(fresh).isNotSameAs(old);

        await().atMost(TIMEOUT).until(() -> received(p, "INSERT").size() >= expected.size());
        assertThat(received(p, "INSERT")).containsExactlyElementsOf(expected);
        Set<String> messageIds = new HashSet<>();
        for (Message m : incoming) assertThat(messageIds.add(m.id)).as("message %s received once", m.id).isTrue();

        JsonNode status = running.status();
        assertThat(status.path("connector").path("state").asText()).isEqualTo("STREAMING");
        assertThat(status.path("connector").path("changesPublished").asLong()).isGreaterThanOrEqualTo(500);
        assertThat(status.path("connector").path("slot").asText()).isNotBlank();
        assertThat(status.path("rules").path("chat-persistence").has("failed")).as("per-rule counters").isTrue();
        assertThat(status.path("connector").path("lagBytes").asLong()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void statusAnswersOnlyAKeyWithEveryCapability() throws Exception {
        HttpResponse<String> anonymous = running.get("/status");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).doesNotContain("connector");
        assertThat(running.status().path("connector").path("state").asText()).isNotBlank();
    }

    @Test
    void statusShowsTheConnectorStreamingWithChangesPublished() throws Exception {
        try (Connection c = running.jdbc()) {
            insert(c, "status-1");
        }
        await().atMost(TIMEOUT).until(() -> received("status-", "INSERT").size() == 1);
        await().atMost(TIMEOUT).untilAsserted(() -> {
            JsonNode connector = running.status().path("connector");
            assertThat(connector.path("state").asText()).isEqualTo("STREAMING");
            assertThat(connector.path("changesPublished").asLong()).isPositive();
            assertThat(connector.path("confirmedLsn").asText()).isNotBlank();
        });
        JsonNode status = running.status();
        assertThat(status.path("connections").asInt()).isPositive();
        assertThat(status.path("chat").has("inserted")).isTrue();
    }
}
