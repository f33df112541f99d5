package dev.switchboard.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code SWITCHBOARD_LOG_FORMAT=json} on the real process: everything it writes, start to stop, is JSON lines. */
class JsonLogsIT {
    @Test
    void everyLineOfARunIsAJsonObjectWithTheFieldsAndNoneHoldsTheRootSecret() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        String log;
        try (AppProcess app = new AppProcess("json-logs").withEnv("SWITCHBOARD_LOG_FORMAT", "json")) {
            app.start();
            // Something logged after start-up: the chat rule refusing an invalid message (INFO).
            AblyRealtime client = new AblyRealtime(app.clientOptions());
            try {
                ErrorInfo refused = RunningApp.publish(client.channels.get("outgoing-chat"), new Message("chatMsg", "not a chat message"));
                assertThat(refused).isNotNull();
            } finally {
                client.close();
            }
            app.terminate();
            log = app.log();
        }
        for (String line : log.split("\n")) {
            if (line.isBlank()) continue;
            JsonNode json;
            try {
                json = RunningApp.JSON.readTree(line);
            } catch (Exception e) {
                throw new AssertionError("not a JSON line: " + line, e);
            }
            assertThat(json.isObject()).as(line).isTrue();
            assertThat(json.path("time").asText()).as(line).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
            assertThat(json.path("level").asText()).as(line).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
            assertThat(json.has("logger") && json.has("thread") && json.has("message")).as(line).isTrue();
            lines.add(json);
        }
        assertThat(lines).anyMatch(j -> j.path("message").asText().startsWith("Switchboard is running"));
        assertThat(lines).anyMatch(j -> j.path("message").asText().contains("refused message"));
        assertThat(lines).as("INFO is the default level").noneMatch(j -> j.path("level").asText().equals("DEBUG"));
        assertThat(log).doesNotContain(AppProcess.ROOT_KEY.substring(AppProcess.ROOT_KEY.indexOf(':') + 1));
    }
}
