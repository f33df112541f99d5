package dev.switchboard.app;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.gson.JsonObject;
import dev.switchboard.chat.ChatChannels;
import dev.switchboard.server.testing.PrometheusText;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What an operator sees of the whole application: the metrics move with a chat round trip (ably-java publishing,
 * PostgreSQL, the connector, a subscriber), readiness follows the embedded PostgreSQL down and back up by itself while
 * liveness stays, and no log line of the run holds a secret.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityIT {
    private static final ListAppender<ILoggingEvent> logLines = new ListAppender<>();
    private static RunningApp running;

    @BeforeAll
    static void start() {
        Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logLines.start();
        root.addAppender(logLines); // from before the start: its log lines are checked too
        running = RunningApp.start("observability");
    }

    @AfterAll
    static void stop() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(logLines);
        if (running != null) running.close();
    }

    private static Message chatMsg(String id, String content) {
        JsonObject o = new JsonObject();
        o.addProperty("username", "Olga");
        o.addProperty("content", content);
        Message m = new Message("chatMsg", o);
        m.id = id;
        return m;
    }

    private static double delta(PrometheusText before, PrometheusText after, String sample) {
        return after.value(sample) - before.value(sample);
    }

    @Test
    @Order(1)
    void aChatRoundTripMovesTheCountersAndHistogramsOfEveryStage() throws Exception {
        PrometheusText before = running.metrics();
        List<Message> incoming = RunningApp.subscribe(running.rootClient().channels.get(ChatChannels.INCOMING));
        AblyRealtime olga = running.chatUser().connect();
        Channel outgoing = olga.channels.get(ChatChannels.OUTGOING);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            assertThat(RunningApp.publish(outgoing, chatMsg(id, "metric " + i))).as("ACKed: the row is committed").isNull();
            // One at a time, so that each row is its own event on incoming-chat (the connector batches what waits).
            await().atMost(RunningApp.TIMEOUT).until(() -> incoming.stream()
                    .filter(m -> ids.contains(RunningApp.change(m).path("row").path("msg_id").asText())).count() == ids.size());
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            PrometheusText after = running.metrics();
            assertThat(delta(before, after, "switchboard_messages_in_total{source=\"realtime\"}")).as("chat messages published").isGreaterThanOrEqualTo(3);
            assertThat(delta(before, after, "switchboard_rule_delivered_total{rule=\"chat-persistence\"}")).isGreaterThanOrEqualTo(3);
            assertThat(delta(before, after, "switchboard_chat_rows_total{op=\"insert\"}")).isGreaterThanOrEqualTo(3);
            assertThat(delta(before, after, "switchboard_publish_ack_seconds_count")).isGreaterThanOrEqualTo(3);
            assertThat(delta(before, after, "switchboard_connector_changes_total")).isGreaterThanOrEqualTo(3);
            assertThat(delta(before, after, "switchboard_messages_in_total{source=\"connector\"}")).isGreaterThanOrEqualTo(3);
            assertThat(delta(before, after, "switchboard_store_commit_seconds_count")).as("incoming-chat is persisted").isGreaterThanOrEqualTo(1);
            assertThat(delta(before, after, "switchboard_fanout_seconds_count")).isGreaterThanOrEqualTo(3);
            assertThat(delta(before, after, "switchboard_messages_out_total")).isGreaterThanOrEqualTo(3);
            assertThat(delta(before, after, "switchboard_publish_ack_seconds_bucket{le=\"+Inf\"}")).isGreaterThanOrEqualTo(3);
            assertThat(after.value("switchboard_connector_state{state=\"STREAMING\"}")).isEqualTo(1);
            assertThat(after.has("switchboard_connector_lag_seconds")).isTrue();
            assertThat(after.has("switchboard_rule_dead_letters{rule=\"chat-persistence\"}") || after.has("switchboard_rule_backlog{rule=\"chat-persistence\"}")).isTrue();
        });
    }

    @Test
    @Order(2)
    void readyAnswers503NamingTheDatabaseWhileItIsDownAndRecoversByItselfWhileLiveStays200() throws Exception {
        assertThat(running.get("/health/ready").statusCode()).isEqualTo(200);
        ProcessHandle postmaster = running.app().embeddedDatabase().postmaster().orElseThrow();
        new ProcessBuilder("kill", "-KILL", Long.toString(postmaster.pid())).start().waitFor();

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            HttpResponse<String> ready = running.get("/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"database\"");
        });
        assertThat(running.get("/health/live").statusCode()).as("the process itself still serves").isEqualTo(200);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> running.get("/health/ready").statusCode() == 200);
        assertThat(running.app().embeddedDatabase().postmaster().orElseThrow().pid()).as("a new postmaster").isNotEqualTo(postmaster.pid());
    }

    @Test
    @Order(3)
    void noLogLineOfTheRunHoldsASecret() {
        String rootSecret = RunningApp.ROOT_KEY.substring(RunningApp.ROOT_KEY.indexOf(':') + 1);
        String databasePassword = running.app().database().password();
        List<String> lines;
        synchronized (logLines.list) {
            lines = logLines.list.stream().map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage())).toList();
        }
        assertThat(lines).as("the run logged (start-up, the outage)").hasSizeGreaterThan(10);
        assertThat(lines).noneMatch(l -> l.contains(rootSecret)).noneMatch(l -> l.contains(databasePassword));
    }
}
