package dev.switchboard.app.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.app.AppSettings;
import dev.switchboard.server.config.SettingsException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonLineEncoderTest {
    private final LoggerContext context = new LoggerContext();

    private String encode(LoggingEvent event) {
        JsonLineEncoder encoder = new JsonLineEncoder();
        encoder.setContext(context);
        encoder.start();
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    @Test
    void anEventIsOneJsonObjectOnOneLine() throws Exception {
        LoggingEvent event = new LoggingEvent("fqcn", context.getLogger("dev.switchboard.x"), Level.WARN,
                "Rule '{}' said \"no\"\non two lines", null, new Object[] {"r1"});
        event.setTimeStamp(1_700_000_000_123L);
        event.setThreadName("vert.x-eventloop-thread-0");
        String line = encode(event);
        assertThat(line).endsWith("\n");
        assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("time").asText()).isEqualTo("2023-11-14T22:13:20.123Z");
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("logger").asText()).isEqualTo("dev.switchboard.x");
        assertThat(json.path("thread").asText()).isEqualTo("vert.x-eventloop-thread-0");
        assertThat(json.path("message").asText()).isEqualTo("Rule 'r1' said \"no\"\non two lines");
        assertThat(json.has("error")).isFalse();
    }

    @Test
    void anErrorCarriesItsStackTrace() throws Exception {
        LoggingEvent event = new LoggingEvent("fqcn", context.getLogger("x"), Level.ERROR, "failed", new IllegalStateException("boom"), null);
        JsonNode json = new ObjectMapper().readTree(encode(event));
        assertThat(json.path("error").asText()).contains("IllegalStateException: boom", "at dev.switchboard.app.logging.JsonLineEncoderTest");
    }

    @Test
    void theLogSettingsTakeKnownValuesOnlyAndNameTheSettingOtherwise() {
        AppSettings.Logging logging = AppSettings.logging(Map.of("SWITCHBOARD_LOG_FORMAT", "JSON", "SWITCHBOARD_LOG_LEVEL", "warn"), null);
        assertThat(logging.json()).isTrue();
        assertThat(logging.level()).isEqualTo("WARN");
        assertThat(AppSettings.logging(Map.of(), null)).isEqualTo(new AppSettings.Logging("INFO", "text"));
        assertThatThrownBy(() -> AppSettings.logging(Map.of("SWITCHBOARD_LOG_FORMAT", "xml"), null))
                .isInstanceOf(SettingsException.class).hasMessageContaining("SWITCHBOARD_LOG_FORMAT").hasMessageContaining("text, json");
        assertThatThrownBy(() -> AppSettings.logging(Map.of("SWITCHBOARD_LOG_LEVEL", "verbose"), null))
                .isInstanceOf(SettingsException.class).hasMessageContaining("SWITCHBOARD_LOG_LEVEL");
    }
}
